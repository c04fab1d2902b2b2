"""Threads through the HTTP API on Dovecot and Cyrus: every message's ``thread_id``, grouped as
the servers' own RFC 5256 ``THREAD REFERENCES`` groups them, the same ids on both servers,
``GET .../threads/{id}`` across mailboxes and listings with ``collapse_threads``; the
reply-only text of a message read."""

from __future__ import annotations

import asyncio
import imaplib
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import sqlalchemy as sa

from gateway.imap.ids import encode_mailbox_id
from tests.conftest import account_spec
from tests.mailstack import MailStack

START = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def mail(
    name: str,
    subject: str,
    *,
    hours: int,
    mid: str | None,
    refs: str | None = None,
    irt: str | None = None,
    body: str = "",
) -> bytes:
    head = [
        f"From: {name.title()} <{name}@example.test>",
        "To: team@example.test",
        f"Subject: {subject}",
        f"Date: {format_datetime(START + timedelta(hours=hours))}",
    ]
    if mid is not None:
        head.append(f"Message-ID: {mid}")
    if irt is not None:
        head.append(f"In-Reply-To: {irt}")
    if refs is not None:
        head.append(f"References: {refs}")
    head += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
    return ("\r\n".join(head) + "\r\n\r\n" + (body or f"{subject} ({name})") + "\r\n").encode()


# Conversations as mail clients write them, each a thread of its own (RFC 5256 section 3):
# replies and a branch, a forward that keeps References, replies with In-Reply-To only, a
# reply whose parent is missing, a reply by subject alone, unrelated mail, no Message-ID.
CORPUS = {
    "trip1": mail("ana", "Trip to Lisbon", hours=0, mid="<t1a@example.test>"),
    "trip2": mail(
        "ben",
        "Re: Trip to Lisbon",
        hours=1,
        mid="<t1b@example.test>",
        refs="<t1a@example.test>",
        irt="<t1a@example.test>",
    ),
    "trip3": mail(
        "ana",
        "Re: Trip to Lisbon",
        hours=2,
        mid="<t1c@example.test>",
        refs="<t1a@example.test> <t1b@example.test>",
        irt="<t1b@example.test>",
    ),
    "trip4": mail(
        "cy",
        "Re: Trip to Lisbon",
        hours=3,
        mid="<t1d@example.test>",
        refs="<t1a@example.test>",
        irt="<t1a@example.test>",
    ),
    "trip5": mail(
        "ben",
        "Fwd: Trip to Lisbon",
        hours=4,
        mid="<t1e@example.test>",
        refs="<t1a@example.test> <t1b@example.test> <t1c@example.test>",
    ),
    "invoice1": mail("dora", "Invoice 42", hours=24, mid="<t2a@example.test>"),
    "invoice2": mail(
        "ed", "Re: Invoice 42", hours=25, mid="<t2b@example.test>", irt="<t2a@example.test>"
    ),
    "invoice3": mail(
        "dora", "Re: Invoice 42", hours=26, mid="<t2c@example.test>", irt="<t2b@example.test>"
    ),
    "outage1": mail("fay", "Server outage", hours=48, mid="<t3a@example.test>"),
    "outage3": mail(
        "gus",
        "Re: Server outage",
        hours=50,
        mid="<t3c@example.test>",
        refs="<t3a@example.test> <t3b-never-arrived@example.test>",
    ),
    "lunch1": mail("hal", "Lunch on Friday", hours=72, mid="<t4a@example.test>"),
    "lunch2": mail("ivy", "Re: Lunch on Friday", hours=73, mid="<t4b@example.test>"),
    "report": mail("jo", "Quarterly report", hours=96, mid="<t5a@example.test>"),
    "no-id": mail("kim", "A note without an id", hours=120, mid=None),
}
GROUPS = [
    {"trip1", "trip2", "trip3", "trip4", "trip5"},
    {"invoice1", "invoice2", "invoice3"},
    {"outage1", "outage3"},
    {"lunch1", "lunch2"},
    {"report"},
    {"no-id"},
]


@pytest.fixture
def mailstack(imap_server: MailStack) -> MailStack:
    return imap_server


def imap_login(stack: MailStack, user: str) -> imaplib.IMAP4:
    imap = imaplib.IMAP4(stack.host, stack.imap, timeout=30)
    imap.starttls(ssl_context=stack.ssl_context())
    imap.login(user, stack.password)
    return imap


def server_threads(stack: MailStack, user: str) -> list[set[int]]:
    """The server's own ``UID THREAD REFERENCES UTF-8 ALL`` (RFC 5256): UIDs per thread."""
    imap = imap_login(stack, user)
    try:
        imap.select("INBOX", readonly=True)
        typ, data = imap.uid("THREAD", "REFERENCES", "UTF-8", "ALL")
        assert typ == "OK", data
    finally:
        imap.logout()
    groups: list[set[int]] = []
    depth = 0
    for token in re.findall(rb"\(|\)|\d+", b" ".join(d for d in data if d)):
        if token == b"(":
            if depth == 0:
                groups.append(set())
            depth += 1
        elif token == b")":
            depth -= 1
        else:
            groups[-1].add(int(token))
    return groups


