"""A client that keeps a local copy of an account through the HTTP API, as a mobile app or a
support-inbox tool would: one full listing, then only ``/changes`` (issue #14).

The copy holds each mailbox as the mailbox list shows it and each message's mailbox and
flags. ``created``/``updated`` ids are read with GET .../messages/{id} (a 404: the message
went meanwhile, and a later page says so too); any mailbox change re-reads the mailbox list
(it is one request, and the API has no single-mailbox read).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx


def _mailbox(item: dict) -> dict:
    """A mailbox as the copy keeps it: without ``\\Marked``/``\\Unmarked``, hints that come
    and go by themselves (the feed does not report them)."""
    return {
        **item,
        "flags": [f for f in item["flags"] if f.lower() not in ("\\marked", "\\unmarked")],
    }


@dataclass
class Copy:
    mailboxes: dict[str, dict] = field(default_factory=dict)  # id -> listing item
    # id -> (mailbox id, sorted flags)
    messages: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)


async def full_listing(client: httpx.AsyncClient, account: str) -> tuple[Copy, str]:
    """Everything, and the account's state from before it (the mailbox list's, taken first:
    every message listing comes after it)."""
    copy = Copy()
    r = await client.get(f"/v1/accounts/{account}/mailboxes")
    assert r.status_code == 200, r.text
    state = r.json()["state"]
    for item in r.json()["items"]:
        copy.mailboxes[item["id"]] = _mailbox(item)
        if {f.lower() for f in item["flags"]} & {"\\noselect", "\\nonexistent"}:
            continue
        cursor = None
        while True:
            params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
            page = await client.get(
                f"/v1/accounts/{account}/mailboxes/{item['id']}/messages", params=params
            )
            assert page.status_code == 200, page.text
            for m in page.json()["items"]:
                copy.messages[m["id"]] = (m["mailbox"], tuple(sorted(m["flags"])))
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
    return copy, state


@dataclass
class Synced:
    pages: int = 0
    created: set[str] = field(default_factory=set)
    updated: set[str] = field(default_factory=set)
    destroyed: set[str] = field(default_factory=set)
    gone_meanwhile: int = 0  # created/updated ids already gone when read


async def catch_up(
    client: httpx.AsyncClient,
    account: str,
    copy: Copy,
    state: str,
    *,
    limit: int = 500,
    read: bool = True,
) -> tuple[str, Synced]:
    """Pull ``/changes`` from ``state`` until ``has_more`` is false, applying each page to
    ``copy`` (``read``: fetch created and updated messages; without it only ids change:
    created ones get no flags, updated ones keep theirs). The new state and what came."""
    synced = Synced()
    while True:
        r = await client.get(
            f"/v1/accounts/{account}/changes", params={"since": state, "limit": limit}
        )
        assert r.status_code == 200, r.text
        page = r.json()
        assert page["old_state"] == state
        synced.pages += 1
        boxes = page["mailboxes"]
        for mailbox_id in boxes["destroyed"]:
            copy.mailboxes.pop(mailbox_id, None)
        if boxes["created"] or boxes["updated"]:
            listed = (await client.get(f"/v1/accounts/{account}/mailboxes")).json()["items"]
            by_id = {m["id"]: m for m in listed}
            for mailbox_id in boxes["created"] + boxes["updated"]:
                if mailbox_id in by_id:
                    copy.mailboxes[mailbox_id] = _mailbox(by_id[mailbox_id])
                else:  # gone again meanwhile: a later page says so
                    copy.mailboxes.pop(mailbox_id, None)
        for message_id in page["destroyed"]:
            copy.messages.pop(message_id, None)
        synced.created.update(page["created"])
        synced.updated.update(page["updated"])
        synced.destroyed.update(page["destroyed"])
        for message_id in page["created"] + page["updated"]:
            if not read:
                if message_id not in copy.messages:
                    copy.messages[message_id] = ("?", ())
                continue
            got = await client.get(f"/v1/accounts/{account}/messages/{message_id}")
            if got.status_code == 404:
                copy.messages.pop(message_id, None)
                synced.gone_meanwhile += 1
                continue
            assert got.status_code == 200, got.text
            body = got.json()
            copy.messages[message_id] = (body["mailbox"], tuple(sorted(body["flags"])))
        state = page["new_state"]
        if not page["has_more"]:
            return state, synced
