"""Mailbox operations on a pooled session: list (with status), create, rename, delete."""

from __future__ import annotations

from typing import Any

from ..errors import AlreadyExists, InvalidInput, MailboxNotFound
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
        "\\" + value.lower().lstrip("\\"))
    if canonical is None:
        raise InvalidInput(f"not a special-use attribute: {value!r}")
    return canonical


async def list_mailboxes(session: ImapSession) -> list[dict[str, Any]]:
    """Every mailbox with special use, subscription and STATUS counters."""
    entries, statuses = await session.list("", "*", status_items=_STATUS_ITEMS,
                                           special_use=True)
    subscribed = {e.raw_name for e in await session.list_subscribed()}
    items = []
    for entry in entries:
        lower = [f.lower() for f in entry.flags]
        selectable = "\\noselect" not in lower and "\\nonexistent" not in lower
        status = statuses.get(entry.raw_name)
        if status is None and selectable:
            try:
                status = await session.status(entry.name, _STATUS_ITEMS)
            except MailboxNotFound:
                status = {}
        status = status or {}
        delim = entry.delimiter
        items.append({
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
        })
    items.sort(key=lambda m: (m["path"].upper() != "INBOX", m["path"].lower()))
    return items


async def mailbox_info(session: ImapSession, path: str) -> dict[str, Any]:
    for item in await list_mailboxes(session):
        if item["path"] == path or (path.upper() == "INBOX" and item["path"].upper() == "INBOX"):
            return item
    raise MailboxNotFound(f"no mailbox {path!r}")


async def create_mailbox(session: ImapSession, path: str) -> None:
    try:
        await session.create(path)
    except ImapRejected as exc:
        if exc.response_code and exc.response_code[0] == "ALREADYEXISTS":
            raise AlreadyExists(f"mailbox {path!r} already exists") from None
        _refused_name(exc)
        raise
    try:
        await session.subscribe(path)
    except ImapRejected:
        pass  # not fatal: the mailbox exists


async def rename_mailbox(session: ImapSession, old: str, new: str) -> None:
    if old.upper() == "INBOX":
        raise InvalidInput("INBOX cannot be renamed through this API")
    try:
        await session.rename(old, new)
    except ImapRejected as exc:
        code = exc.response_code[0] if exc.response_code else ""
        if code == "NONEXISTENT":
            raise MailboxNotFound(f"no mailbox {old!r}") from None
        if code == "ALREADYEXISTS":
            raise AlreadyExists(f"mailbox {new!r} already exists") from None
        _refused_name(exc)
        raise
    try:
        await session.unsubscribe(old)
        await session.subscribe(new)
    except ImapRejected:
        pass


def _refused_name(exc: ImapRejected) -> None:
    """``NO [CANNOT]`` (RFC 5530: the name breaks a server rule, e.g. its length) is the
    client's mistake: invalid input with the server's words, not an upstream failure."""
    if exc.response_code and exc.response_code[0] == "CANNOT":
        raise InvalidInput(f"the mail server refuses that mailbox name: {exc.detail}") from None


async def delete_mailbox(session: ImapSession, path: str) -> None:
    if path.upper() == "INBOX":
        raise InvalidInput("INBOX cannot be deleted")
    try:
        await session.delete(path)
    except ImapRejected as exc:
        if exc.response_code and exc.response_code[0] == "NONEXISTENT":
            raise MailboxNotFound(f"no mailbox {path!r}") from None
        raise
    try:
        await session.unsubscribe(path)
    except ImapRejected:
        pass
