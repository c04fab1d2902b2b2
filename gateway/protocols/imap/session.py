"""An IMAP session: the connection plus verbs on mailboxes and messages (RFC 3501 6.3-6.4).

``async with ImapSession(...) as s:`` connects and logs out on exit; every
method is named after the IMAP command it sends, with keyword-only options.
"""

from __future__ import annotations

from typing import Any

from ...errors import InvalidInput, MailboxNotFound
from .connection import ImapConnection, ImapRejected, SelectedMailbox
from .encoding import Arg, Literal, astring, flag_list, mailbox_arg
from .gmail import label_list
from .parsing import (
    ListEntry,
    parse_esearch,
    parse_fetch,
    parse_fetch_numbered,
    parse_list,
    parse_search,
    parse_status,
    response_code,
)
from .wire import Completion

__all__ = ["ImapSession", "SelectedMailbox", "ImapRejected"]


class ImapSession(ImapConnection):
    """A logged-in (after ``login``) connection with verb-named methods."""

    async def select(self, mailbox: str, *, readonly: bool = False) -> SelectedMailbox:
        """SELECT or EXAMINE (RFC 3501 sections 6.3.1-2); skipped when already selected."""
        cur = self.selected
        if cur is not None and cur.name == mailbox and (readonly or not cur.readonly):
            return cur
        self.selected = None
        try:
            result = await self._run(b"EXAMINE" if readonly else b"SELECT", mailbox_arg(mailbox))
        except ImapRejected as exc:
            raise MailboxNotFound(f"no such mailbox ({exc.status} {exc.reason})") from None
        info = SelectedMailbox(
            mailbox, 0, None, 0, readonly or b"[READ-ONLY]" in result.text.upper()
        )
        for untagged in result.untagged:
            if untagged.kind == b"EXISTS" and untagged.number is not None:
                info.exists = untagged.number
            elif untagged.kind == b"OK":
                code = response_code(untagged.text[3:])
                if code and len(code) > 1 and code[1].isdigit():
                    if code[0] == "UIDVALIDITY":
                        info.uidvalidity = int(code[1])
                    elif code[0] == "UIDNEXT":
                        info.uidnext = int(code[1])
                    elif code[0] == "HIGHESTMODSEQ":
                        info.highestmodseq = int(code[1])
        self.selected = info
        return info

    async def fetch_then_noop(
        self, messages: bytes, items: bytes, *, uid: bool = False
    ) -> tuple[dict[int, dict[bytes, Any]], bool]:
        """FETCH (by numbers, or UID FETCH) and a NOOP, pipelined in one round trip.
        Returns the FETCH data and whether the NOOP (or the FETCH itself) brought news: new mail,
        expunges, flag changes or a complaint about the mailbox. Without news the FETCH
        saw the mailbox as it is; with news, ``resync`` was done and the caller fetches
        again. (Dovecot reports changes only at the end of a command, and not between
        pipelined ones, so a NOOP *before* the FETCH would not make it fresh.)"""
        command = (b"UID", b"FETCH", messages, items) if uid else (b"FETCH", messages, items)
        fetched, noop, count = await self._pipelined(command, (b"NOOP",))
        news = noop.untagged[count:]
        # A FETCH response without UID is an unsolicited flag change by someone else.
        changed = bool(news) or any(
            u.kind != b"FETCH" or b"UID " not in u.text for u in fetched.untagged
        )
        if any(u.kind in (b"NO", b"BAD") for u in news):
            self.selected = None
        return self._parsed(parse_fetch, fetched.untagged), changed

    async def resync(self) -> None:
        """NOOP on the selected mailbox (RFC 3501 section 6.1.2) for news of new mail and
        expunges. When the server reports trouble with the mailbox instead (Dovecot answers
        an untagged NO once another client deleted and recreated it), the selection is
        forgotten, so that the next ``select`` opens the mailbox afresh."""
        untagged = await self.noop()
        if any(u.kind in (b"NO", b"BAD") for u in untagged):
            self.selected = None

    async def enable_condstore(self) -> bool:
        """CONDSTORE enabled once per session (RFC 7162 section 3.1), so that SELECT
        reports HIGHESTMODSEQ: ENABLE (RFC 5161), which only the authenticated state takes,
        so a pooled session with a mailbox selected leaves it first (UNSELECT); without
        UNSELECT, a STATUS asking for HIGHESTMODSEQ, itself a CONDSTORE enabling command.
        False when the server has no CONDSTORE."""
        if not self.has("CONDSTORE"):
            return False
        if not self.condstore_enabled:
            if self.state == "SELECTED" and self.has("UNSELECT"):
                await self.command(b"UNSELECT")
                self.selected = None
            if self.state == "SELECTED" or not self.has("ENABLE"):
                await self.command(b"STATUS", b"INBOX", b"(HIGHESTMODSEQ)")
            else:
                await self.command(b"ENABLE", b"CONDSTORE")
            self.condstore_enabled = True
        return True

    async def notify_set(self, *, flag_changes: bool = True) -> bool:
        """NOTIFY SET (RFC 5465): the selected mailbox's changes as usual, and every other
        personal mailbox's new, expunged (and re-flagged) messages as untagged STATUS and
        its creation, deletion or renaming as LIST, also during IDLE (``notified``, and
        ``pushed`` in IDLE). False when the server has no NOTIFY or refuses it."""
        if not self.has("NOTIFY"):
            return False
        events = b"MessageNew MessageExpunge" + (b" FlagChange" if flag_changes else b"")
        result = await self.command(
            b"NOTIFY",
            b"SET",
            b"(selected (" + events + b"))",
            b"(personal (" + events + b" MailboxName))",
            check=False,
        )
        self.notify_active = result.status == "OK"
        return self.notify_active

    async def unselect(self) -> None:
        """Leave the selected mailbox without expunging (RFC 3691), else by EXAMINE of nothing."""
        if self.selected is None:
            return
        self.selected = None
        if self.has("UNSELECT"):
            await self._run(b"UNSELECT")

    async def list(
        self,
        reference: str = "",
        pattern: str = "*",
        *,
        status_items: tuple[str, ...] = (),
        special_use: bool = False,
    ) -> tuple[list[ListEntry], dict[bytes, dict]]:
        """LIST, with LIST-STATUS (RFC 5819) and SPECIAL-USE (RFC 6154) returns when offered."""
        parts: list[Arg] = [b"LIST", astring(reference), astring(pattern)]
        returns: list[bytes] = []
        if special_use and self.has("SPECIAL-USE"):
            returns.append(b"SPECIAL-USE")
        if status_items and self.has("LIST-STATUS"):
            returns.append(b"STATUS (" + " ".join(status_items).encode() + b")")
        if returns:
            parts += [b"RETURN", b"(" + b" ".join(returns) + b")"]
        result = await self._run(*parts)
        return parse_list(result.untagged), parse_status(result.untagged)

    async def list_subscribed(self) -> list[ListEntry]:
        """Subscribed mailboxes: LIST (SUBSCRIBED) (RFC 5258), else LSUB."""
        if self.has("LIST-EXTENDED"):
            result = await self._run(b"LIST", b"(SUBSCRIBED)", b'""', b'"*"')
            return parse_list(result.untagged)
        result = await self._run(b"LSUB", b'""', b'"*"')
        return parse_list(result.untagged, b"LSUB")

    async def status(self, mailbox: str, items: tuple[str, ...]) -> dict[str, int]:
        try:
            result = await self._run(
                b"STATUS", mailbox_arg(mailbox), b"(" + " ".join(items).encode() + b")"
            )
        except ImapRejected as exc:
            raise MailboxNotFound(f"no such mailbox ({exc.status} {exc.reason})") from None
        values = parse_status(result.untagged)
        return next(iter(values.values()), {})

    async def status_now(self, mailbox: str, items: tuple[str, ...]) -> dict[str, int]:
        """STATUS of ``mailbox`` as it is now. A session that has it selected answers STATUS
        from its own view of it (Dovecot), so a NOOP brings that view up to date first (not
        pipelined: Dovecot may answer a STATUS before the NOOP ahead of it). When nothing
        that could change the mailbox was reported on this connection since the NOOP before
        this selection's last STATUS (RFC 3501 section 6.1.2: a NOOP reports every change),
        the mailbox is as that STATUS saw it: its values, without asking again."""
        current = self.selected
        if current is None or current.name != mailbox:
            return await self.status(mailbox, items)
        await self.resync()
        seen = current.status_seen
        if self.selected is current and seen is not None and seen[:2] == (items, self.news):
            return dict(seen[2])
        mark = self.news
        values = await self.status(mailbox, items)
        if self.selected is current:
            current.status_seen = (items, mark, values)
        return values

    async def create(self, mailbox: str) -> None:
        await self._run(b"CREATE", mailbox_arg(mailbox))

    async def delete(self, mailbox: str) -> None:
        if self.selected is not None and self.selected.name == mailbox:
            await self.unselect()
        await self._run(b"DELETE", mailbox_arg(mailbox))

    async def rename(self, old: str, new: str) -> None:
        if self.selected is not None and self.selected.name == old:
            await self.unselect()
        await self._run(b"RENAME", mailbox_arg(old), mailbox_arg(new))

    async def subscribe(self, mailbox: str) -> None:
        await self._run(b"SUBSCRIBE", mailbox_arg(mailbox))

    async def unsubscribe(self, mailbox: str) -> None:
        await self._run(b"UNSUBSCRIBE", mailbox_arg(mailbox))

    # -- selected state ------------------------------------------------------------------------

    async def uid_search(
        self, criteria: list[Arg], *, charset: bool = False
    ) -> tuple[list[tuple[int, int]], int]:
        """UID SEARCH; with ESEARCH (RFC 4731) the UIDs come back as compact ranges."""
        parts: list[Arg] = [b"UID", b"SEARCH"]
        esearch = self.has("ESEARCH")
        if esearch:
            parts += [b"RETURN", b"(ALL COUNT)"]
        if charset:
            parts += [b"CHARSET", b"UTF-8"]
        parts += criteria or [b"ALL"]
        try:
            result = await self._run(*parts)
        except ImapRejected as exc:
            if charset and exc.response_code and exc.response_code[0] == "BADCHARSET":
                raise InvalidInput("the server cannot search in UTF-8") from None
            if exc.refuses_input:
                raise _refused("search", "the mail server refuses these filters", exc) from None
            raise
        if esearch:
            ranges, count = parse_esearch(result.untagged)
            return ranges, count or 0
        uids = parse_search(result.untagged)
        return [(u, u) for u in uids], len(uids)

    async def uid_fetch(
        self, uids: bytes, items: bytes, *, time_limit: float | None = None
    ) -> dict[int, dict[bytes, Any]]:
        """UID FETCH (RFC 3501 section 6.4.8), parsed; keyed by UID."""
        result = await self._run(b"UID", b"FETCH", uids, items, time_limit=time_limit)
        return self._parsed(parse_fetch, result.untagged)

    async def fetch(self, messages: bytes, items: bytes) -> dict[int, dict[bytes, Any]]:
        """FETCH by message sequence numbers (RFC 3501 section 6.4.5), keyed by UID (ask
        for UID in ``items``). The server sends no EXPUNGE during it (section 7.4.1), so
        the numbers mean what the last EXISTS/EXPUNGE said."""
        result = await self._run(b"FETCH", messages, items)
        return self._parsed(parse_fetch, result.untagged)

    async def uid_store(self, uids: bytes, action: bytes, flags: list[str]) -> dict[int, Any]:
        """UID STORE ``+FLAGS``/``-FLAGS``/``FLAGS`` -> new flags per UID.

        A refusal that blames the request (BAD, ``NO [CANNOT]``: Dovecot limits keywords to
        50 characters) is the caller's flag: InvalidInput, not an upstream failure."""
        try:
            result = await self._run(b"UID", b"STORE", uids, action, flag_list(flags))
        except ImapRejected as exc:
            if exc.refuses_input:
                raise _refused(
                    "flags", "the mail server refuses one of these flags or keywords", exc
                ) from None
            raise
        parsed = self._parsed(parse_fetch, result.untagged)
        return {uid: data.get(b"FLAGS", ()) for uid, data in parsed.items()}

    async def uid_store_labels(
        self, uids: bytes, action: bytes, labels: list[str]
    ) -> dict[int, tuple[str, ...]]:
        """Gmail (X-GM-EXT-1): UID STORE ``+X-GM-LABELS``/``-X-GM-LABELS``/``X-GM-LABELS``
        -> the labels after, per UID: Gmail answers with each message's X-GM-LABELS. An
        answer without UID (Google's documented answer to STORE has none) counts for the
        one message of a one-UID store when it is the only one with labels."""
        try:
            result = await self._run(b"UID", b"STORE", uids, action, label_list(labels))
        except ImapRejected as exc:
            if exc.refuses_input:
                raise _refused("labels", "Gmail refuses one of these labels", exc) from None
            raise
        parsed = self._parsed(parse_fetch, result.untagged)
        after = {
            uid: data[b"X-GM-LABELS"] for uid, data in parsed.items() if b"X-GM-LABELS" in data
        }
        if not after and uids.isdigit():
            numbered = [
                d
                for d in self._parsed(parse_fetch_numbered, result.untagged).values()
                if b"X-GM-LABELS" in d
            ]
            if len(numbered) == 1:
                after = {int(uids): numbered[0][b"X-GM-LABELS"]}
        return after

    async def uid_copy(self, uids: bytes, mailbox: str) -> list[str] | None:
        """UID COPY; the COPYUID response code (RFC 4315) when the server sends one."""
        result = await self._run(b"UID", b"COPY", uids, mailbox_arg(mailbox))
        return _copyuid(result)

    async def uid_move(self, uids: bytes, mailbox: str) -> list[str] | None:
        """UID MOVE (RFC 6851); COPYUID comes in an untagged OK."""
        result = await self._run(b"UID", b"MOVE", uids, mailbox_arg(mailbox))
        return _copyuid(result)

    async def uid_expunge(self, uids: bytes) -> None:
        """UID EXPUNGE (RFC 4315) or, without UIDPLUS, EXPUNGE."""
        if self.has("UIDPLUS"):
            await self._run(b"UID", b"EXPUNGE", uids)
        else:
            await self._run(b"EXPUNGE")

    async def append(
        self,
        mailbox: str,
        message: bytes,
        *,
        flags: list[str] | None = None,
        time_limit: float | None = None,
    ) -> tuple[int, int] | None:
        """APPEND (RFC 3501 section 6.3.11) -> (uidvalidity, uid) from APPENDUID, if sent."""
        parts: list[Arg] = [b"APPEND", mailbox_arg(mailbox)]
        if flags:
            parts.append(flag_list(flags))
        parts.append(Literal(message))
        try:
            result = await self._run(*parts, time_limit=time_limit)
        except ImapRejected as exc:
            if exc.response_code and exc.response_code[0] in ("TRYCREATE", "NONEXISTENT"):
                raise MailboxNotFound(f"no such mailbox ({exc.status} {exc.reason})") from None
            if exc.refuses_input:
                what = "the message or its flags" if flags else "the message"
                raise _refused("message", f"the mail server refuses {what}", exc) from None
            raise
        code = response_code(result.text)
        if code and code[0] == "APPENDUID" and len(code) >= 3 and code[2].isdigit():
            return int(code[1]), int(code[2])
        return None


def _refused(field: str, what: str, exc: ImapRejected) -> InvalidInput:
    """InvalidInput for a refusal the request caused, with the server's words (which never
    hold the command's strings: see ``ImapRejected.reason``) and a stable code."""
    return InvalidInput(f"{field}: {what} ({exc.status} {exc.reason})", code=f"{field}_refused")


def _copyuid(result: Completion) -> list[str] | None:
    texts = [result.text] + [u.text[3:] for u in result.untagged if u.kind == b"OK"]
    for text in texts:
        code = response_code(text)
        if code and code[0] == "COPYUID" and len(code) >= 4:
            return code[1:4]
    return None
