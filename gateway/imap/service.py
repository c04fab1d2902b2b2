"""``MailService``: mailboxes and messages of an account, on its IMAP pool.

The one entry point for the routes (and for the outbox and the watchers):
each method borrows a session from the account's ``ImapPool`` for as short a
time as it can. Long transfers (raw source, attachments) fetch in chunks of
``STREAM_CHUNK`` bytes (``BODY.PEEK[...]<offset.length>``, RFC 3501 6.4.5),
each chunk on a borrowed "bulk" session, so they are never held in memory
whole and never block listings of the same account.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from ..accounts.imap_pool import ImapPool
from ..accounts.registry import AccountRegistry
from ..errors import (
    AttachmentNotFound,
    CannotCalculateChanges,
    InvalidInput,
    InvalidState,
    MailboxNotFound,
    MessageNotFound,
    PayloadTooLarge,
)
from ..model.messages import Draft, ParsedMessage
from ..protocols.imap import ImapSession, gmail
from ..protocols.mime.build import build_message
from ..settings import Settings
from . import collapse, threads
from . import mailboxes as mb
from . import messages as msgs
from .cache import SummaryCache
from .decoders import decoder_for
from .ids import MessageRef, decode_mailbox_id, decode_message_id, encode_mailbox_id
from .listing import ListQuery, list_messages
from .structure import (
    MessagePage,
    PartInfo,
    Summary,
    find_part,
    summary_from_fetch,
    summary_items,
)

if TYPE_CHECKING:
    from ..sync.feed import ChangeFeed, FeedChanges
    from ..threads.index import ThreadIndexer

STREAM_CHUNK = 1024 * 1024
_SPECIAL_TTL = 60.0
_BARE_LF = re.compile(rb"(?<!\r)\n")

__all__ = ["MailService", "ListQuery"]


class MailService:
    def __init__(
        self,
        accounts: AccountRegistry,
        settings: Settings,
        *,
        feed: ChangeFeed | None = None,
        threads: ThreadIndexer | None = None,
    ) -> None:
        self._accounts = accounts
        self._settings = settings
        self._feed = feed  # the change feed: the state each listing answers with
        self._threads = threads  # gateway-built thread ids (imap/threads.py)
        self.cache: SummaryCache[Summary] = SummaryCache(settings.imap_summary_cache_entries)
        # Parsed small messages (<= 256 kB each): bounded by count, ~2,000 x a few kB.
        self.parsed_cache = SummaryCache(max(0, settings.imap_summary_cache_entries // 50))
        self._special: dict[str, tuple[float, dict[str, str]]] = {}

    async def pool(self, account_id: str) -> ImapPool:
        manager = await self._accounts.manager(account_id, "imap")
        assert isinstance(manager, ImapPool)
        return manager

    # -- mailboxes -----------------------------------------------------------------------------

    async def list_mailboxes(self, account_id: str) -> list[dict[str, Any]]:
        pool = await self.pool(account_id)
        items = await pool.run(mb.list_mailboxes)
        self._remember_special(account_id, items)
        return items

    async def mailbox_listing(self, account_id: str) -> tuple[list[dict[str, Any]], str | None]:
        """The mailboxes and the account's change-feed state, taken before the listing (the
        first listing of an account starts its feed)."""
        if self._feed is None:
            return await self.list_mailboxes(account_id), None
        for _ in range(3):  # another request may start the feed meanwhile: list again
            state = await self._feed.mailboxes_state(account_id)
            items = await self.list_mailboxes(account_id)
            if state is None:
                state = await self._feed.start(account_id, items)
            if state is not None:
                break
        return items, state

    async def create_mailbox(self, account_id: str, path: str) -> dict[str, Any]:
        pool = await self.pool(account_id)
        async with pool.session() as session:
            await mb.create_mailbox(session, path)
            return await mb.stored_mailbox_info(session, path)

    async def rename_mailbox(self, account_id: str, mailbox_id: str, path: str) -> dict[str, Any]:
        old = decode_mailbox_id(mailbox_id)
        pool = await self.pool(account_id)
        async with pool.session() as session:
            await mb.rename_mailbox(session, old, path)
            self._special.pop(account_id, None)
            return await mb.renamed_mailbox_info(session, old, path)

    async def delete_mailbox(self, account_id: str, mailbox_id: str) -> None:
        path = decode_mailbox_id(mailbox_id)
        pool = await self.pool(account_id)
        async with pool.session() as session:
            await mb.delete_mailbox(session, path)
        self._special.pop(account_id, None)

    def _remember_special(self, account_id: str, items: list[dict[str, Any]]) -> None:
        found = {m["special_use"]: m["path"] for m in items if m["special_use"]}
        self._special[account_id] = (time.monotonic(), found)

    async def special_mailbox(self, account_id: str, special_use: str) -> str | None:
        """The path of the mailbox with that RFC 6154 use (compared case-insensitively)."""
        use = mb.normalise_special_use(special_use)
        cached = self._special.get(account_id)
        if cached is None or time.monotonic() - cached[0] > _SPECIAL_TTL:
            await self.list_mailboxes(account_id)
            cached = self._special[account_id]
        return cached[1].get(use)

    async def changes(
        self, account_id: str, since: str, *, limit: int, mailbox_id: str | None = None
    ) -> FeedChanges:
        """What changed after ``since`` in the account, or in one mailbox (sync/feed.py)."""
        path = decode_mailbox_id(mailbox_id) if mailbox_id is not None else None
        if self._feed is None:
            raise CannotCalculateChanges("this gateway keeps no change feed")
        return await self._feed.changes(account_id, since, limit=limit, mailbox=path)

    # -- listing and reading -------------------------------------------------------------------

    async def list_messages(
        self,
        account_id: str,
        mailbox_id: str,
        query: ListQuery,
        *,
        limit: int = 50,
        cursor: str | None = None,
        collapse_threads: bool = False,
    ) -> MessagePage:
        path = decode_mailbox_id(mailbox_id)
        pool = await self.pool(account_id)
        # The state first: what the log holds up to it, the listing shows (sync/feed.py).
        state = await self._feed.messages_state(account_id, path) if self._feed else None
        if collapse_threads:
            page = await collapse.list_collapsed(
                pool, self.cache, self._threads, account_id, path, query, limit=limit, cursor=cursor
            )
        else:
            page = await pool.run(
                lambda session: list_messages(
                    session, self.cache, pool.cache_scope, path, query, limit=limit, cursor=cursor
                ),
                path,
            )
            await threads.annotate(self._threads, account_id, page)
        page.state = state
        return page

    async def get_thread(
        self, account_id: str, thread_id: str, *, newest_first: bool = False, limit: int = 100
    ) -> MessagePage:
        """A thread's messages across the account's mailboxes (imap/threads.py)."""
        pool = await self.pool(account_id)
        return await threads.read_thread(
            pool,
            self.cache,
            self._threads,
            account_id,
            thread_id,
            newest_first=newest_first,
            limit=limit,
        )

    async def get_message(
        self, account_id: str, message_id: str
    ) -> tuple[MessageRef, ParsedMessage, dict[str, Any]]:
        ref = decode_message_id(message_id)
        summary = await self._summary(account_id, ref)  # its BODYSTRUCTURE numbers the parts
        pool = await self.pool(account_id)
        parsed, meta = await pool.run(
            lambda s: msgs.get_message(s, ref, self.parsed_cache, pool.cache_scope, summary),
            ref.mailbox,
        )
        meta["mailbox"] = encode_mailbox_id(ref.mailbox)
        meta["thread_id"] = (await threads.thread_ids(self._threads, account_id, [summary])).get(
            summary.id
        )
        return ref, parsed, meta

    async def thread_ids(self, account_id: str, summaries: list[Summary]) -> dict[str, str]:
        """Each message's thread id by message id (the server's, else the gateway's)."""
        return await threads.thread_ids(self._threads, account_id, summaries)

    async def thread_headers(
        self, account_id: str, message_id: str
    ) -> tuple[str | None, list[str]]:
        """The original's Message-ID and References, for a reply."""
        ref = decode_message_id(message_id)
        pool = await self.pool(account_id)
        parsed = await pool.run(lambda s: msgs.header_fields(s, ref), ref.mailbox)
        return parsed.message_id, list(parsed.references)

    async def _summary(self, account_id: str, ref: MessageRef) -> Summary:
        pool = await self.pool(account_id)
        key = (pool.cache_scope, ref.mailbox, ref.uidvalidity, ref.uid)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        data = await pool.run(
            lambda s: msgs.fetch_one(
                s, ref, summary_items(s.has("PREVIEW"), s.has(gmail.CAPABILITY), s.has("OBJECTID"))
            ),
            ref.mailbox,
        )
        summary = summary_from_fetch(data, ref)
        self.cache.put(key, summary)
        return summary

    async def open_raw(self, account_id: str, message_id: str) -> tuple[int, AsyncIterator[bytes]]:
        """The size and a chunk iterator of the RFC 822 source (first chunk fetched now)."""
        ref = decode_message_id(message_id)
        summary = await self._summary(account_id, ref)
        return summary.size, await self._stream(account_id, ref, "", summary.size, None)

    async def read_source(self, account_id: str, message_id: str, *, max_bytes: int) -> bytes:
        """The whole RFC 822 source in memory (a forward, a draft), up to ``max_bytes``."""
        size, chunks = await self.open_raw(account_id, message_id)
        if size > max_bytes:
            raise PayloadTooLarge(f"the message is {size} bytes, over the limit of {max_bytes}")
        return b"".join([chunk async for chunk in chunks])

    async def open_attachment(
        self, account_id: str, message_id: str, attachment_id: str
    ) -> tuple[PartInfo, AsyncIterator[bytes]]:
        """A body part, decoded from its transfer encoding, as chunks."""
        if not re.fullmatch(r"[1-9][0-9]{0,4}(\.[1-9][0-9]{0,4}){0,20}", attachment_id):
            raise AttachmentNotFound("no such attachment (ids are part numbers like 2 or 1.2)")
        ref = decode_message_id(message_id)
        summary = await self._summary(account_id, ref)
        part = find_part(summary.structure, attachment_id)
        if part is None:
            raise AttachmentNotFound("this message has no attachment with that id")
        return part, await self._stream(account_id, ref, attachment_id, part.size, part.encoding)

    async def _stream(
        self, account_id: str, ref: MessageRef, section: str, size: int, encoding: str | None
    ) -> AsyncIterator[bytes]:
        """Fetch the first chunk now (so a vanished message is a 404), the rest lazily."""
        pool = await self.pool(account_id)
        first = await self._chunk(pool, ref, section, 0)
        return self._chunks(pool, ref, section, first, encoding)

    async def _chunk(self, pool: ImapPool, ref: MessageRef, section: str, offset: int) -> bytes:
        spec = b"BODY.PEEK[%s]<%d.%d>" % (section.encode(), offset, STREAM_CHUNK)
        data = await pool.run(
            lambda s: msgs.fetch_one(s, ref, b"(UID " + spec + b")"), ref.mailbox, bulk=True
        )
        return next((v for k, v in data.items() if k.startswith(b"BODY[")), None) or b""

    async def _chunks(
        self, pool: ImapPool, ref: MessageRef, section: str, first: bytes, encoding: str | None
    ) -> AsyncIterator[bytes]:
        decoder = decoder_for(encoding or "binary")
        chunk, offset = first, 0
        while True:
            offset += len(chunk)
            out = decoder.feed(chunk)
            if out:
                await pool.bulk_turn()  # not while the account's interactive requests run
                yield out
            if len(chunk) < STREAM_CHUNK:
                break
            chunk = await self._chunk(pool, ref, section, offset)
        tail = decoder.finish()
        if tail:
            yield tail

    # -- changing messages ---------------------------------------------------------------------

    async def update_flags(
        self,
        account_id: str,
        message_id: str,
        *,
        add: list[str],
        remove: list[str],
        set_: list[str] | None,
    ) -> list[str]:
        ref = decode_message_id(message_id)
        pool = await self.pool(account_id)
        result = await pool.run(
            lambda s: msgs.store_flags(s, [ref], add=add, remove=remove, set_=set_), ref.mailbox
        )
        if ref.uid not in result:
            raise MessageNotFound("no such message (deleted or moved)")
        return result[ref.uid]

    async def update_labels(
        self,
        account_id: str,
        message_id: str,
        *,
        add: list[str],
        remove: list[str],
        set_: list[str] | None,
    ) -> tuple[str, ...]:
        """Gmail only: change a message's labels (X-GM-LABELS); its labels after."""
        ref = decode_message_id(message_id)
        pool = await self.pool(account_id)
        after = await pool.run(
            lambda s: msgs.store_labels(s, ref, add=add, remove=remove, set_=set_), ref.mailbox
        )
        if after is None:
            raise MessageNotFound("no such message (deleted or moved)")
        return after

    async def files_sent_mail(self, account_id: str) -> bool:
        """Whether the account's mail server files sent mail itself: Gmail (X-GM-EXT-1)
        puts what its SMTP server sends in "[Gmail]/Sent Mail", so a copy would be a
        second one."""
        pool = await self.pool(account_id)
        return await pool.run(lambda s: _has(s, gmail.CAPABILITY))

    async def add_flags(self, account_id: str, message_id: str, flags: list[str]) -> list[str]:
        return await self.update_flags(account_id, message_id, add=flags, remove=[], set_=None)

    async def move(self, account_id: str, message_id: str, mailbox_id: str) -> str | None:
        return await self._transfer(account_id, message_id, mailbox_id, move=True)

    async def copy(self, account_id: str, message_id: str, mailbox_id: str) -> str | None:
        return await self._transfer(account_id, message_id, mailbox_id, move=False)

    async def _transfer(
        self, account_id: str, message_id: str, mailbox_id: str, *, move: bool
    ) -> str | None:
        ref = decode_message_id(message_id)
        dest = decode_mailbox_id(mailbox_id)
        pool = await self.pool(account_id)
        # A MOVE is safe to repeat (the second finds nothing to move); a COPY is not.
        result = await pool.run(
            lambda s: self._copy_checked(s, [ref], dest, move=move), ref.mailbox, retry=move
        )
        if ref.uid not in result:
            raise MessageNotFound("no such message (deleted or moved)")
        return result[ref.uid]

    async def _copy_checked(
        self, session, refs: list[MessageRef], dest: str, *, move: bool
    ) -> dict[int, str | None]:
        try:
            await session.status(dest, ("UIDVALIDITY",))
        except MailboxNotFound:
            raise MailboxNotFound("the target mailbox does not exist") from None
        return await msgs.copy_messages(session, refs, dest, move=move)

    async def delete(self, account_id: str, message_id: str, *, permanent: bool = False) -> None:
        ref = decode_message_id(message_id)
        results = await self._delete_refs(account_id, [ref], permanent=permanent)
        if ref.uid not in results:
            raise MessageNotFound("no such message (deleted or moved)")

    async def _delete_refs(
        self, account_id: str, refs: list[MessageRef], *, permanent: bool
    ) -> dict[int, str | None]:
        trash = None if permanent else await self.special_mailbox(account_id, "\\Trash")
        if not permanent and trash is None:
            raise InvalidState("this account has no Trash mailbox; use permanent=true")
        pool = await self.pool(account_id)

        async def operation(session: ImapSession) -> dict[int, str | None]:
            if permanent or refs[0].mailbox == trash:
                return dict.fromkeys(await msgs.expunge_messages(session, refs))
            return await msgs.copy_messages(session, refs, trash, move=True)

        return await pool.run(operation, refs[0].mailbox)

    async def batch(
        self,
        account_id: str,
        ids: list[str],
        action: str,
        *,
        flags: dict[str, list[str] | None] | None = None,
        mailbox_id: str | None = None,
        permanent: bool = False,
    ) -> list[dict[str, Any]]:
        """Apply one action to many messages: one IMAP command per source mailbox."""
        results: dict[str, dict[str, Any]] = {}
        groups: dict[tuple[str, int], list[tuple[str, MessageRef]]] = defaultdict(list)
        for message_id in ids:
            try:
                ref = decode_message_id(message_id)
            except MessageNotFound as exc:
                results[message_id] = {"id": message_id, "ok": False, "error": exc.code}
                continue
            groups[(ref.mailbox, ref.uidvalidity)].append((message_id, ref))
        dest = decode_mailbox_id(mailbox_id) if mailbox_id else None
        if action in ("move", "copy") and dest is None:
            raise InvalidInput("'mailbox' is required for move and copy")
        if action == "flag" and not flags:
            raise InvalidInput("'flags' is required for the flag action")
        if flags:  # checked before any message is looked at, whatever the action
            msgs.check_flag_changes(
                flags.get("add") or [], flags.get("remove") or [], flags.get("set")
            )
        pool = await self.pool(account_id)
        for members in groups.values():
            refs = [ref for _, ref in members]
            try:
                outcome = await self._batch_group(
                    pool, account_id, refs, action, flags, dest, permanent
                )
            except MessageNotFound:
                outcome = {}  # a stale UIDVALIDITY: every id of the group is gone
            except MailboxNotFound:
                if dest is not None:
                    raise
                outcome = {}
            for message_id, ref in members:
                if ref.uid in outcome:
                    results[message_id] = {"id": message_id, "ok": True, **outcome[ref.uid]}
                else:
                    results[message_id] = {
                        "id": message_id,
                        "ok": False,
                        "error": "message_not_found",
                    }
        return [results[i] for i in ids]

    async def _batch_group(
        self,
        pool: ImapPool,
        account_id: str,
        refs: list[MessageRef],
        action: str,
        flags: dict[str, list[str] | None] | None,
        dest: str | None,
        permanent: bool,
    ) -> dict[int, dict[str, Any]]:
        if action == "delete":
            done = await self._delete_refs(account_id, refs, permanent=permanent)
            return {uid: {"new_id": new} if new else {} for uid, new in done.items()}
        async with pool.session(refs[0].mailbox) as session:
            if action == "flag":
                assert flags is not None
                after = await msgs.store_flags(
                    session,
                    refs,
                    add=flags.get("add") or [],
                    remove=flags.get("remove") or [],
                    set_=flags.get("set"),
                )
                return {uid: {"flags": f} for uid, f in after.items()}
            if action in ("move", "copy"):
                assert dest is not None
                done = await self._copy_checked(session, refs, dest, move=action == "move")
                return {uid: {"new_id": new} for uid, new in done.items()}
        raise InvalidInput("unknown action")

    # -- appending -----------------------------------------------------------------------------

    async def append_draft(
        self, account_id: str, mailbox_id: str, draft: Draft, flags: list[str]
    ) -> str | None:
        """Build a message from a draft and APPEND it (see :meth:`append`)."""
        raw = build_message(draft, max_bytes=self._settings.max_request_bytes).raw
        return await self.append(account_id, mailbox_id, raw, flags)

    async def append(
        self, account_id: str, mailbox_id: str, raw: bytes, flags: list[str]
    ) -> str | None:
        """APPEND a message; the new id via UIDPLUS APPENDUID (None without it)."""
        path = decode_mailbox_id(mailbox_id)
        raw = _BARE_LF.sub(b"\r\n", raw)
        pool = await self.pool(account_id)
        async with pool.session() as session:
            return await msgs.append_message(session, path, raw, flags)

    async def append_special(
        self, account_id: str, special_use: str, raw: bytes, flags: list[str]
    ) -> str | None:
        """APPEND to the mailbox with that special use (e.g. ``\\Sent``)."""
        path = await self.special_mailbox(account_id, special_use)
        if path is None:
            raise MailboxNotFound(f"this account has no {special_use} mailbox")
        return await self.append(account_id, encode_mailbox_id(path), raw, flags)


async def _has(session: ImapSession, capability: str) -> bool:
    return session.has(capability)
