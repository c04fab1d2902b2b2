"""GET /v1/search across accounts, against the real Dovecot and Cyrus (``mailstack``)."""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from gateway.settings import Settings
from tests.api.helpers import make_token
from tests.conftest import account_spec, running_client
from tests.mail.conftest import make_message
from tests.mailstack import MailStack

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _append(
    stack: MailStack, user: str, mailbox: str, messages: list[tuple[bytes, datetime]]
) -> None:
    """APPEND as another client would, each message with its INTERNALDATE."""
    imap = imaplib.IMAP4(stack.host, stack.imap, timeout=30)
    try:
        imap.login(user, stack.password)
        if mailbox != "INBOX":
            imap.create(mailbox)  # NO when it exists: fine
        for raw, when in messages:
            typ, data = imap.append(mailbox, None, imaplib.Time2Internaldate(when), raw)
            assert typ == "OK", data
    finally:
        imap.logout()


async def _add_account(client: httpx.AsyncClient, stack: MailStack, prefix: str) -> str:
    user = stack.new_user(prefix)
    resp = await client.post("/v1/accounts", json=account_spec(stack, user, protocols=("imap",)))
    assert resp.status_code == 201, resp.text
    return user


async def _search(client: httpx.AsyncClient, headers: dict | None = None, **params) -> dict:
    resp = await client.get("/v1/search", params=params, headers=headers or {})
    assert resp.status_code == 200, resp.text
    return resp.json()


def _needle(n: int) -> bytes:
    return make_message(f"needle {n}", body=f"haystack word{n}", date=T0)


@pytest.fixture
async def two_accounts(client: httpx.AsyncClient, mailstack: MailStack) -> dict:
    """Account a: needles 1, 3, 5 in INBOX; account b: needles 2, 4 in INBOX, 6 in Projects
    (received a minute apart, in that order) and hay that does not match."""
    a = await _add_account(client, mailstack, "sa")
    b = await _add_account(client, mailstack, "sb")
    at = {n: T0 + timedelta(minutes=n) for n in range(1, 8)}
    _append(mailstack, a, "INBOX", [(_needle(n), at[n]) for n in (1, 3, 5)])
    _append(
        mailstack,
        b,
        "INBOX",
        [(_needle(2), at[2]), (make_message("hay"), at[7]), (_needle(4), at[4])],
    )
    _append(mailstack, b, "Projects", [(_needle(6), at[6])])
    return {"a": a.split("@")[0], "b": b.split("@")[0], "users": {"a": a, "b": b}}


async def test_search_pages_newest_first_across_accounts_and_mailboxes(
    client: httpx.AsyncClient, mailstack: MailStack, two_accounts: dict
) -> None:
    a, b = two_accounts["a"], two_accounts["b"]
    first = await _search(client, subject="needle", limit=2)
    assert [(i["subject"], i["account"]) for i in first["items"]] == [
        ("needle 6", b),
        ("needle 5", a),
    ]
    assert first["partial"] is False and first["not_searched"] == []
    hit = first["items"][0]
    assert hit["received_at"] == "2024-05-01T12:06:00Z" and hit["uid"] == 1
    projects = next(
        m
        for m in (await client.get(f"/v1/accounts/{b}/mailboxes")).json()["items"]
        if m["path"].endswith("Projects")
    )
    assert hit["mailbox"] == projects["id"]
    # An item is a listing item: its id reads the message.
    message = await client.get(f"/v1/accounts/{b}/messages/{hit['id']}")
    assert message.status_code == 200 and message.json()["subject"] == "needle 6"

    # New mail after the first page is not slipped into the next ones.
    _append(
        mailstack, two_accounts["users"]["a"], "INBOX", [(_needle(9), T0 + timedelta(minutes=9))]
    )
    second = await _search(client, subject="needle", limit=2, cursor=first["next_cursor"])
    third = await _search(client, subject="needle", limit=2, cursor=second["next_cursor"])
    assert [i["subject"] for i in second["items"] + third["items"]] == [
        "needle 4",
        "needle 3",
        "needle 2",
        "needle 1",
    ]
    assert third["next_cursor"] is None
    fresh = await _search(client, subject="needle", limit=1)
    assert fresh["items"][0]["subject"] == "needle 9"

    # Full text (q), other filters, one account, and a cursor of another search refused.
    found = await _search(client, q="word4")
    assert [(i["subject"], i["account"]) for i in found["items"]] == [("needle 4", b)]
    only_a = await _search(client, subject="needle", accounts=a, since="2024-01-01")
    assert {i["account"] for i in only_a["items"]} == {a} and len(only_a["items"]) == 4
    assert (await _search(client, subject="needle", flagged="true"))["items"] == []
    other = await client.get(
        "/v1/search", params={"subject": "hay", "cursor": first["next_cursor"]}
    )
    assert other.status_code == 422 and "other filters" in other.json()["detail"]
    nothing = await client.get("/v1/search")
    assert nothing.status_code == 422 and "at least one filter" in nothing.json()["detail"]


