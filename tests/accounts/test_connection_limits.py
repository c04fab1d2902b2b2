"""Connection caps and throttling replies against a real Dovecot that enforces a limit per
user and address (``mail_max_userip_connections``, the stand-in for Gmail's 15 and Microsoft
365's 20 IMAP connections per mailbox):

- with the account's ``max_connections`` at the server's limit, concurrent listings, message
  reads and raw downloads beside the watcher (INBOX's IDLE) all succeed: the gateway
  never opens one connection too many (``doveadm who`` never shows more, Dovecot's log
  shows no refusal); with the watcher holding every slot a request waits, bounded, and
  gets 503 ``connection_limit_reached``;
- above the limit (a server allowing one connection), the refusal ("Maximum number of
  connections ...") makes the account back off: requests meanwhile get 503 with
  Retry-After without any login, the watchers do not storm the server (the refusals in
  Dovecot's log stay few), and the account works again once a connection is free;
- the server unable to check a token for now (Dovecot's ``NO [UNAVAILABLE]`` and ``-ERR
  [SYS/TEMP]``) is a 503 and no reason to get new tokens. (Postfix passes Dovecot's
  temporary failure after an OAUTHBEARER challenge on as ``535``, so SMTP's ``454 4.7.0`` is
  covered by the unit tests in tests/protocols/test_throttling.py.)
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest

from tests.conftest import account_spec, running_client
from tests.mailstack import MailStack
from tests.oauth.app_only import app_only_stack, grant_mailbox
from tests.oauth.helpers import generic_app
from tests.oauth.server import OAuthServer
from tests.waiting import quiet_for, until

CAP = 4
REFUSAL = "Maximum number of connections from user+IP exceeded"


def userip_limit(limit: int) -> str:
    return f"protocol imap {{\n  mail_max_userip_connections = {limit}\n}}\n"


@pytest.fixture(scope="module")
def auth_server() -> Iterator[OAuthServer]:
    with OAuthServer(access_token_ttl=300) as server:
        yield server


@pytest.fixture(scope="module")
def capped_stack(auth_server) -> Iterator[MailStack]:
    """Dovecot refusing a user's fifth IMAP connection from one address."""
    with app_only_stack(auth_server, "mailgate-cap-", local_conf=userip_limit(CAP)) as stack:
        yield stack


@pytest.fixture(scope="module")
def single_stack(auth_server) -> Iterator[MailStack]:
    """Dovecot allowing a user one IMAP connection from one address."""
    with app_only_stack(auth_server, "mailgate-one-", local_conf=userip_limit(1)) as stack:
        yield stack