async def new_account(
    client: httpx.AsyncClient, stack: MailStack, seeded: dict[str, list[bytes]]
) -> tuple[str, str]:
    user = stack.new_user("th")
    for mailbox, raws in seeded.items():
        await asyncio.to_thread(stack.seed_maildir, user, raws, mailbox)
    resp = await client.post("/v1/accounts", json=account_spec(stack, user, protocols=("imap",)))
    assert resp.status_code == 201, resp.text
    return user, f"/v1/accounts/{resp.json()['id']}"


async def listing(
    client: httpx.AsyncClient, url: str, mailbox: str = "INBOX", **params: object
) -> list[dict]:
    resp = await client.get(
        f"{url}/mailboxes/{encode_mailbox_id(mailbox)}/messages", params={"limit": 500, **params}
    )
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]


def by_name(items: list[dict]) -> dict[str, dict]:
    """Listing items by the corpus name their text was written from ("Subject (name)")."""
    names = {}
    for item in items:
        for name, raw in CORPUS.items():
            mid = re.search(rb"Message-ID: (<[^>]+>)", raw)
            if (mid and item["message_id"] == mid.group(1).decode()) or (
                not mid and item["message_id"] is None
            ):
                names[name] = item
    return names


async def test_threads_group_as_the_servers_rfc5256_threading(
    client: httpx.AsyncClient, mailstack: MailStack
) -> None:
    user, url = await new_account(client, mailstack, {"INBOX": list(CORPUS.values())})
    items = by_name(await listing(client, url))
    assert set(items) == set(CORPUS)
    ours: dict[str, set[str]] = {}
    for name, item in items.items():
        assert re.fullmatch(r"[A-Za-z0-9_-]{16}", item["thread_id"]), item["thread_id"]
        assert item["thread_count"] is None
        ours.setdefault(item["thread_id"], set()).add(name)
    assert sorted(map(sorted, ours.values())) == sorted(map(sorted, GROUPS))
    # The server's own threading of the same mailbox makes the same groups.
    uid_names = {item["uid"]: name for name, item in items.items()}
    theirs = [
        {uid_names[uid] for uid in group}
        for group in await asyncio.to_thread(server_threads, mailstack, user)
    ]
    assert sorted(map(sorted, theirs)) == sorted(map(sorted, GROUPS))
    # The same id on the message read, and with a second listing: remembered with the
    # cached summaries, so the store is not asked again.
    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    engine = client.app.state.services.store.engine.sync_engine  # type: ignore[attr-defined]
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        read = (await client.get(f"{url}/messages/{items['trip3']['id']}")).json()
        again = by_name(await listing(client, url))
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert read["thread_id"] == items["trip3"]["thread_id"]
    assert {n: i["thread_id"] for n, i in again.items()} == {
        n: i["thread_id"] for n, i in items.items()
    }
    assert not [s for s in statements if "thread_" in s]


async def test_the_same_mail_has_the_same_thread_ids_on_dovecot_and_cyrus(
    client: httpx.AsyncClient, dovecot: MailStack, cyrus: MailStack
) -> None:
    # Different arrival orders on the two servers (and a part of the mail in Sent).
    names = list(CORPUS)
    inbox_a, sent_a = names[::2], names[1::2]
    _, url_a = await new_account(
        client,
        dovecot,
        {"INBOX": [CORPUS[n] for n in inbox_a], "Sent": [CORPUS[n] for n in sent_a]},
    )
    _, url_b = await new_account(client, cyrus, {"INBOX": [CORPUS[n] for n in reversed(names)]})
    # Sent first: a reply there is its own thread until its parent in INBOX links it to the
    # conversation (a merge: it takes the older thread's id). Once both were seen, the ids
    # are those of the whole set.
    await listing(client, url_a, "Sent")
    await listing(client, url_a)
    a = by_name(await listing(client, url_a, "Sent") + await listing(client, url_a))
    b = by_name(await listing(client, url_b))
    assert set(a) == set(b) == set(CORPUS)
    for name in CORPUS:
        if name != "no-id":  # a message without Message-ID is known by its own id
            assert a[name]["thread_id"] == b[name]["thread_id"], name