async def test_a_token_limited_to_one_account_never_sees_the_other(
    client: httpx.AsyncClient, two_accounts: dict
) -> None:
    a, b = two_accounts["a"], two_accounts["b"]
    auth = {"Authorization": f"Bearer {await make_token(client, ['read'], [a])}"}
    items, cursor = [], None
    while True:
        params = {"subject": "needle", "limit": 1, **({"cursor": cursor} if cursor else {})}
        page = await _search(client, auth, **params)
        items += page["items"]
        assert all(n["account"] == a for n in page["not_searched"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [i["subject"] for i in items] == ["needle 5", "needle 3", "needle 1"]
    assert {i["account"] for i in items} == {a}
    # Named, the other account is answered as one that does not exist.
    for accounts, named in ((b, b), (f"{a},{b}", b), ("no-such-account", "no-such-account")):
        resp = await client.get(
            "/v1/search", headers=auth, params={"subject": "needle", "accounts": accounts}
        )
        assert resp.status_code == 404 and resp.json()["code"] == "account_not_found"
        assert resp.json()["detail"] == f"no account {named!r}"
    no_read = {"Authorization": f"Bearer {await make_token(client, ['send'], [a])}"}
    resp = await client.get("/v1/search", headers=no_read, params={"subject": "needle"})
    assert resp.status_code == 403


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_an_account_whose_server_is_down_is_reported_not_a_5xx(
    client: httpx.AsyncClient, mailstack: MailStack, two_accounts: dict
) -> None:
    spec = account_spec(mailstack, mailstack.new_user("down"), protocols=("imap",))
    spec["imap"]["port"] = _closed_port()
    assert (await client.post("/v1/accounts", json=spec)).status_code == 201
    page = await _search(client, subject="needle", limit=10)
    assert len(page["items"]) == 6 and page["partial"] is True
    assert page["not_searched"] == [
        {
            "account": spec["id"],
            "mailbox": None,
            "code": "imap_unavailable",
            "detail": page["not_searched"][0]["detail"],
        }
    ]


async def test_hostile_search_terms_are_refused_or_sent_escaped(
    client: httpx.AsyncClient, mailstack: MailStack, two_accounts: dict
) -> None:
    user, a = two_accounts["users"]["a"], two_accounts["a"]
    tricky = 'say "hi" {5} \\ now'
    _append(mailstack, user, "INBOX", [(make_message(tricky, body="x"), T0)])
    for params in ({"subject": '"hi" {5} \\'}, {"q": '"hi" {5}'}, {"subject": "{5}"}):
        page = await _search(client, **params)
        assert [i["subject"] for i in page["items"]] == [tricky], params
    # CR/LF in q: refused. In the listing filters: sent as a literal, so the server takes
    # the whole string as one search value (no match), and no command is injected.
    resp = await client.get("/v1/search", params={"q": "x\r\nA1 LOGOUT"})
    assert resp.status_code == 422 and resp.json()["code"] == "validation_error"
    for hostile in ("x\r\nA1 LOGOUT", 'needle" OR ALL "', "{5}\r\nhello", ") ALL ("):
        page = await _search(client, subject=hostile)
        assert page["items"] == [] and page["not_searched"] == [], hostile
    resp = await client.get("/v1/search", params={"subject": "a\x00b"})
    assert resp.status_code == 422
    page = await _search(client, subject="needle", accounts=a)  # the sessions still work
    assert len(page["items"]) == 3


@contextlib.asynccontextmanager
async def _silent_server() -> AsyncIterator[int]:
    """A TCP server that accepts and never says a word (an IMAP server that hangs)."""
    writers = []

    async def hang(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_time_budget_and_mailbox_cap_bound_a_search(
    settings: Settings, dovecot: MailStack
) -> None:
    bounded = settings.model_copy(update={"search_time_budget": 3.0, "search_max_mailboxes": 2})
    async with running_client(bounded) as client, _silent_server() as port:
        user = await _add_account(client, dovecot, "sbud")
        _append(dovecot, user, "INBOX", [(_needle(1), T0)])
        _append(dovecot, user, "Projects", [(_needle(2), T0)])
        spec = account_spec(dovecot, dovecot.new_user("hang"), protocols=("imap",))
        spec["imap"].update(port=port, security="none")
        assert (await client.post("/v1/accounts", json=spec)).status_code == 201
        started = time.monotonic()
        page = await _search(client, subject="needle")
        assert time.monotonic() - started < 6
        codes = {(n["account"], n["code"]) for n in page["not_searched"]}
        assert codes == {
            (spec["id"], "search_time_budget"),
            (user.split("@")[0], "search_mailbox_cap"),
        }
        # Two mailboxes at most: INBOX and Sent come first (then Archive, Drafts, Later...).
        assert [i["subject"] for i in page["items"]] == ["needle 1"]
        assert page["searched_mailboxes"] == 2


async def test_a_search_never_takes_an_accounts_whole_pool(
    settings: Settings, dovecot: MailStack
) -> None:
    """Many mailboxes, room for many at once: the account's listings still have a session."""
    wide = settings.model_copy(
        update={
            "watch_enabled": False,
            "imap_pool_size": 3,
            "search_concurrency": 16,
            "search_connections_per_account": 16,
        }
    )
    async with running_client(wide) as client:
        user = await _add_account(client, dovecot, "swide")
        for n in range(6):
            _append(dovecot, user, f"Box{n}", [(_needle(n), T0 + timedelta(minutes=n))])
        page = await _search(client, subject="needle")
        assert sorted(i["subject"] for i in page["items"]) == [f"needle {n}" for n in range(6)]
        # The sessions the search opened stay in the pool (idle): Dovecot counts them.
        assert 1 <= _imap_connections(dovecot, user) < wide.imap_pool_size


def _imap_connections(stack: MailStack, user: str) -> int:
    """The user's IMAP connections as Dovecot counts them."""
    out = subprocess.run(
        ["doveadm", "-c", str(stack.dovecot_conf), "who", "-1", user],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    return sum(1 for line in out.splitlines()[1:] if line.split()[1:2] == ["imap"])
