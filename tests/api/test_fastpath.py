"""The fast paths (api/fastpath.py) answer exactly what FastAPI answers, for all input.

Every request is made twice against the same gateway and the real Dovecot and Postfix:
once with the fast paths on, once with them off (every request through FastAPI), and the
two responses must be equal byte for byte. Each route's counter proves that the fast path
really answered the plain requests.
"""

from __future__ import annotations

import httpx

from gateway.api.fastpath import _FAST_PATHS, LeanRoute
from gateway.api.routes import messages, send
from tests.api.test_auth import _api_routes, make_token
from tests.mail.conftest import make_message
from tests.mailstack import MailStack

from ..outbox.conftest import wait_for_mail


def _lean(client: httpx.AsyncClient, endpoint) -> LeanRoute:
    [route] = [r for _, r in _api_routes(client.app) if r.endpoint is endpoint]
    assert isinstance(route, LeanRoute) and endpoint in _FAST_PATHS
    return route


async def _both(client: httpx.AsyncClient, method: str, url: str, **kwargs
                ) -> tuple[httpx.Response, httpx.Response]:
    settings = client.app.state.services.settings
    settings.fast_paths = True
    try:
        fast = await client.request(method, url, **kwargs)
    finally:
        settings.fast_paths = False
    try:
        slow = await client.request(method, url, **kwargs)
    finally:
        settings.fast_paths = True
    return fast, slow


async def _same(client: httpx.AsyncClient, method: str, url: str, **kwargs) -> httpx.Response:
    fast, slow = await _both(client, method, url, **kwargs)
    assert (fast.status_code, fast.headers.get("content-type"), fast.content) == (
        slow.status_code, slow.headers.get("content-type"), slow.content), url
    return fast


async def test_listing_and_reading_agree_with_fastapi(client: httpx.AsyncClient, account: dict,
                                                     mailstack: MailStack) -> None:
    mailstack.seed_maildir(account["email"], [make_message(f"m{i}", body=f"b{i}")
                                              for i in range(6)])
    mailstack.seed_maildir(account["email"], [make_message("flagged one")], flags="FS")
    acct = f"/v1/accounts/{account['id']}"
    url = f"{acct}/mailboxes/INBOX/messages"
    listing = _lean(client, messages.list_messages)
    reading = _lean(client, messages.get_message)
    before = listing.fast_served

    page = (await _same(client, "GET", url)).json()
    assert page["total"] == 7 and len(page["items"]) == 7
    assert listing.fast_served == before + 1
    plain = [
        {"limit": "3"}, {"limit": "500"}, {"unseen": "true"}, {"flagged": "false"},
        {"subject": "m1"}, {"from": "alice@"}, {"to": "bob"}, {"text": "b2"},
        {"since": "2020-01-01", "before": "2100-12-31"}, {"unknown": "ignored"},
        {"subject": ""},  # the service refuses an empty filter: 422 either way
        {"subject": 'q"uo\\te\r\n{3}'},
    ]
    for params in plain:
        await _same(client, "GET", url, params=params)
    assert listing.fast_served == before + 1 + len(plain)
    cursor = (await _same(client, "GET", url, params={"limit": "2"})).json()["next_cursor"]
    await _same(client, "GET", url, params={"limit": "2", "cursor": cursor})
    await _same(client, "GET", url, params={"cursor": cursor, "unseen": "true"})  # 422

    # Spellings and values the fast path leaves to FastAPI: the same answers still.
    served = listing.fast_served
    unusual = [
        {"limit": "0"}, {"limit": "501"}, {"limit": "abc"}, {"limit": "07"}, {"limit": ""},
        {"unseen": "yes"}, {"unseen": "1"}, {"unseen": ""}, {"flagged": "TRUE"},
        {"since": "2024-02-30"}, {"since": "2024-2-3"}, {"before": "yesterday"},
        {"subject": "x" * 1001}, {"cursor": "c" * 513},
        [("subject", "a"), ("subject", "b")],
    ]
    for params in unusual:
        await _same(client, "GET", url, params=params)
    assert listing.fast_served == served
    for bad in ("/v1/accounts/no%20such/mailboxes/INBOX/messages",
                f"{acct}/mailboxes/{'x' * 2049}/messages",
                f"{acct}/mailboxes/Nope/messages"):
        await _same(client, "GET", bad)

    item = page["items"][0]
    got = await _same(client, "GET", f"{acct}/messages/{item['id']}")
    assert got.json()["subject"] == item["subject"] and reading.fast_served >= 1
    for bad_id in ("garbage", "x" * 4097, item["id"][:-1] + "9"):
        await _same(client, "GET", f"{acct}/messages/{bad_id}")


