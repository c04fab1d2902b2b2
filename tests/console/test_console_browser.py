"""The web console in a real headless Chromium against a live gateway on the real mail stack.

Each step's screenshot is saved under ``test-artifacts/console/<test name>/`` (git-ignored);
a failing test also leaves ``failure.png``, ``failure.html`` and ``browser-console.log``
there, so a failed CI run can be looked at afterwards.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from selenium.common.exceptions import NoAlertPresentException

from tests.conftest import ADMIN_TOKEN, account_spec
from tests.mailstack import MailStack
from tests.waiting import quiet_for_blocking

from .browser import Console, LiveGateway


def _fill_server(console: Console, protocol: str, stack: MailStack, user: str, port: int) -> None:
    block = f"fieldset[data-protocol={protocol}]"
    console.click(f"{block} input[name={protocol}_enabled]")
    console.type(f"{block} input[name={protocol}_host]", stack.host)
    console.find(f"{block} select[name={protocol}_security] option[value=starttls]").click()
    console.type(f"{block} input[name={protocol}_port]", str(port))
    console.type(f"{block} input[name={protocol}_username]", user)
    console.type(f"{block} input[name={protocol}_password]", stack.password)
    console.type(f"{block} input[name={protocol}_ca_file]", str(stack.cert))


def test_sign_in_add_an_account_see_a_mail_arrive_live_and_read_it(
    console: Console,
    gateway: LiveGateway,
    api: httpx.Client,
    mailstack: MailStack,
) -> None:
    started = time.monotonic()
    user = mailstack.new_user("ui")
    account = user.split("@")[0]

    # Sign in: a wrong token is refused with the API's words, the right one is kept.
    console.open("/ui/")
    console.type("#token", "mgt_not-a-token")
    console.click("#sign-in button[type=submit]")
    console.wait_text("#sign-in-status", "unknown or revoked token")
    console.shot("sign-in refused")
    console.type("#token", ADMIN_TOKEN)
    console.click("#sign-in button[type=submit]")
    console.wait_css("#add-account")
    console.wait_text("#stream-state", "live")
    console.shot("signed in")
    console.browser_log()  # drained: the refused sign-in's 401 is expected

    # Add the account through the form.
    console.click("#add-account")
    console.type("#account-form input[name=id]", account)
    console.type("#account-form input[name=name]", "Console test")
    console.type("#account-form input[name=email]", user)
    _fill_server(console, "imap", mailstack, user, mailstack.imap)
    _fill_server(console, "smtp", mailstack, user, mailstack.submission)
    console.shot("account form")
    console.click("#account-form button[type=submit]")
    console.wait_css(f"tr[data-account='{account}']")
    stored = api.get(f"/v1/accounts/{account}").json()
    assert stored["email"] == user and stored["imap"]["has_password"]
    assert stored["smtp"]["port"] == mailstack.submission
    gateway.call(gateway.app.state.services.sync.wait_ready(account))

    # Its connection state, and a login check.
    console.wait_css(f"tr[data-account='{account}'] [data-protocol=imap][data-state]")
    console.click(f"tr[data-account='{account}'] button.verify")
    console.wait_text(f"tr[data-account='{account}'] .verify-result", "IMAP:")
    oks = console.find_all(f"tr[data-account='{account}'] .verify-result .notice.ok")
    assert len(oks) == 2, [o.text for o in oks]
    console.shot("account connected and verified")

    # Another user name without the password: the API refuses, the console says why.
    console.go(f"#/accounts/{account}/edit")
    console.type("#account-form input[name=imap_username]", "someone-else@example.test")
    console.click("#account-form button[type=submit]")
    console.wait_text("#form-status", "credentials_required")
    console.wait_text("#form-status", "type it again")
    console.shot("edit refused without the password")
    console.browser_log()  # drained: that 422 is expected
    assert api.get(f"/v1/accounts/{account}").json()["imap"]["username"] == user

    # A test send to itself, from the console; the arrival shows in the live tail.
    subject = f"Console <b>test</b> {secrets.token_hex(4)}"
    console.go("#/send")
    console.find(f"#send-account option[value='{account}']").click()
    console.click("#send-form button.link")  # "to itself"
    console.type("#send-subject", subject)
    console.type("#send-text", "Hello from the console.\nSecond line.")
    console.click("#send-form button[type=submit]")
    console.wait_text("#send-status", "Sent:")
    console.shot("test send")
    console.go("#/events")
    arrived = console.wait_css(
        f"tr[data-type='message.new'][data-account='{account}'][data-mailbox=INBOX]", within=15
    )
    link = arrived.find_element("css selector", "a.open-message")
    assert link.text == subject  # the markup in the subject stays text
    console.shot("arrival in the live tail")

    # Read it: text, raw source; set and clear \Seen.
    link.click()
    assert console.wait_css("#message-subject").text == subject
    console.wait_text("#message-text", "Hello from the console.")
    assert user in console.find("#message-from").text
    console.shot("message read")
    message_id = console.driver.execute_script("return location.hash").rsplit("/", 1)[1]
    flags = api.get(f"/v1/accounts/{account}/messages/{message_id}").json()["flags"]
    assert "\\Seen" not in flags  # reading never marks it seen
    console.click("button[data-tab=raw]")
    console.wait_text("#message-raw", "Hello from the console.")
    assert f"Subject: {subject}" in console.find("#message-raw").text
    console.shot("raw source")
    console.click("button[data-flag='\\\\Seen'][data-on=false]")
    console.wait_css("button[data-flag='\\\\Seen'][data-on=true]")
    assert "\\Seen" in api.get(f"/v1/accounts/{account}/messages/{message_id}").json()["flags"]
    console.click("button[data-flag='\\\\Seen'][data-on=true]")
    console.wait_css("button[data-flag='\\\\Seen'][data-on=false]")
    flags = api.get(f"/v1/accounts/{account}/messages/{message_id}").json()["flags"]
    assert "\\Seen" not in flags
    console.shot("flags set and cleared")

    # The account's IMAP connections, in use now, show as connected.
    console.go("#/accounts")
    console.wait_css(f"tr[data-account='{account}'] [data-protocol=imap][data-state=connected]")
    console.shot("account connected")

    # Nothing the pages asked for was refused or missing.
    errors = [e for e in console.browser_log() if e["level"] == "SEVERE"]
    assert not errors, errors
    assert time.monotonic() - started < 30


class Recorder(BaseHTTPRequestHandler):
    """A loopback HTTP server's handler: records every request; a POST gets the next of
    ``statuses`` (then 200)."""

    requests: list[tuple[str, str]]
    statuses: list[int]

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.requests.append((self.command, self.path))
        status = self.statuses.pop(0) if self.command == "POST" and self.statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:  # quiet
        pass


@contextlib.contextmanager
def recorder(statuses: list[int]) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """A loopback HTTP server in a thread: (its base URL, the requests it received)."""
    handler = type("Handler", (Recorder,), {"requests": [], "statuses": list(statuses)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.requests
    finally:
        server.shutdown()
        server.server_close()


def hostile_message(to: str, tracker: str) -> bytes:
    """A mail whose every part tries something: markup in the subject and the sender's name,
    and an HTML part that runs script, loads remote things, redirects, submits and frames."""
    html = f"""<html><head>
