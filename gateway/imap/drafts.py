"""The account's Drafts mailbox: which one it is, and its messages as drafts.

Which mailbox: the one with the RFC 6154 special use ``\\Drafts``; else a selectable
mailbox named ``Drafts`` (any case; at the top or under INBOX); else, when a draft is
saved, a new top-level ``Drafts`` (``INBOX<sep>Drafts`` where the server keeps every
mailbox under INBOX). Listing and reading drafts never create it.

A draft's id is the message id of its current version (mailbox, UIDVALIDITY, UID): what a
draft holds never changes under an id. Saving a new version APPENDs it (``\\Draft``,
``\\Seen``) and then removes the old one by UID (``\\Deleted`` and UID EXPUNGE, RFC 4315,
where the server has UIDPLUS); the new version has a new id and the old id is gone. Two
updates of the same version race safely: the second finds the old one gone, takes its own
new version out again and is refused (409 ``draft_changed``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import (
    AlreadyExists,
    Conflict,
    DraftNotFound,
    InvalidMailboxName,
    MailboxNotFound,
    MessageNotFound,
    UpstreamError,
)
from ..model.messages import ParsedMessage
from ..protocols.imap import ImapSession
from ..protocols.imap.encoding import astring
from . import messages as msgs
from .ids import MessageRef, decode_message_id, encode_mailbox_id, encode_message_id
from .listing import ListQuery
from .service import MailService
from .structure import MessagePage

DRAFT_FLAGS = ["\\Draft", "\\Seen"]
DRAFTS_NAME = "Drafts"


def drafts_by_name(mailboxes: Iterable[dict[str, Any]]) -> str | None:
    """The path of a selectable mailbox named Drafts (a listing's items): a top-level one
    first, then one right under INBOX."""
    found: dict[int, str] = {}
    for item in mailboxes:
        flags = {f.lower() for f in item.get("flags") or ()}
        if flags & {"\\noselect", "\\nonexistent"}:
            continue
        path, delim = item["path"], item.get("delimiter")
        parts = path.split(delim) if delim else [path]
        if parts[-1].lower() != DRAFTS_NAME.lower():
            continue
        if len(parts) == 1:
            found.setdefault(0, path)
        elif len(parts) == 2 and parts[0].upper() == "INBOX":
            found.setdefault(1, path)
    return found[min(found)] if found else None


class DraftsMailbox:
    """Drafts of an account, on its IMAP pool (through ``MailService``)."""

    def __init__(self, mail: MailService) -> None:
        self._mail = mail

    async def path(self, account_id: str, *, create: bool = False) -> str | None:
        """The Drafts mailbox's path; None when there is none (and ``create`` is false)."""
        special = await self._mail.special_mailbox(account_id, "\\Drafts")
        if special is not None:
            return special
        mailboxes = await self._mail.list_mailboxes(account_id)
        path = drafts_by_name(mailboxes)
        if path is not None or not create:
            return path
        return await self._create(account_id, mailboxes)

    async def _create(self, account_id: str, mailboxes: list[dict[str, Any]]) -> str:
        inbox = next((m for m in mailboxes if m["path"].upper() == "INBOX"), None)
        names = [DRAFTS_NAME]
        if inbox is not None and inbox.get("delimiter"):
            names.append(f"INBOX{inbox['delimiter']}{DRAFTS_NAME}")
        for name in names:
            try:
                return (await self._mail.create_mailbox(account_id, name))["path"]
            except AlreadyExists:  # made meanwhile by another request
                found = drafts_by_name(await self._mail.list_mailboxes(account_id))
                if found is not None:
                    return found
            except InvalidMailboxName:
                continue  # e.g. a server that keeps every mailbox under INBOX
        raise MailboxNotFound(
            "this account has no Drafts mailbox and the server refuses to create one"
        )

    async def _ref(self, account_id: str, draft_id: str) -> tuple[MessageRef, str]:
        """The draft's message and the Drafts mailbox; DraftNotFound for an id that is no
        message of that mailbox."""
        try:
            ref = decode_message_id(draft_id)
        except MessageNotFound:
            raise DraftNotFound("no draft with this id") from None
        path = await self.path(account_id)
        if path is None or ref.mailbox != path:
            raise DraftNotFound("no draft with this id in the account's Drafts mailbox")
        return ref, path

    # -- reading -------------------------------------------------------------------------------

    async def list(self, account_id: str, *, limit: int, cursor: str | None) -> MessagePage:
        """The drafts, newest first, as a message listing (empty without a Drafts mailbox)."""
        path = await self.path(account_id)
        if path is None:
            return MessagePage([], None, 0)
        return await self._mail.list_messages(
            account_id, encode_mailbox_id(path), ListQuery(), limit=limit, cursor=cursor
        )

    async def get(
        self, account_id: str, draft_id: str
    ) -> tuple[MessageRef, ParsedMessage, dict[str, Any]]:
        """The draft parsed, as ``MailService.get_message`` reads a message."""
        await self._ref(account_id, draft_id)
        try:
            return await self._mail.get_message(account_id, draft_id)
        except MessageNotFound:
            raise DraftNotFound("no draft with this id (sent, deleted or replaced)") from None

    async def source(self, account_id: str, draft_id: str, *, max_bytes: int) -> bytes:
        """The draft's RFC 5322 source."""
        await self._ref(account_id, draft_id)
        try:
            return await self._mail.read_source(account_id, draft_id, max_bytes=max_bytes)
        except MessageNotFound:
            raise DraftNotFound("no draft with this id (sent, deleted or replaced)") from None

    # -- saving --------------------------------------------------------------------------------

    async def save(self, account_id: str, raw: bytes, message_id: str) -> str:
        """APPEND a new draft; its id."""
        path = await self.path(account_id, create=True)
        assert path is not None
        return await self._append(account_id, path, raw, message_id)

    async def _append(self, account_id: str, path: str, raw: bytes, message_id: str) -> str:
        new_id = await self._mail.append(account_id, encode_mailbox_id(path), raw, DRAFT_FLAGS)
        if new_id is not None:
            return new_id
        # No UIDPLUS (no APPENDUID): find it by its Message-ID, which is new.
        pool = await self._mail.pool(account_id)
        found = await pool.run(lambda s: _newest_with_message_id(s, path, message_id), path)
        if found is None:
            raise UpstreamError(
                "the mail server took the draft but does not find it", protocol="imap"
            )
        return found

    async def replace(self, account_id: str, draft_id: str, raw: bytes, message_id: str) -> str:
        """Save a new version of a draft and remove the old one; the new version's id."""
        ref, path = await self._ref(account_id, draft_id)
        pool = await self._mail.pool(account_id)
        try:
            present = await pool.run(lambda s: msgs.existing(s, [ref]), path)
        except MessageNotFound:
            present = set()  # the mailbox was recreated
        if ref.uid not in present:
            raise DraftNotFound("no draft with this id (sent, deleted or replaced)")
        new_id = await self._append(account_id, path, raw, message_id)
        try:
            await self._mail.delete(account_id, draft_id, permanent=True)
        except MessageNotFound:
            # Another update (or a send) took the old version first: undo ours.
            await self._mail.delete(account_id, new_id, permanent=True)
            raise Conflict(
                "the draft changed meanwhile: read it again and save your version "
                "on the newest one",
                code="draft_changed",
            ) from None
        return new_id

    async def delete(self, account_id: str, draft_id: str) -> None:
        """Remove a draft for good (UID EXPUNGE, not to Trash)."""
        await self._ref(account_id, draft_id)
        try:
            await self._mail.delete(account_id, draft_id, permanent=True)
        except MessageNotFound:
            raise DraftNotFound("no draft with this id (sent, deleted or replaced)") from None


async def _newest_with_message_id(session: ImapSession, path: str, message_id: str) -> str | None:
    if session.selected is not None and session.selected.name == path:
        await session.resync()  # see the message another session appended
    selected = await session.select(path)
    ranges, _ = await session.uid_search([b"HEADER", b"Message-ID", astring(message_id)])
    if not ranges:
        return None
    return encode_message_id(path, selected.uidvalidity, ranges[-1][1])
