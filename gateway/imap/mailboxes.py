"""Mailbox operations on a pooled session: list (with status), create, rename, delete."""

from __future__ import annotations

from typing import Any

from ..errors import (
    AlreadyExists,
    InvalidInput,
    InvalidMailboxName,
    InvalidState,
    MailboxHasChildren,
    MailboxNotFound,
)
from ..protocols.imap import ImapRejected, ImapSession
from .ids import encode_mailbox_id

SPECIAL_USE = ("\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash")
_SPECIAL_BY_LOWER = {s.lower(): s for s in SPECIAL_USE}
_STATUS_ITEMS = ("MESSAGES", "UNSEEN", "UIDVALIDITY", "UIDNEXT")


def special_use_of(flags: list[str]) -> str | None:
    """The RFC 6154 special use among LIST flags; servers differ in case (Cyrus: ``\\sent``)."""
    for flag in flags:
        canonical = _SPECIAL_BY_LOWER.get(flag.lower())
        if canonical is not None:
            return canonical
    return None


def normalise_special_use(value: str) -> str:
    canonical = _SPECIAL_BY_LOWER.get(value.lower()) or _SPECIAL_BY_LOWER.get(
        "\\" + value.lower().lstrip("\\")
    )
    if canonical is None:
        raise InvalidInput("not a special-use attribute: one of " + ", ".join(SPECIAL_USE))
    return canonical


async def list_mailboxes(session: ImapSession, *, modseq: bool = False) -> list[dict[str, Any]]:
    """Every mailbox with special use, subscription and STATUS counters; with ``modseq``
    (and CONDSTORE on the server) each item also holds ``highestmodseq`` (RFC 7162)."""
    items_asked = _STATUS_ITEMS
    if modseq and session.has("CONDSTORE"):
        items_asked += ("HIGHESTMODSEQ",)
    else:
        modseq = False
    entries, statuses = await session.list("", "*", status_items=items_asked, special_use=True)
    subscribed = {e.raw_name for e in await session.list_subscribed()}
    items = []
    for entry in entries:
        lower = [f.lower() for f in entry.flags]
        selectable = "\\noselect" not in lower and "\\nonexistent" not in lower
        status = statuses.get(entry.raw_name)
        if status is None and selectable:
            try:
                status = await session.status(entry.name, items_asked)
            except MailboxNotFound:
                status = {}
        status = status or {}
        delim = entry.delimiter
        items.append(
            {
                "id": encode_mailbox_id(entry.name),
                "path": entry.name,
                "name": entry.name.rsplit(delim, 1)[-1] if delim else entry.name,
                "delimiter": delim,
                "special_use": special_use_of(entry.flags),
                "flags": entry.flags,
                "subscribed": entry.raw_name in subscribed or "\\subscribed" in lower,
                "total": status.get("MESSAGES"),
                "unseen": status.get("UNSEEN"),
                "uidvalidity": status.get("UIDVALIDITY"),
                "uidnext": status.get("UIDNEXT"),
            }
        )
        if modseq:
            items[-1]["highestmodseq"] = status.get("HIGHESTMODSEQ")
    items.sort(key=lambda m: (m["path"].upper() != "INBOX", m["path"].lower()))
    return items


async def mailbox_info(session: ImapSession, path: str) -> dict[str, Any]:
    for item in await list_mailboxes(session):
        if item["path"] == path or (path.upper() == "INBOX" and item["path"].upper() == "INBOX"):
            return item
    raise MailboxNotFound("no such mailbox")


async def stored_mailbox_info(session: ImapSession, path: str) -> dict[str, Any]:
    """The mailbox a CREATE or RENAME of ``path`` made, as the server stored it: servers
    drop a leading or trailing hierarchy separator (``bad/`` becomes ``bad``) and may fold
    doubled ones."""
    items = await list_mailboxes(session)
    by_path = {item["path"]: item for item in items}
    if path in by_path:
        return by_path[path]
    for delim in {item["delimiter"] for item in items if item["delimiter"]}:
        parts = [part for part in path.split(delim) if part]
        candidate = by_path.get(delim.join(parts))
        if candidate is not None:
            return candidate
    raise MailboxNotFound("the server lists no mailbox of that path after creating it")