async def test_a_thread_across_mailboxes(client: httpx.AsyncClient, mailstack: MailStack) -> None:
    trip = [n for n in CORPUS if n.startswith("trip")]
    user, url = await new_account(
        client,
        mailstack,
        {
            "INBOX": [CORPUS["trip1"], CORPUS["trip3"], CORPUS["report"]],
            "Sent": [CORPUS["trip2"], CORPUS["trip4"]],
            "Archive": [CORPUS["trip5"]],
            "Trash": [CORPUS["trip3"]],  # a copy in the Trash: not part of the answer
        },
    )
    inbox = by_name(await listing(client, url))
    thread_id = inbox["trip1"]["thread_id"]
    resp = await client.get(f"{url}/threads/{thread_id}")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["id"] == thread_id and body["total"] == 5
    found = by_name(body["items"])
    assert list(found) == trip  # oldest first
    assert [found[n]["mailbox"] for n in trip] == [
        "INBOX",
        encode_mailbox_id("Sent"),
        "INBOX",
        encode_mailbox_id("Sent"),
        encode_mailbox_id("Archive"),
    ]
    assert all(i["thread_id"] == thread_id for i in body["items"])
    newest = (
        await client.get(f"{url}/threads/{thread_id}", params={"order": "newest", "limit": 2})
    ).json()
    assert list(by_name(newest["items"])) == ["trip5", "trip4"] and newest["total"] == 5
    # The messages found in Sent and Archive now have the thread's id in their listings too.
    sent = by_name(await listing(client, url, "Sent"))
    assert {i["thread_id"] for i in sent.values()} == {thread_id}
    # Another thread of the account, an id of no thread, ids that cannot be one.
    report = await client.get(f"{url}/threads/{inbox['report']['thread_id']}")
    assert [i["subject"] for i in report.json()["items"]] == ["Quarterly report"]
    for unknown in ("AAAAAAAAAAAAAAAA", "s.T1234", "gm.1f", "not a thread", "x" * 300):
        missing = await client.get(f"{url}/threads/{unknown}")
        assert missing.status_code == 404, (unknown, missing.text)
        assert missing.json()["code"] == "thread_not_found"
    assert (await client.get(f"{url}/threads/{'x' * 301}")).status_code == 422
    assert (
        await client.get(f"{url}/threads/{thread_id}", params={"order": "sideways"})
    ).status_code == 422


async def test_collapsed_listing_shows_each_thread_once(
    client: httpx.AsyncClient, mailstack: MailStack
) -> None:
    _, url = await new_account(client, mailstack, {"INBOX": list(CORPUS.values())})
    pages, cursor = [], None
    while True:
        params = {"collapse_threads": "true", "limit": 4, **({"cursor": cursor} if cursor else {})}
        resp = await client.get(f"{url}/mailboxes/INBOX/messages", params=params)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["total"] == len(GROUPS)
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert [len(p) for p in pages] == [4, 2]
    shown = by_name([item for page in pages for item in page])
    # Each thread once, by its newest message (the last to arrive), newest thread first.
    newest = {max(group, key=list(CORPUS).index) for group in GROUPS}
    assert set(shown) == newest
    assert [i["uid"] for p in pages for i in p] == sorted(
        (i["uid"] for i in shown.values()), reverse=True
    )
    counts = {name: item["thread_count"] for name, item in shown.items()}
    assert counts == {max(g, key=list(CORPUS).index): len(g) for g in GROUPS}
    assert len({i["thread_id"] for i in shown.values()}) == len(GROUPS)
    # Filters apply before grouping: only Ana's messages.
    ana = (
        await client.get(
            f"{url}/mailboxes/INBOX/messages", params={"collapse_threads": "true", "from": "ana"}
        )
    ).json()
    assert [(i["subject"], i["thread_count"]) for i in ana["items"]] == [("Re: Trip to Lisbon", 2)]
    # A cursor of a plain listing is not one of a collapsed listing.
    plain = (await client.get(f"{url}/mailboxes/INBOX/messages", params={"limit": 2})).json()
    bad = await client.get(
        f"{url}/mailboxes/INBOX/messages",
        params={"collapse_threads": "true", "cursor": plain["next_cursor"]},
    )
    assert bad.status_code == 422


async def test_reply_text_of_a_message_read(
    client: httpx.AsyncClient, mailstack: MailStack
) -> None:
    body = (
        "Yes, Friday works for me.\r\n\r\nOn Mon, 4 Mar 2024 at 09:00, Hal "
        "<hal@example.test> wrote:\r\n> Lunch on Friday?\r\n> Hal\r\n\r\n-- \r\nIvy\r\n"
        "Team lead\r\n"
    )
    html = (
        b"From: Jo <jo@example.test>\r\nSubject: Re: report\r\nMessage-ID: <h@example.test>"
        b"\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<p>Looks fine.</p><div>On Tue, Jo wrote:</div><blockquote><p>Draft attached"
        b"</p></blockquote>\r\n"
    )
    _, url = await new_account(
        client,
        mailstack,
        {
            "INBOX": [
                mail("ivy", "Re: Lunch on Friday", hours=1, mid="<r@example.test>", body=body),
                html,
                CORPUS["report"],
            ]
        },
    )
    items = {i["subject"]: i for i in await listing(client, url)}
    plain = (await client.get(f"{url}/messages/{items['Re: Lunch on Friday']['id']}")).json()
    assert plain["reply_text"] == "Yes, Friday works for me."
    assert plain["text"].startswith("Yes, Friday works") and "> Lunch on Friday?" in plain["text"]
    assert plain["bounce"] is None and plain["bounced_message_id"] is None
    rich = (await client.get(f"{url}/messages/{items['Re: report']['id']}")).json()
    assert rich["reply_text"] == "Looks fine." and rich["text"] is None
    whole = (await client.get(f"{url}/messages/{items['Quarterly report']['id']}")).json()
    assert whole["reply_text"] == "Quarterly report (jo)"
