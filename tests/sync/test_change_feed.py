"""State on listings and ``/changes`` (issue #14), against Dovecot and Cyrus: another IMAP
client changes the mailboxes, the gateway (not watching: computed on request) reports it."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.settings import Settings
from tests.conftest import account_spec, running_client
from tests.mailstack import MailStack
from tests.sync.helpers import imap_client, message


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"watch_enabled": False})


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running_client(settings) as c:
        yield c


async def _account(client: httpx.AsyncClient, stack: MailStack, prefix: str) -> tuple[str, str]:
    user = stack.new_user(prefix)
    spec = account_spec(stack, user, protocols=("imap",))
    assert (await client.post("/v1/accounts", json=spec)).status_code == 201
    return spec["id"], user


def _append(stack: MailStack, user: str, mailbox: str, *subjects: str) -> None:
    imap = imap_client(stack, user)
    try:
        for subject in subjects:
            assert imap.append(mailbox, None, None, bytes(message(user, subject)))[0] == "OK"
    finally:
        imap.logout()


async def _ids(
    client: httpx.AsyncClient, account: str, mailbox: str = "INBOX"
) -> tuple[dict[str, dict], str]:
    r = await client.get(
        f"/v1/accounts/{account}/mailboxes/{mailbox}/messages", params={"limit": 500}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    return {m["subject"]: m for m in body["items"]}, body["state"]


async def _changes(client: httpx.AsyncClient, path: str, since: str, **params) -> dict:
    r = await client.get(path, params={"since": since, **params})
    assert r.status_code == 200, r.text
    return r.json()


def _b64(path: str) -> str:
    return base64.urlsafe_b64encode(path.encode()).rstrip(b"=").decode()


async def test_changes_report_what_another_client_did(
    client: httpx.AsyncClient, imap_server: MailStack
) -> None:
    stack = imap_server
    account, user = await _account(client, stack, "cf")
    _append(stack, user, "INBOX", "keep", "flag me", "delete me")
    listed = await client.get(f"/v1/accounts/{account}/mailboxes")
    assert listed.status_code == 200
    account_state = listed.json()["state"]
    messages, inbox_state = await _ids(client, account)
    assert account_state and inbox_state and account_state != inbox_state

    imap = imap_client(stack, user)
    try:
        imap.select("INBOX")
        _, data = imap.uid("SEARCH", None, "ALL")
        uids = data[0].split()
        assert len(uids) == 3
        assert imap.uid("STORE", uids[1], "+FLAGS", "(\\Flagged)")[0] == "OK"
        assert imap.uid("STORE", uids[2], "+FLAGS", "(\\Deleted)")[0] == "OK"
        assert imap.expunge()[0] == "OK"
        assert imap.create("Work")[0] == "OK"
        assert imap.append("Work", None, None, bytes(message(user, "work")))[0] == "OK"
        assert imap.append("INBOX", None, None, bytes(message(user, "new")))[0] == "OK"
    finally:
        imap.logout()

    now, _ = await _ids(client, account)
    work, _ = await _ids(client, account, _b64("Work"))
    got = await _changes(client, f"/v1/accounts/{account}/changes", account_state)
    assert got["old_state"] == account_state and not got["has_more"]
    assert sorted(got["created"]) == sorted([now["new"]["id"], work["work"]["id"]])
    assert got["updated"] == [messages["flag me"]["id"]]
    assert got["destroyed"] == [messages["delete me"]["id"]]
    assert got["mailboxes"]["created"] == [_b64("Work")]
    assert got["mailboxes"]["updated"] == ["INBOX"]  # its counters changed
    assert got["mailboxes"]["destroyed"] == []

    # The mailbox's own feed: only INBOX, from the state of its listing.
    mine = await _changes(client, f"/v1/accounts/{account}/mailboxes/INBOX/changes", inbox_state)
    assert (mine["created"], mine["updated"], mine["destroyed"]) == (
        [now["new"]["id"]],
        [messages["flag me"]["id"]],
        [messages["delete me"]["id"]],
    )
    assert mine["mailboxes"] == {"created": [], "updated": ["INBOX"], "destroyed": []}

    # Nothing since the new states; the same answer for the same state again.
    for path, state in (
        (f"/v1/accounts/{account}/changes", got["new_state"]),
        (f"/v1/accounts/{account}/mailboxes/INBOX/changes", mine["new_state"]),
    ):
        again = await _changes(client, path, state)
        assert again["created"] == again["updated"] == again["destroyed"] == []
        assert again["new_state"] == state and not again["has_more"]
    assert await _changes(client, f"/v1/accounts/{account}/changes", account_state) == got


async def test_a_mailbox_renamed_and_a_uidvalidity_reset_are_destroyed_and_created_ids(
    client: httpx.AsyncClient, imap_server: MailStack
) -> None:
    stack = imap_server
    account, user = await _account(client, stack, "cr")
    imap = imap_client(stack, user)
    try:
        assert imap.create("Old")[0] == "OK"
        assert imap.create("Box")[0] == "OK"
    finally:
        imap.logout()
    _append(stack, user, "Old", "a", "b")
    _append(stack, user, "Box", "c")
    state = (await client.get(f"/v1/accounts/{account}/mailboxes")).json()["state"]
    old, _ = await _ids(client, account, _b64("Old"))
    box, box_state = await _ids(client, account, _b64("Box"))

    imap = imap_client(stack, user)
    try:
        assert imap.rename("Old", "New")[0] == "OK"
        assert imap.delete("Box")[0] == "OK"  # and again: a new UIDVALIDITY
        assert imap.create("Box")[0] == "OK"
        assert imap.append("Box", None, None, bytes(message(user, "d")))[0] == "OK"
    finally:
        imap.logout()

    new, _ = await _ids(client, account, _b64("New"))
    box2, _ = await _ids(client, account, _b64("Box"))
    got = await _changes(client, f"/v1/accounts/{account}/changes", state)
    assert sorted(got["destroyed"]) == sorted([old["a"]["id"], old["b"]["id"], box["c"]["id"]])
    assert sorted(got["created"]) == sorted([new["a"]["id"], new["b"]["id"], box2["d"]["id"]])
    assert got["mailboxes"]["created"] == [_b64("New")]
    assert got["mailboxes"]["destroyed"] == [_b64("Old")]
    assert _b64("Box") in got["mailboxes"]["updated"]  # deleted, then there again
    # The mailbox's feed from its listing's state says the same of it.
    mine = await _changes(
        client, f"/v1/accounts/{account}/mailboxes/{_b64('Box')}/changes", box_state
    )
    assert (mine["created"], mine["destroyed"]) == ([box2["d"]["id"]], [box["c"]["id"]])


async def test_changes_page_by_limit_until_has_more_is_false(
    client: httpx.AsyncClient, imap_server: MailStack
) -> None:
    stack = imap_server
    account, user = await _account(client, stack, "cp")
    _, state = await _ids(client, account)
    assert state is None  # the account's first mailbox listing starts its feed
    assert (await client.get(f"/v1/accounts/{account}/mailboxes")).json()["state"]
    _, state = await _ids(client, account)
    _append(stack, user, "INBOX", *(f"m{i}" for i in range(7)))
    seen: list[str] = []
    pages = 0
    while True:
        got = await _changes(
            client, f"/v1/accounts/{account}/mailboxes/INBOX/changes", state, limit=3
        )
        pages += 1
        ids = (
            got["created"] + got["updated"] + got["destroyed"] + sum(got["mailboxes"].values(), [])
        )
        assert 0 < len(ids) <= 3
        seen += got["created"]
        state = got["new_state"]
        if not got["has_more"]:
            break
    now, _ = await _ids(client, account)
    assert sorted(seen) == sorted(m["id"] for m in now.values()) and pages == 3


async def test_states_the_gateway_cannot_answer_are_410(
    client: httpx.AsyncClient, dovecot: MailStack
) -> None:
    account, _ = await _account(client, dovecot, "cg")
    other, _ = await _account(client, dovecot, "ch")
    account_state = (await client.get(f"/v1/accounts/{account}/mailboxes")).json()["state"]
    _, inbox_state = await _ids(client, account)
    other_state = (await client.get(f"/v1/accounts/{other}/mailboxes")).json()["state"]
    base = f"/v1/accounts/{account}"
    for path, since in (
        (f"{base}/changes", "garbled!"),
        (f"{base}/changes", account_state[:-2]),
        (f"{base}/changes", account_state[:-1] + ("A" if account_state[-1] != "A" else "B")),
        (f"{base}/changes", other_state),  # another account's
        (f"{base}/changes", inbox_state),  # a mailbox's state for the whole account
        (f"{base}/mailboxes/{_b64('Sent')}/changes", inbox_state),
    ):  # another mailbox's
        r = await client.get(path, params={"since": since})
        assert r.status_code == 410, (path, since, r.text)
        assert r.json()["code"] == "cannot_calculate_changes"
    # The account's state is good for one of its mailboxes; an overlong one is a 422.
    r = await client.get(f"{base}/mailboxes/INBOX/changes", params={"since": account_state})
    assert r.status_code == 200
    r = await client.get(f"{base}/changes", params={"since": "A" * 201})
    assert r.status_code == 422

    # Deleted and added again (the same id): a new feed, every earlier state is gone.
    assert (await client.delete(f"/v1/accounts/{account}")).status_code == 204
    spec = account_spec(dovecot, _user_of(account, dovecot), protocols=("imap",))
    assert (await client.post("/v1/accounts", json=spec)).status_code == 201
    r = await client.get(f"{base}/changes", params={"since": account_state})
    assert r.status_code == 410 and "reset" in r.json()["detail"]
    fresh = (await client.get(f"{base}/mailboxes")).json()["state"]
    assert fresh != account_state
    assert (await client.get(f"{base}/changes", params={"since": fresh})).status_code == 200


def _user_of(account: str, stack: MailStack) -> str:
    return f"{account}@{stack.domain}"


async def test_the_feed_on_postgresql(
    settings: Settings, pg_database: str, dovecot: MailStack
) -> None:
    """The same log and states on PostgreSQL (row locks order the writers there)."""
    pg = settings.model_copy(update={"database_url": pg_database})
    async with running_client(pg) as client:
        account, user = await _account(client, dovecot, "cq")
        _append(dovecot, user, "INBOX", "one")
        state = (await client.get(f"/v1/accounts/{account}/mailboxes")).json()["state"]
        before, inbox_state = await _ids(client, account)
        _append(dovecot, user, "INBOX", "two", "three")
        now, _ = await _ids(client, account)
        got = await _changes(client, f"/v1/accounts/{account}/changes", state, limit=1)
        assert got["has_more"] and len(got["created"] + got["mailboxes"]["updated"]) == 1
        rest = await _changes(client, f"/v1/accounts/{account}/changes", got["new_state"])
        assert sorted(got["created"] + rest["created"]) == sorted(
            now[s]["id"] for s in ("two", "three")
        )
        mine = await _changes(
            client, f"/v1/accounts/{account}/mailboxes/INBOX/changes", inbox_state
        )
        assert sorted(mine["created"]) == sorted(now[s]["id"] for s in ("two", "three"))
        assert now["one"]["id"] == before["one"]["id"]


async def test_a_state_newer_than_a_restored_store_is_410(
    settings: Settings, dovecot: MailStack
) -> None:
    """The store restored from a backup: states handed out after the backup are ahead of
    its log. They get 410 (never an answer that would skip what happened since)."""
    db = settings.sqlite_path()
    assert db is not None
    async with running_client(settings) as client:
        account, user = await _account(client, dovecot, "cb")
        first = (await client.get(f"/v1/accounts/{account}/mailboxes")).json()["state"]
        await _ids(client, account)
    backup = {p.name: p.read_bytes() for p in db.parent.glob(db.name + "*")}
    async with running_client(settings) as client:
        _append(dovecot, user, "INBOX", "after the backup")
        later = await _changes(client, f"/v1/accounts/{account}/changes", first)
        assert len(later["created"]) == 1
    for path in db.parent.glob(db.name + "*"):
        path.unlink()
    for name, data in backup.items():
        (db.parent / name).write_bytes(data)
    async with running_client(settings) as client:
        r = await client.get(
            f"/v1/accounts/{account}/changes", params={"since": later["new_state"]}
        )
        assert r.status_code == 410 and "newer" in r.json()["detail"]
        again = await _changes(client, f"/v1/accounts/{account}/changes", first)
        assert len(again["created"]) == 1  # the restored log catches up from the server


async def test_repeated_mailbox_changes_see_each_change_at_once_and_503_while_down(
    private_stack: MailStack, settings: Settings
) -> None:
    """A client polling one mailbox's ``/changes``: while nothing changes, the answers are
    empty (the log is known complete: one STATUS, or only a NOOP, per call); each change
    another client makes is in the very next answer; with the server gone the answer is a
    503, not a stale page, and once it is back the polling goes on where it was."""
    settings = settings.model_copy(
        update={"command_timeout": 3, "connect_timeout": 3, "reconnect_base_delay": 0.2}
    )
    stack = private_stack
    async with running_client(settings) as client:
        account, user = await _account(client, stack, "poll")
        _append(stack, user, "INBOX", "a", "b", "c")
        assert (await client.get(f"/v1/accounts/{account}/mailboxes")).status_code == 200
        messages, state = await _ids(client, account)
        path = f"/v1/accounts/{account}/mailboxes/INBOX/changes"

        async def poll(expect: tuple[list, list, list]) -> None:
            nonlocal state
            got = await _changes(client, path, state)
            assert (got["created"], got["updated"], got["destroyed"]) == expect, got
            state = got["new_state"]

        for _ in range(3):
            await poll(([], [], []))
        imap = imap_client(stack, user)
        try:
            imap.select("INBOX")
            uids = imap.uid("SEARCH", None, "ALL")[1][0].split()
            assert imap.uid("STORE", uids[0], "+FLAGS", "(\\Flagged)")[0] == "OK"
            await poll(([], [messages["a"]["id"]], []))
            await poll(([], [], []))
            assert imap.uid("STORE", uids[1], "+FLAGS", "(\\Seen)")[0] == "OK"
            await poll(([], [messages["b"]["id"]], []))
            assert imap.uid("STORE", uids[2], "+FLAGS", "(\\Deleted)")[0] == "OK"
            assert imap.expunge()[0] == "OK"
            await poll(([], [], [messages["c"]["id"]]))
        finally:
            imap.logout()
        await poll(([], [], []))

        stack.kill_dovecot()
        try:
            down = await client.get(path, params={"since": state})
            assert down.status_code == 503, down.text
            assert down.headers["content-type"].startswith("application/problem+json")
        finally:
            stack.start_dovecot()
        _append(stack, user, "INBOX", "d")
        for _ in range(50):
            back = await client.get(path, params={"since": state})
            if back.status_code == 200:
                break
            await asyncio.sleep(0.1)
        assert back.status_code == 200, back.text
        now, _ = await _ids(client, account)
        assert back.json()["created"] == [now["d"]["id"]]