<meta http-equiv="refresh" content="0;url={tracker}/refresh">
<link rel="stylesheet" href="{tracker}/style.css">
<style>@import url({tracker}/import.css); body {{ background: url({tracker}/bg.png); }}</style>
</head><body>
<p id="shown" style="color: #a00">Hostile body text</p>
<img src="{tracker}/pixel.gif" alt="">
<script>document.title = "pwned"; parent.document.title = "pwned"; alert(1);</script>
<form action="{tracker}/form" method="post"><input name="q"></form>
<a href="{tracker}/link" target="_top">a link</a>
<iframe src="{tracker}/frame"></iframe>
<object data="{tracker}/object"></object>
</body></html>"""
    return (
        'From: "<img src=x onerror=alert(2)>" <evil@example.test>\r\n'
        f"To: {to}\r\n"
        'Subject: <script>alert("subject")</script> hostile\r\n'
        "Message-ID: <hostile@example.test>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe plain part.\r\n"
        "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        + html.replace("\n", "\r\n")
        + "\r\n--b--\r\n"
    ).encode()


def test_hostile_mail_is_inert_errors_show_failed_webhooks_retry_docs_work_offline(
    console: Console,
    gateway: LiveGateway,
    api: httpx.Client,
    mailstack: MailStack,
) -> None:
    started = time.monotonic()
    user = mailstack.new_user("hx")
    account = user.split("@")[0]
    with recorder([500]) as (tracker, requests):
        resp = api.post("/v1/accounts", json=account_spec(mailstack, user, protocols=("imap",)))
        assert resp.status_code == 201, resp.text
        broken = api.post(
            "/v1/accounts",
            json={
                "id": f"{account}-down",
                "name": "Down",
                "email": f"down-{user}",
                "imap": {
                    "host": "127.0.0.1",
                    "port": 9,
                    "security": "none",
                    "username": "u",
                    "password": "p",
                },
            },
        )
        assert broken.status_code == 201, broken.text
        hook = api.post(
            "/v1/webhooks",
            json={"url": f"{tracker}/hook", "events": ["message.new"], "accounts": [account]},
        )
        assert hook.status_code == 201, hook.text
        hook_id = hook.json()["id"]
        gateway.call(gateway.app.state.services.sync.wait_ready(account))
        mailstack.deliver(user, hostile_message(user, tracker))

        # The webhook's one attempt failed (HTTP 500).
        def failed() -> bool:
            items = api.get(f"/v1/webhooks/{hook_id}/deliveries").json()["items"]
            return bool(items) and items[0]["status"] == "failed"

        deadline = time.monotonic() + 15
        while not failed():
            assert time.monotonic() < deadline, "the webhook delivery did not fail"
            time.sleep(0.1)
        (listed,) = api.get(f"/v1/accounts/{account}/mailboxes/INBOX/messages").json()["items"]

        console.sign_in(ADMIN_TOKEN)
        # A request through the down account's connections: the 503's problem is shown.
        console.go(f"#/mail/{account}-down")
        console.wait_text(".notice.error", "imap_unavailable")
        console.shot("mailboxes of an account whose server is down")

        # The hostile mail: its markup is text, its HTML shown but inert.
        console.go(f"#/message/{account}/{listed['id']}")
        subject = console.wait_css("#message-subject")
        assert subject.text == '<script>alert("subject")</script> hostile'
        assert not subject.find_elements("css selector", "*")
        assert console.find("#message-from").text.startswith("<img src=x onerror=alert(2)>")
        assert not console.find_all("dl.headers img")
        console.click("button[data-tab=html]")
        frame = console.wait_css("iframe#message-html")
        assert frame.get_attribute("sandbox") == ""
        console.driver.switch_to.frame(frame)
        assert console.wait_css("#shown").text == "Hostile body text"
        console.driver.switch_to.default_content()
        quiet_for_blocking()  # an absence: anything the HTML could fetch would have come by now
        console.shot("hostile message shown inert")
        fetched = [r for r in requests if r[1] != "/hook"]
        assert fetched == [], fetched
        assert console.driver.title == "mailgate console"
        with pytest.raises(NoAlertPresentException):
            console.driver.switch_to.alert.text  # noqa: B018 - raises when there is none
        assert console.wait_css("#message-html").is_displayed()  # not navigated away

        # The failed webhook delivery, retried from the console, is delivered.
        console.go(f"#/webhooks/{hook_id}")
        console.wait_css("tr[data-status=failed]")
        console.shot("failed webhook delivery")
        console.click("tr[data-status=failed] button")
        console.wait_css("tr[data-status=delivered]")
        console.shot("webhook delivery retried")
        assert [r for r in requests if r[1] == "/hook"] == [("POST", "/hook")] * 2

    # The API docs render from the gateway's own files (the browser has no other network).
    console.browser_log()  # drained: the 503 and the hostile mail's refused loads
    console.open("/docs")
    console.wait_text(".swagger-ui .info .title", "mailgate", within=15)
    assert len(console.find_all(".opblock")) > 20
    console.shot("api docs")
    errors = [e for e in console.browser_log() if e["level"] == "SEVERE"]
    assert not errors, errors
    assert time.monotonic() - started < 30