def imap_connections(stack: MailStack, user: str) -> int:
    """The user's IMAP connections as Dovecot counts them (``doveadm who``)."""
    out = subprocess.run(
        ["doveadm", "-c", str(stack.dovecot_conf), "who", "-1", user],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    return sum(1 for line in out.splitlines()[1:] if line.split()[1:2] == ["imap"])


def refusals(stack: MailStack, user: str) -> int:
    """Logins Dovecot refused for too many connections of ``user``."""
    log = (stack.dir / "log" / "dovecot.log").read_text(errors="replace")
    return sum(1 for line in log.splitlines() if REFUSAL in line and f"<{user}>" in line)


def message(n: int, size: int = 0) -> bytes:
    body = ("x" * 76 + "\r\n") * (size // 78) if size else "hello\r\n"
    return (f"From: s@example.test\r\nSubject: m{n}\r\nMessage-ID: <m{n}@t>\r\n\r\n{body}").encode()


class Sampler:
    """Samples the user's connection count in a thread while a scenario runs."""

    def __init__(self, stack: MailStack, user: str) -> None:
        self.stack, self.user, self.counts = stack, user, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.counts.append(imap_connections(self.stack, self.user))
            self._stop.wait(0.05)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)


async def test_requests_and_watchers_stay_within_max_connections(settings, capped_stack) -> None:
    settings.watch_enabled = True
    settings.watch_poll_interval = 0.5
    settings.imap_pool_size = 4  # with INBOX's IDLE session (it polls too): 5 wanted, 4 allowed
    user = capped_stack.new_user("cap")
    capped_stack.seed_maildir(user, [message(n, 60_000 if n % 3 == 0 else 0) for n in range(24)])
    spec = account_spec(capped_stack, user, protocols=("imap",))
    spec["imap"]["max_connections"] = CAP
    async with running_client(settings) as gateway:
        created = await gateway.post("/v1/accounts", json=spec)
        assert created.status_code == 201, created.text
        assert created.json()["imap"]["max_connections"] == CAP
        account = spec["id"]
        sync = gateway.app.state.services.sync
        async with asyncio.timeout(20):
            await sync.wait_ready(account)
        listing = await gateway.get(
            f"/v1/accounts/{account}/mailboxes/INBOX/messages", params={"limit": 50}
        )
        assert listing.status_code == 200, listing.text
        ids = [item["id"] for item in listing.json()["items"]]
        assert len(ids) == 24

        async def one(n: int) -> int:
            target = ids[n % len(ids)]
            path = (
                f"/v1/accounts/{account}/mailboxes/INBOX/messages"
                if n % 3 == 0
                else f"/v1/accounts/{account}/messages/{target}"
                if n % 3 == 1
                else f"/v1/accounts/{account}/messages/{target}/raw"
            )
            return (await gateway.get(path)).status_code

        with Sampler(capped_stack, user) as sampler:
            statuses = []
            for _round in range(4):
                statuses += await asyncio.gather(*(one(n) for n in range(30)))
                # A server-side new mailbox makes the poller sync meanwhile.
                await gateway.post(
                    f"/v1/accounts/{account}/mailboxes", json={"name": f"Box{_round}"}
                )
        assert statuses == [200] * len(statuses)
        assert max(sampler.counts) <= CAP, sampler.counts
        assert max(sampler.counts) == CAP  # the cap was reached, and held
        assert refusals(capped_stack, user) == 0

    # Only the watcher's connection left (one per account: INBOX's IDLE session polls
    # too): a cap it fills makes a request wait, then 503, never a hang and never a
    # refusal by the server.
    settings.connection_wait = 0.5
    async with running_client(settings) as gateway:
        patched = await gateway.patch(
            f"/v1/accounts/{account}", json={"imap": {**spec["imap"], "max_connections": 1}}
        )
        assert patched.status_code == 200, patched.text
        sync = gateway.app.state.services.sync
        async with asyncio.timeout(20):
            await sync.wait_ready(account)
        await until(
            lambda: imap_connections(capped_stack, user) == 1,
            within=20,
            what="the watcher's one connection",
        )
        started = time.monotonic()
        busy = await gateway.get(f"/v1/accounts/{account}/mailboxes/INBOX/messages")
        assert busy.status_code == 503, busy.text
        assert busy.json()["code"] == "connection_limit_reached"
        assert int(busy.headers["Retry-After"]) >= 1
        assert 0.4 <= time.monotonic() - started < 5
        assert refusals(capped_stack, user) == 0


async def test_a_refused_connection_backs_off_without_a_login_storm(settings, single_stack) -> None:
    settings.watch_enabled = False
    settings.reconnect_base_delay = 2.0
    user = single_stack.new_user("one")
    single_stack.seed_maildir(user, [message(1)])
    spec = account_spec(single_stack, user, protocols=("imap",))
    holder = imaplib.IMAP4(single_stack.host, single_stack.imap)
    holder.login(user, single_stack.password)  # the one connection the server allows
    try:
        async with running_client(settings) as gateway:
            assert (await gateway.post("/v1/accounts", json=spec)).status_code == 201
            path = f"/v1/accounts/{spec['id']}/mailboxes/INBOX/messages"
            first = await gateway.get(path)
            assert first.status_code == 503, first.text
            assert first.json()["code"] == "imap_too_many_connections"
            assert "Maximum number of connections" in first.json()["detail"]
            assert int(first.headers["Retry-After"]) >= 1
            # Dovecot's log process writes the line a moment after the refusal.
            await until(lambda: refusals(single_stack, user) == 1, within=5, what="one refusal")
            # Within the backoff: answered at once, no login tried.
            for _ in range(10):
                again = await gateway.get(path)
                assert again.status_code == 503
                assert again.json()["code"] == "imap_too_many_connections"
                assert int(again.headers["Retry-After"]) >= 1
            # (Not waited for: the backoff, 1 s, ends soon and then a login may be tried.)
            assert refusals(single_stack, user) == 1
            status = (await gateway.get(f"/v1/accounts/{spec['id']}/status")).json()
            assert status["imap"]["state"] == "error"
            assert (
                "imap_too_many_connections" in status["imap"]["last_error"]
                or REFUSAL in status["imap"]["last_error"]
            )

            holder.logout()  # a connection is free again
            ok = await until(
                lambda: _listing_ok(gateway, path),
                within=15,
                every=0.5,
                what="the account back after its backoff",
            )
            assert ok
    finally:
        with contextlib.suppress(Exception):
            holder.logout()


async def test_watchers_over_the_servers_limit_do_not_storm_it(settings, single_stack) -> None:
    """Another client holds the one connection the server allows; the watcher (INBOX's
    IDLE) and the pool's reviver want one. Refused, they retry after an exponential backoff,
    one login per backoff for the account: a few refusals in Dovecot's log, not a storm."""
    settings.watch_enabled = True
    settings.watch_poll_interval = 0.5
    settings.reconnect_base_delay = 0.5
    settings.reconnect_max_delay = 4.0
    user = single_stack.new_user("storm")
    single_stack.seed_maildir(user, [message(1)])
    spec = account_spec(single_stack, user, protocols=("imap",))
    holder = imaplib.IMAP4(single_stack.host, single_stack.imap)
    holder.login(user, single_stack.password)
    try:
        async with running_client(settings) as gateway:
            assert (await gateway.post("/v1/accounts", json=spec)).status_code == 201
            await until(
                lambda: refusals(single_stack, user) >= 1,
                within=15,
                what="the server refusing the watcher",
            )
            first = refusals(single_stack, user)
            await quiet_for(8)  # long enough for a storm to show, and for a few backoffs
            # Backoff from 0.5 s doubling to 4 s, each delay half to all of its ceiling: five
            # to seven windows in 8 s, one login each (a storm would be hundreds).
            later = refusals(single_stack, user) - first
            assert 1 <= later <= 9, later
            status = (await gateway.get(f"/v1/accounts/{spec['id']}/status")).json()
            assert status["imap"]["state"] == "error", status
            listing = await gateway.get(f"/v1/accounts/{spec['id']}/mailboxes/INBOX/messages")
            assert listing.status_code == 503
            assert listing.json()["code"] == "imap_too_many_connections"

            holder.logout()  # the server has room again: the watcher gets in
            await until(
                lambda: imap_connections(single_stack, user) >= 1,
                within=15,
                what="the watcher connected after its backoff",
            )
    finally:
        with contextlib.suppress(Exception):
            holder.logout()


async def test_a_server_that_cannot_check_tokens_now_is_503_not_new_tokens(
    settings, capped_stack, auth_server
) -> None:
    settings.watch_enabled = False
    settings.oauth2_allow_private_endpoints = True
    settings.reconnect_base_delay = 0.5
    registration = auth_server.register_client(grant_types=("client_credentials",))
    shared = capped_stack.new_user("tmp")
    grant_mailbox(capped_stack, registration.client_id, shared)
    async with running_client(settings) as gateway:
        app = await gateway.post(
            "/v1/oauth2/apps", json=generic_app(auth_server, registration, capped_stack)
        )
        assert app.status_code == 201, app.text
        done = await gateway.post(
            f"/v1/oauth2/apps/{app.json()['id']}/accounts",
            json={"account": "tmp", "mailbox": shared},
        )
        assert done.status_code == 200, done.text
        calls = auth_server.token_calls["client_credentials"]
        auth_server.introspection_down = True  # Dovecot's token check fails for now
        try:
            listing = await gateway.get("/v1/accounts/tmp/mailboxes/INBOX/messages")
            assert listing.status_code == 503, listing.text
            assert listing.json()["code"] == "imap_unavailable"
            assert "Retry-After" in listing.headers
            pop = await gateway.get("/v1/accounts/tmp/pop3/messages")
            assert pop.status_code == 503, pop.text
            # Not the token's fault: no new token was asked for.
            assert auth_server.token_calls["client_credentials"] == calls
        finally:
            auth_server.introspection_down = False
        # Back once the backoff (a verify included) has passed.
        await until(
            lambda: _verified(gateway, "tmp"),
            within=20,
            every=0.5,
            what="the account back after the outage",
        )
        assert auth_server.token_calls["client_credentials"] == calls


async def _verified(gateway, account: str) -> bool:
    return (await gateway.post(f"/v1/accounts/{account}/verify")).json()["ok"] is True


async def _listing_ok(gateway, path: str) -> bool:
    return (await gateway.get(path)).status_code == 200
