"""One authenticated IMAP session: an async context manager with verb-named methods.

Every network call has a timeout. A timeout or a dropped socket closes the
session (its state is unknown afterwards) and raises ``UpstreamTimeout`` /
``UpstreamUnavailable``; a tagged NO/BAD raises ``UpstreamRejected`` with the
server's text. Nothing here knows HTTP or the store.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
import time
from dataclasses import dataclass, field
from typing import Any

from imapclient.exceptions import ProtocolError

from ...errors import (
    InvalidInput,
    MailboxNotFound,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from .encoding import Arg, Literal, astring, flag_list, mailbox_arg
from .parsing import (
    ListEntry,
    parse_capabilities,
    parse_esearch,
    parse_fetch,
    parse_list,
    parse_search,
    parse_status,
    response_code,
)
from .wire import Completion, ImapWireProtocol, Pending, Untagged

__all__ = ["ImapSession", "SelectedMailbox", "ImapRejected"]


class ImapRejected(UpstreamRejected):
    """A tagged NO or BAD; ``response_code`` holds e.g. ``["NONEXISTENT"]``."""

    response_code: list[str] | None = None


@dataclass
class SelectedMailbox:
    name: str
    uidvalidity: int
    uidnext: int | None
    exists: int
    readonly: bool
    highestmodseq: int | None = None
    flags: list[str] = field(default_factory=list)


class ImapSession:
    """A connection to an IMAP server; log in with ``login`` after ``connect``.

    ``async with ImapSession(...) as s:`` connects (TLS, STARTTLS or plain)
    and logs out on exit.
    """

    def __init__(
        self, host: str, port: int, *, security: str = "tls",
        ssl_context: ssl.SSLContext | None = None, connect_timeout: float = 10.0,
        command_timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.port = port
        self.security = security
        self.ssl_context = ssl_context
        self.connect_timeout = connect_timeout
        self.command_timeout = command_timeout
        self.capabilities: frozenset[str] = frozenset()
        self.selected: SelectedMailbox | None = None
        self.last_used = time.monotonic()
        self.reused = False  # set by a pool: True when handed out again after earlier use
        self.closed_reason: str | None = None
        self._proto: ImapWireProtocol | None = None
        self._tagnum = 0
        self._lock = asyncio.Lock()
        self._closed = False

    # -- lifecycle -----------------------------------------------------------------------------

    async def __aenter__(self) -> ImapSession:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.logout()

    @property
    def alive(self) -> bool:
        proto = self._proto
        return (not self._closed and proto is not None and proto.lost is None
                and proto.transport is not None and not proto.transport.is_closing())

    @property
    def pushed(self) -> asyncio.Queue[Untagged]:
        """Untagged responses that came outside a command (or during IDLE)."""
        assert self._proto is not None
        return self._proto.pushed

    def has(self, capability: str) -> bool:
        return capability.upper() in self.capabilities

    async def connect(self) -> None:
        """Open the connection, read the greeting, upgrade with STARTTLS if asked."""
        loop = asyncio.get_running_loop()
        tls = self.security == "tls"
        context = self.ssl_context or ssl.create_default_context()
        try:
            async with asyncio.timeout(self.connect_timeout):
                _, proto = await loop.create_connection(
                    lambda: ImapWireProtocol(loop), self.host, self.port,
                    ssl=context if tls else None, server_hostname=self.host if tls else None,
                )
                self._proto = proto
                greeting = await proto.greeting
                if greeting.kind == b"BYE":
                    raise UpstreamUnavailable(_text(greeting.text), protocol="imap")
                if self.security == "starttls":
                    await self._starttls(loop, context)
                caps = parse_capabilities([greeting])
                if caps is None or self.security == "starttls":
                    caps = await self.capability()
                self.capabilities = frozenset(caps)
        except TimeoutError as exc:
            self.close()
            raise UpstreamTimeout(
                f"no IMAP greeting from {self.host}:{self.port} within "
                f"{self.connect_timeout:g} s", protocol="imap") from exc
        except ssl.SSLError as exc:
            self.close()
            raise UpstreamUnavailable(f"TLS with {self.host}:{self.port} failed: {exc}",
                                      protocol="imap") from exc
        except OSError as exc:
            self.close()
            raise UpstreamUnavailable(f"cannot connect to {self.host}:{self.port}: {exc}",
                                      protocol="imap") from exc
        except BaseException:
            self.close()
            raise

    async def _starttls(self, loop: asyncio.AbstractEventLoop, context: ssl.SSLContext) -> None:
        # RFC 3501 section 6.2.1; aioimaplib has no STARTTLS, so the transport is upgraded here.
        await self._run(b"STARTTLS")
        proto = self._proto
        assert proto is not None and proto.transport is not None
        proto.transport = await loop.start_tls(
            proto.transport, proto, context, server_hostname=self.host)

    def close(self, reason: str = "closed") -> None:
        """Drop the connection now (no LOGOUT). ``reason`` tells a pool why."""
        if not self._closed:
            self.closed_reason = reason
        self._closed = True
        self.selected = None
        if self._proto is not None and self._proto.transport is not None:
            self._proto.transport.abort()

    async def logout(self) -> None:
        """Say LOGOUT (briefly) and close."""
        if self.alive:
            try:
                async with asyncio.timeout(min(self.command_timeout, 2.0)):
                    await self._run(b"LOGOUT")
            except (Exception, asyncio.CancelledError):  # noqa: BLE001 - closing anyway
                pass
        self.close()

    # -- commands ------------------------------------------------------------------------------

    async def _run(self, *parts: Arg, time_limit: float | None = None, check: bool = True,
                   idle: bool = False) -> Completion:
        """Send one command and wait for its tagged response."""
        proto = self._proto
        if proto is None or not self.alive and parts[0] != b"LOGOUT":
            raise UpstreamUnavailable("IMAP connection is closed", protocol="imap")
        async with self._lock:
            self._tagnum += 1
            tag = b"G%d" % self._tagnum
            pending = proto.pending = Pending(tag, asyncio.get_running_loop(), idle=idle)
            try:
                async with asyncio.timeout(time_limit or self.command_timeout):
                    await self._send(proto, tag, parts, pending)
                    if idle:
                        return Completion("+", await pending.continuation, [])
                    result = await pending.future
            except TimeoutError as exc:
                self.close()
                raise UpstreamTimeout(
                    f"IMAP server did not answer {_verb(parts)} within "
                    f"{time_limit or self.command_timeout:g} s", protocol="imap") from exc
            except (ConnectionError, OSError) as exc:
                self.close()
                raise UpstreamUnavailable(f"IMAP connection lost: {exc}", protocol="imap") from exc
            except asyncio.CancelledError:
                # The response is still coming; the connection cannot be reused safely.
                self.close("cancelled")
                raise
        self.last_used = time.monotonic()
        self._track_selected(result)
        if check and result.status != "OK":
            raise _rejected(parts, result)
        return result

    def _track_selected(self, result: Completion) -> None:
        selected = self.selected
        if selected is not None:
            for untagged in result.untagged:  # RFC 3501 sections 7.3.1 and 7.4.1
                if untagged.kind == b"EXISTS" and untagged.number is not None:
                    selected.exists = untagged.number
                elif untagged.kind == b"EXPUNGE":
                    selected.exists = max(0, selected.exists - 1)

    async def _send(self, proto: ImapWireProtocol, tag: bytes, parts: tuple[Arg, ...],
                    pending: Pending) -> None:
        literal_plus = "LITERAL+" in self.capabilities
        chunk = bytearray(tag)
        for part in parts:
            chunk += b" "
            if isinstance(part, Literal):
                if literal_plus or ("LITERAL-" in self.capabilities and len(part) <= 4096):
                    # RFC 7888: non-synchronizing literal, no round trip
                    chunk += b"{%d+}\r\n" % len(part)
                    chunk += part
                    continue
                chunk += b"{%d}\r\n" % len(part)
                proto.write(bytes(chunk))
                chunk = bytearray()
                cont = pending.continuation
                done, _ = await asyncio.wait({cont, pending.future},
                                             return_when=asyncio.FIRST_COMPLETED)
                if pending.future in done:  # NO/BAD instead of "+": the command is over
                    return
                await cont
                pending.continuation = asyncio.get_running_loop().create_future()
                chunk += part
            else:
                chunk += part
        chunk += b"\r\n"
        proto.write(bytes(chunk))

    async def command(self, *parts: Arg, check: bool = True) -> Completion:
        """Run any command and get every untagged response back (EXISTS, VANISHED, ...).

        ``parts`` are atoms the caller controls or values from ``encoding`` (``astring``,
        ``mailbox_arg``, ``sequence_set``, ...): never raw user input. With ``check`` a
        NO/BAD raises ``ImapRejected``.
        """
        return await self._run(*parts, check=check)

    async def capability(self) -> set[str]:
        result = await self._run(b"CAPABILITY")
        return parse_capabilities(result.untagged) or set()

    async def login(self, username: str, password: str) -> None:
        """LOGIN (RFC 3501 section 6.2.3), then re-read CAPABILITY (it grows after login)."""
        try:
            result = await self._run(b"LOGIN", astring(username), astring(password))
        except UpstreamRejected as exc:
            raise UpstreamAuthFailed(exc.detail, protocol="imap") from None
        await self._after_auth(result)

    async def authenticate_xoauth2(self, username: str, access_token: str) -> None:
        """AUTHENTICATE XOAUTH2 with SASL-IR (RFC 4959)."""
        blob = base64.b64encode(f"user={username}\x01auth=Bearer {access_token}\x01\x01".encode())
        try:
            result = await self._run(b"AUTHENTICATE", b"XOAUTH2", blob)
        except UpstreamRejected as exc:
            raise UpstreamAuthFailed(exc.detail, protocol="imap") from None
        await self._after_auth(result)

    async def _after_auth(self, result: Completion) -> None:
        caps = parse_capabilities(result.untagged, result.text)
        if caps is None or "IMAP4REV1" not in caps:
            caps = await self.capability()
        self.capabilities = frozenset(caps)

    async def noop(self) -> list[Untagged]:
        return (await self._run(b"NOOP")).untagged

    async def select(self, mailbox: str, *, readonly: bool = False) -> SelectedMailbox:
        """SELECT or EXAMINE (RFC 3501 sections 6.3.1-2); skipped when already selected."""
        cur = self.selected
        if cur is not None and cur.name == mailbox and (readonly or not cur.readonly):
            return cur
        self.selected = None
        try:
            result = await self._run(b"EXAMINE" if readonly else b"SELECT", mailbox_arg(mailbox))
        except ImapRejected as exc:
            raise MailboxNotFound(f"mailbox {mailbox!r}: {exc.detail}") from None
        info = SelectedMailbox(mailbox, 0, None, 0,
                               readonly or b"[READ-ONLY]" in result.text.upper())
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

    async def unselect(self) -> None:
        """Leave the selected mailbox without expunging (RFC 3691), else by EXAMINE of nothing."""
        if self.selected is None:
            return
        self.selected = None
        if self.has("UNSELECT"):
            await self._run(b"UNSELECT")

    async def list(self, reference: str = "", pattern: str = "*", *,
                   status_items: tuple[str, ...] = (),
                   special_use: bool = False) -> tuple[list[ListEntry], dict[bytes, dict]]:
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
            result = await self._run(b"STATUS", mailbox_arg(mailbox),
                                     b"(" + " ".join(items).encode() + b")")
        except ImapRejected as exc:
            raise MailboxNotFound(f"mailbox {mailbox!r}: {exc.detail}") from None
        values = parse_status(result.untagged)
        return next(iter(values.values()), {})

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

    async def uid_search(self, criteria: list[Arg], *, charset: bool = False
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
            raise
        if esearch:
            ranges, count = parse_esearch(result.untagged)
            return ranges, count or 0
        uids = parse_search(result.untagged)
        return [(u, u) for u in uids], len(uids)

    async def uid_fetch(self, uids: bytes, items: bytes, *,
                        time_limit: float | None = None) -> dict[int, dict[bytes, Any]]:
        """UID FETCH (RFC 3501 section 6.4.8), parsed; keyed by UID."""
        result = await self._run(b"UID", b"FETCH", uids, items, time_limit=time_limit)
        return self._parsed(parse_fetch, result.untagged)

    async def fetch(self, messages: bytes, items: bytes) -> dict[int, dict[bytes, Any]]:
        """FETCH by message sequence numbers (RFC 3501 section 6.4.5), keyed by UID (ask
        for UID in ``items``). The server sends no EXPUNGE during it (section 7.4.1), so
        the numbers mean what the last EXISTS/EXPUNGE said."""
        result = await self._run(b"FETCH", messages, items)
        return self._parsed(parse_fetch, result.untagged)

    def _parsed(self, parser: Any, untagged: list[Untagged]) -> Any:
        try:
            return parser(untagged)
        except (ProtocolError, ValueError, IndexError, TypeError) as exc:
            raise UpstreamError(f"malformed IMAP response: {exc}", code="imap_protocol_error",
                                protocol="imap") from None

    async def uid_store(self, uids: bytes, action: bytes, flags: list[str]) -> dict[int, Any]:
        """UID STORE ``+FLAGS``/``-FLAGS``/``FLAGS`` -> new flags per UID."""
        result = await self._run(b"UID", b"STORE", uids, action, flag_list(flags))
        parsed = self._parsed(parse_fetch, result.untagged)
        return {uid: data.get(b"FLAGS", ()) for uid, data in parsed.items()}

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

    async def append(self, mailbox: str, message: bytes, *, flags: list[str] | None = None,
                     time_limit: float | None = None) -> tuple[int, int] | None:
        """APPEND (RFC 3501 section 6.3.11) -> (uidvalidity, uid) from APPENDUID, if sent."""
        parts: list[Arg] = [b"APPEND", mailbox_arg(mailbox)]
        if flags:
            parts.append(flag_list(flags))
        parts.append(Literal(message))
        try:
            result = await self._run(*parts, time_limit=time_limit)
        except ImapRejected as exc:
            if exc.response_code and exc.response_code[0] in ("TRYCREATE", "NONEXISTENT"):
                raise MailboxNotFound(f"mailbox {mailbox!r}: {exc.detail}") from None
            raise
        code = response_code(result.text)
        if code and code[0] == "APPENDUID" and len(code) >= 3 and code[2].isdigit():
            return int(code[1]), int(code[2])
        return None

    # -- IDLE (RFC 2177) -----------------------------------------------------------------------

    async def idle_start(self) -> None:
        """Send IDLE and wait for the continuation; pushes then arrive in ``pushed``."""
        await self._run(b"IDLE", idle=True)

    async def idle_done(self) -> None:
        """End IDLE and wait for its tagged OK."""
        proto = self._proto
        if proto is None or proto.pending is None:
            return
        pending = proto.pending
        try:
            async with asyncio.timeout(self.command_timeout):
                proto.write(b"DONE\r\n")
                await pending.future
        except TimeoutError as exc:
            self.close()
            raise UpstreamTimeout("IMAP server did not end IDLE", protocol="imap") from exc
        except (ConnectionError, OSError) as exc:
            self.close()
            raise UpstreamUnavailable(f"IMAP connection lost: {exc}", protocol="imap") from exc


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")[:500]


def _verb(parts: tuple[Arg, ...]) -> str:
    words = [p.decode("ascii", "replace") for p in parts[:2] if not isinstance(p, Literal)]
    return " ".join(w for w in words if w.isalpha())


def _rejected(parts: tuple[Arg, ...], result: Completion) -> ImapRejected:
    exc = ImapRejected(f"{_verb(parts)}: {result.status} {_text(result.text)}".strip(),
                       code="imap_rejected", protocol="imap")
    exc.response_code = response_code(result.text)
    return exc


def _copyuid(result: Completion) -> list[str] | None:
    texts = [result.text] + [u.text[3:] for u in result.untagged if u.kind == b"OK"]
    for text in texts:
        code = response_code(text)
        if code and code[0] == "COPYUID" and len(code) >= 4:
            return code[1:4]
    return None