async def test_auth_scopes_and_tenants_agree_with_fastapi(client: httpx.AsyncClient,
                                                          account: dict) -> None:
    acct = f"/v1/accounts/{account['id']}"
    url = f"{acct}/mailboxes/INBOX/messages"
    other = await make_token(client, ["read", "send"], accounts=["someone-else"])
    no_read = await make_token(client, ["send"], accounts=[account["id"]])
    reader = await make_token(client, ["read"], accounts=[account["id"]])
    cases = [
        {}, {"Authorization": ""}, {"Authorization": "Bearer"}, {"Authorization": "Basic abc"},
        {"Authorization": "Bearer mgt_unknown"}, {"Authorization": f"Bearer {other}"},
        {"Authorization": f"Bearer {no_read}"}, {"Authorization": f"bearer {reader}"},
    ]
    for headers in cases:
        for path in (url, f"{acct}/messages/whatever"):
            anon = httpx.AsyncClient(transport=client._transport, base_url=client.base_url,
                                     headers=headers)
            anon.app = client.app  # type: ignore[attr-defined]
            async with anon:
                response = await _same(anon, "GET", path)
            assert response.status_code != 500


async def test_send_agrees_with_fastapi(client: httpx.AsyncClient, account: dict,
                                        mailstack: MailStack) -> None:
    url = f"/v1/accounts/{account['id']}/send"
    sending = _lean(client, send.send)
    before = sending.fast_served
    rcpt = mailstack.new_user("fp")
    message = {"to": [rcpt], "subject": "fast", "text": "hello", "save_to_sent": False}

    # The first request goes the fast way and sends; the second (FastAPI) replays it.
    fast, slow = await _both(client, "POST", url, json=message,
                             headers={"Idempotency-Key": "fp-1"})
    assert fast.status_code == 200, fast.text
    assert slow.content == fast.content and slow.headers["Idempotent-Replayed"] == "true"
    assert sending.fast_served == before + 1
    [delivered] = await wait_for_mail(mailstack, rcpt)
    assert delivered["Message-ID"] == fast.json()["message_id"]

    # Input the schema refuses is FastAPI's to answer; what the message builder refuses
    # fails the same way on both paths. Nothing is sent.
    for fastapi_answers, kwargs in (
        (True, {"content": b"{not json", "headers": {"Content-Type": "application/json"}}),
        (True, {"json": {**message, "surprise": 1}}),
        (True, {"json": message, "headers": {"Idempotency-Key": "k" * 257}}),
        (True, {"content": b'{"to": ["a@example.test"], "text": NaN}',
                "headers": {"Content-Type": "application/json"}}),
        (False, {"json": {**message, "to": ["not an address"]}}),
        (False, {"json": {**message, "subject": "a\r\nBcc: x@example.test"}}),
    ):
        served = sending.fast_served
        response = await _same(client, "POST", url, **kwargs)
        assert response.status_code == 422, response.text
        assert sending.fast_served == served + (0 if fastapi_answers else 1), kwargs
    assert len(await wait_for_mail(mailstack, rcpt, 2, within=1)) == 1


def test_message_json_memo_equals_the_model_serialisation() -> None:
    from types import SimpleNamespace

    from gateway.api.routes.messages import MessageJsonMemo
    from gateway.api.schemas.messages import MessageOut
    from gateway.protocols.mime_parse import parse_message
    from tests.mail.conftest import latin1_with_attachment

    memo = MessageJsonMemo(max_bytes=3000)
    ref = SimpleNamespace(uid=42)
    sources = [latin1_with_attachment(b"%PDF" * 100),
               make_message('"flags":["\\u0000"] in the subject', body='"flags":[] {"x": 1}')]
    for raw in sources:
        parsed = parse_message(raw)
        for flags in ([], ["\\Seen"], ["\\Seen", "$Label", "Ünïcode\ufffd", 'q"uote']):
            meta = {"flags": flags, "mailbox": "INBOX", "size": len(raw)}
            expected = MessageOut.from_parsed(
                parsed, id="m1", uid=42, mailbox="INBOX", flags=flags, size=len(raw),
                preview=parsed.preview).model_dump_json(by_alias=True).encode()
            assert memo.render("acct", "m1", ref, parsed, meta) == expected
            assert memo.render("acct", "m1", ref, parsed, meta) == expected  # from the memo
        other = parse_message(raw)  # the mail layer parsed it again: the entry is not used
        meta = {"flags": ["\\Answered"], "mailbox": "INBOX", "size": len(raw)}
        assert memo.render("acct", "m1", ref, other, meta) == MessageOut.from_parsed(
            other, id="m1", uid=42, mailbox="INBOX", flags=["\\Answered"], size=len(raw),
            preview=other.preview).model_dump_json(by_alias=True).encode()
    assert memo._size <= 3000