async def renamed_mailbox_info(session: ImapSession, old: str, new: str) -> dict[str, Any]:
    """The mailbox a RENAME of ``old`` to ``new`` made, as the server stored it.

    Cyrus 3.6 answers OK to a RENAME to a name over its length limit (a CREATE of that name
    is refused) and stores the name cut short: such a rename is undone and refused as the
    CREATE would be, so the mailbox keeps its name rather than get one nobody asked for.
    """
    try:
        return await stored_mailbox_info(session, new)
    except MailboxNotFound:
        pass
    paths = {item["path"] for item in await list_mailboxes(session)}
    cut = [p for p in paths if new.startswith(p) and len(p) < len(new) and p != old]
    if old not in paths and cut:
        stored = max(cut, key=len)
        await session.rename(stored, old)
        raise InvalidMailboxName("the mail server cannot hold a mailbox name that long")
    raise MailboxNotFound("the server reports no mailbox of the new name after the rename")


def _code(exc: ImapRejected) -> str:
    return exc.response_code[0].upper() if exc.response_code else ""


async def _exists(session: ImapSession, path: str) -> tuple[bool, bool]:
    """(exists, has children) of ``path``, from a LIST: the probe after a NO whose text
    is all there is (Cyrus answers ``NO Mailbox already exists`` without RFC 5530 codes)."""
    entries, _ = await session.list("", "*")
    exists = children = False
    for entry in entries:
        if entry.name == path:
            lower = {f.lower() for f in entry.flags}
            exists = "\\nonexistent" not in lower
            children = children or "\\haschildren" in lower
        elif entry.delimiter and entry.name.startswith(path + entry.delimiter):
            children = True
    return exists, children


async def create_mailbox(session: ImapSession, path: str) -> None:
    try:
        await session.create(path)
    except ImapRejected as exc:
        code = _code(exc)
        if code == "ALREADYEXISTS" or (not code and (await _exists(session, path))[0]):
            raise AlreadyExists("a mailbox of that path already exists") from None
        if code in ("", "CANNOT", "CLIENTBUG"):
            # Not there, and the server would not make it: the name breaks one of its rules.
            raise InvalidMailboxName(
                "the mail server refuses to create a mailbox of that name"
            ) from None
        raise
    try:
        await session.subscribe(path)
    except ImapRejected:
        pass  # not fatal: the mailbox exists


async def rename_mailbox(session: ImapSession, old: str, new: str) -> None:
    if old.upper() == "INBOX":
        # A rule about the mailbox, not about the request's shape: 409, as for a mailbox
        # that has children.
        raise InvalidState("INBOX cannot be renamed through this API")
    try:
        await session.rename(old, new)
    except ImapRejected as exc:
        code = _code(exc)
        if code == "NONEXISTENT":
            raise MailboxNotFound("no such mailbox") from None
        if code == "ALREADYEXISTS":
            raise AlreadyExists("a mailbox of the new path already exists") from None
        if code in ("", "CANNOT", "CLIENTBUG"):
            if not (await _exists(session, old))[0]:
                raise MailboxNotFound("no such mailbox") from None
            if (await _exists(session, new))[0]:
                raise AlreadyExists("a mailbox of the new path already exists") from None
            raise InvalidMailboxName(
                "the mail server refuses to rename the mailbox to that name"
            ) from None
        raise
    try:
        await session.unsubscribe(old)
        await session.subscribe(new)
    except ImapRejected:
        pass


async def delete_mailbox(session: ImapSession, path: str) -> None:
    if path.upper() == "INBOX":
        raise InvalidState("INBOX cannot be deleted")
    try:
        await session.delete(path)
    except ImapRejected as exc:
        code = _code(exc)
        if code == "NONEXISTENT":
            raise MailboxNotFound("no such mailbox") from None
        if code == "HASCHILDREN":  # RFC 9051 section 7.1
            raise MailboxHasChildren("the mailbox has child mailboxes: delete them first") from None
        if code in ("", "CANNOT", "INUSE"):
            exists, children = await _exists(session, path)
            if not exists:
                raise MailboxNotFound("no such mailbox") from None
            if children:
                raise MailboxHasChildren(
                    "the mailbox has child mailboxes: delete them first"
                ) from None
        raise
    try:
        await session.unsubscribe(path)
    except ImapRejected:
        pass
