"""An IMAP connection: connect (TLS, STARTTLS, plain), authenticate, run commands.

Every network call has a timeout. A timeout or a dropped socket closes the
connection (its state is unknown afterwards) and raises ``UpstreamTimeout`` /
``UpstreamUnavailable``; a tagged NO/BAD raises ``ImapRejected`` with the
server's text. Nothing here knows HTTP or the store. The verbs on a selected
mailbox live in ``session``.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aioimaplib
from imapclient.exceptions import ProtocolError

from ...errors import (
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamRejected,
    UpstreamThrottled,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from ..sasl import (
    MechanismChoice,
    abort_response,
    auth_failure,
    choose_mechanism,
    encoded_initial_response,
    parse_challenge,
)
from ..throttling import imap_throttle
from .encoding import Arg, Literal, astring, decode_mailbox
from .parsing import parse_capabilities, response_code
from .wire import Completion, ImapWireProtocol, Pending, Untagged

__all__ = ["ImapConnection", "ImapRejected", "SelectedMailbox"]

# RFC 5530 response codes that blame the request, not the server.
_INPUT_CODES = frozenset({"CANNOT", "CLIENTBUG", "LIMIT", "TOOBIG", "BADCHARSET", "PARSE"})
_TIMING = re.compile(r" *\([0-9.+ ]+ secs\)\.?\Z")  # Dovecot appends "(0.001 + 0.000 secs)."

# The connection's state (RFC 3501 section 3) is aioimaplib's: its protocol object holds
# it (``ImapWireProtocol.state``, aioimaplib's constants) and its command table
# (``aioimaplib.Commands``) says which states allow a command. A command the state does
# not allow is answered here as the server would answer it (BAD), without a round trip.
# The state a tagged OK leads to:
_STATE_AFTER_OK = {
    b"LOGIN": aioimaplib.AUTH,
    b"AUTHENTICATE": aioimaplib.AUTH,
    b"SELECT": aioimaplib.SELECTED,
    b"EXAMINE": aioimaplib.SELECTED,
    b"UNSELECT": aioimaplib.AUTH,
    b"CLOSE": aioimaplib.AUTH,
    b"LOGOUT": aioimaplib.LOGOUT,
}
# RFC 5465 section 5: what NOTIFY sends about mailboxes other than the selected one (STATUS
# for new, expunged and re-flagged messages, LIST for created, deleted, renamed mailboxes);
# unsolicited unless the command itself asked for them.
NOTIFY_KINDS = frozenset({b"STATUS", b"LIST"})
_ASKS_STATUS = frozenset({b"STATUS", b"LIST", b"LSUB", b"NOTIFY"})
# RFC 3501 section 6.3.1: a SELECT or EXAMINE that fails leaves no mailbox selected.
_STATE_AFTER_FAILURE = {b"SELECT": aioimaplib.AUTH, b"EXAMINE": aioimaplib.AUTH}


class ImapRejected(UpstreamRejected):
    """A tagged NO or BAD; ``response_code`` holds e.g. ``["NONEXISTENT"]``, ``status`` the
    ``NO``/``BAD`` and ``reason`` the server's words (without anything the command sent)."""

    response_code: list[str] | None = None
    status: str = "NO"
    reason: str = ""

    @property
    def refuses_input(self) -> bool:
        """BAD (RFC 3501 section 7.1.3: the command or an argument is not acceptable) or an
        RFC 5530 code saying the request itself cannot be done: the client's mistake, not a
        failure of the server (e.g. Dovecot's ``NO [CANNOT] Keyword length too long``)."""
        code = self.response_code[0] if self.response_code else ""
        return self.status == "BAD" or code in _INPUT_CODES


@dataclass
class SelectedMailbox:
    name: str
    uidvalidity: int
    uidnext: int | None
    exists: int
    readonly: bool
    highestmodseq: int | None = None
    flags: list[str] = field(default_factory=list)
    # ``ImapSession.status_now``: (items, the connection's ``news`` after the NOOP before the
    # STATUS, the STATUS values).
    status_seen: tuple[tuple[str, ...], int, dict[str, int]] | None = None


class ImapConnection:
    """A connection to an IMAP server; log in with ``login`` after ``connect``.

    ``async with`` connects (TLS, STARTTLS or plain) and logs out on exit.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        security: str = "tls",
        ssl_context: ssl.SSLContext | None = None,
        connect_timeout: float = 10.0,
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
        self.condstore_enabled = False  # ``ImapSession.enable_condstore`` ran on it
        # NOTIFY (RFC 5465) is set: the server reports other mailboxes' changes by itself.
        self.notify_active = False
        # Such a report (an unsolicited STATUS or LIST) came with a command's responses:
        # its reader (the watcher) looks at the mailboxes again and clears this.
        self.notified = False
        self.closed_reason: str | None = None
        self._proto: ImapWireProtocol | None = None
        self._tagnum = 0
        self._lock = asyncio.Lock()
        self._closed = False

    # -- lifecycle -----------------------------------------------------------------------------

    async def __aenter__(self) -> ImapConnection:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.logout()

    @property
    def alive(self) -> bool:
        proto = self._proto
        return (
            not self._closed
            and proto is not None
            and proto.lost is None
            and proto.transport is not None
            and not proto.transport.is_closing()
        )

    @property
    def pushed(self) -> asyncio.Queue[Untagged]:
        """Untagged responses that came outside a command (or during IDLE)."""
        assert self._proto is not None
        return self._proto.pushed

    @property
    def news(self) -> int:
        """How many untagged responses so far could report a change of the selected mailbox
        (EXISTS, EXPUNGE, FETCH, VANISHED, or a complaint), with any command or in IDLE."""
        return self._proto.news if self._proto is not None else 0

    def has(self, capability: str) -> bool:
        return capability.upper() in self.capabilities

    @property
    def state(self) -> str:
        """aioimaplib's name of the connection state: ``NONAUTH``, ``AUTH``, ``SELECTED``,
        ``LOGOUT`` (``STARTED`` before a connection, ``CONNECTED`` before the greeting)."""
        return self._proto.state if self._proto is not None else aioimaplib.STARTED

    async def connect(self) -> None:
        """Open the connection, read the greeting, upgrade with STARTTLS if asked."""
        loop = asyncio.get_running_loop()
        tls = self.security == "tls"
        context = self.ssl_context or ssl.create_default_context()
        try:
            async with asyncio.timeout(self.connect_timeout):
                proto = ImapWireProtocol(loop)
                await loop.create_connection(
                    lambda: proto.shim,
                    self.host,
                    self.port,
                    ssl=context if tls else None,
                    server_hostname=self.host if tls else None,
                )
                self._proto = proto
                greeting = await proto.greeting
                if greeting.kind == b"BYE":
                    raise _slow_down(_text(greeting.text)) or UpstreamUnavailable(
                        _text(greeting.text), protocol="imap"
                    )
                # RFC 3501 section 7.1.4: PREAUTH means already authenticated.
                proto.state = aioimaplib.AUTH if greeting.kind == b"PREAUTH" else aioimaplib.NONAUTH
                if self.security == "starttls":
                    await self._starttls(loop, context)
                caps = parse_capabilities([greeting])
                if caps is None or self.security == "starttls":
                    caps = await self.capability()
                self.capabilities = frozenset(caps)
        except TimeoutError as exc:
            self.close()
            raise UpstreamTimeout(
                f"no IMAP greeting from {self.host}:{self.port} within {self.connect_timeout:g} s",
                protocol="imap",
            ) from exc
        except ssl.SSLError as exc:
            self.close()
            raise UpstreamUnavailable(
                f"TLS with {self.host}:{self.port} failed: {exc}", protocol="imap"
            ) from exc
        except OSError as exc:
            self.close()
            raise UpstreamUnavailable(
                f"cannot connect to {self.host}:{self.port}: {exc}", protocol="imap"
            ) from exc
        except BaseException:
            self.close()
            raise

    async def _starttls(self, loop: asyncio.AbstractEventLoop, context: ssl.SSLContext) -> None:
        # RFC 3501 section 6.2.1; aioimaplib has no STARTTLS, so the transport is upgraded here.
        await self._run(b"STARTTLS")
        proto = self._proto
        assert proto is not None and proto.transport is not None
        proto.transport = await loop.start_tls(
            proto.transport, proto.shim, context, server_hostname=self.host
        )

    def hold_reading(self) -> None:
        """Leave the response in flight in the socket buffers for now, to give way to
        other work (after a minimum of progress: ``wire.MIN_PROGRESS``)."""
        if self._proto is not None:
            self._proto.hold()

    def release_reading(self) -> None:
        """Read again after ``hold_reading``."""
        if self._proto is not None:
            self._proto.release()

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

    @contextlib.asynccontextmanager
    async def _awaiting(self, what: str, limit: float) -> AsyncIterator[None]:
        """Bound a wait for the server by ``limit`` and map its failures, closing the
        connection whenever a response may still be in flight."""
        try:
            async with asyncio.timeout(limit):
                yield
        except TimeoutError as exc:
            self.close()
            raise UpstreamTimeout(
                f"IMAP server did not answer {what}within {limit:g} s", protocol="imap"
            ) from exc
        except (ConnectionError, OSError) as exc:
            self.close()
            raise UpstreamUnavailable(f"IMAP connection lost: {exc}", protocol="imap") from exc
        except asyncio.CancelledError:
            # The response is still coming; the connection cannot be reused safely.
            self.close("cancelled")
            raise

    async def _run(
        self, *parts: Arg, time_limit: float | None = None, check: bool = True, idle: bool = False
    ) -> Completion:
        """Send one command and wait for its tagged response."""
        proto = self._proto
        if proto is None or not self.alive and parts[0] != b"LOGOUT":
            raise UpstreamUnavailable("IMAP connection is closed", protocol="imap")
        async with self._lock:
            refused = _not_in_state(proto.state, parts[0])
            if refused is not None:
                if check:
                    raise _rejected(parts, refused)
                return refused
            self._tagnum += 1
            tag = b"G%d" % self._tagnum
            pending = proto.pending = Pending(tag, asyncio.get_running_loop(), idle=idle)
            async with self._awaiting(f"{_verb(parts)} ", time_limit or self.command_timeout):
                await self._send(proto, tag, parts, pending)
                if idle:
                    return Completion("+", await pending.continuation, [])
                result = await pending.future
            after = (_STATE_AFTER_OK if result.status == "OK" else _STATE_AFTER_FAILURE).get(
                parts[0]
            )
            if after is not None:
                proto.state = after
        self.last_used = time.monotonic()
        self._track_selected(result)
        if (
            self.notify_active
            and parts[0] not in _ASKS_STATUS
            and any(u.kind in NOTIFY_KINDS for u in result.untagged)
        ):
            self.notified = True
        if check and result.status != "OK":
            raise _rejected(parts, result)
        return result

    async def _pipelined(
        self, first: tuple[bytes, ...], second: tuple[bytes, ...]
    ) -> tuple[Completion, Completion, int]:
        """Two commands of atoms in one write (RFC 3501 section 5.5). Returns both
        completions and how many of the shared untagged responses came before the
        first one completed."""
        proto = self._proto
        if proto is None or not self.alive:
            raise UpstreamUnavailable("IMAP connection is closed", protocol="imap")
        async with self._lock:
            for parts in (first, second):
                refused = _not_in_state(proto.state, parts[0])
                if refused is not None:
                    raise _rejected(parts, refused)
            tag1 = b"G%d" % (self._tagnum + 1)
            tag2 = b"G%d" % (self._tagnum + 2)
            self._tagnum += 2
            pending = proto.pending = Pending(tag2, asyncio.get_running_loop(), earlier=(tag1,))
            async with self._awaiting("", self.command_timeout):
                proto.write(
                    tag1
                    + b" "
                    + b" ".join(first)
                    + b"\r\n"
                    + tag2
                    + b" "
                    + b" ".join(second)
                    + b"\r\n"
                )
                result2 = await pending.future
        self.last_used = time.monotonic()
        self._track_selected(result2)
        done = pending.earlier[tag1]
        if done is None:  # answered out of order: not IMAP
            self.close()
            raise UpstreamError(
                "IMAP server answered pipelined commands out of order",
                code="imap_protocol_error",
                protocol="imap",
            )
        result1, count = done
        result1 = Completion(result1.status, result1.text, result2.untagged[:count])
        for parts, result in ((first, result1), (second, result2)):
            if result.status != "OK":
                raise _rejected(parts, result)
        return result1, result2, count

    def _track_selected(self, result: Completion) -> None:
        selected = self.selected
        if selected is not None:
            for untagged in result.untagged:  # RFC 3501 sections 7.3.1 and 7.4.1
                if untagged.kind == b"EXISTS" and untagged.number is not None:
                    selected.exists = untagged.number
                elif untagged.kind == b"EXPUNGE":
                    selected.exists = max(0, selected.exists - 1)

    async def _send(
        self, proto: ImapWireProtocol, tag: bytes, parts: tuple[Arg, ...], pending: Pending
    ) -> None:
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
                done, _ = await asyncio.wait(
                    {cont, pending.future}, return_when=asyncio.FIRST_COMPLETED
                )
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
        except ImapRejected as exc:
            # "NO [UNAVAILABLE] Maximum number of connections ...": not the password's fault.
            raise _slow_down(f"LOGIN: {exc.status} {exc.reason}", exc.reason) or UpstreamAuthFailed(
                exc.detail, protocol="imap"
            ) from None
        await self._after_auth(result)

    async def authenticate_oauth2(
        self, username: str, access_token: str, *, mechanism: MechanismChoice = "auto"
    ) -> None:
        """AUTHENTICATE OAUTHBEARER or XOAUTH2 (RFC 3501 section 6.2.2, RFC 7628; see
        ``gateway.protocols.sasl``), the initial response on the command line when the
        server offers SASL-IR (RFC 4959), else after its empty continuation.

        A failure challenge is read (its status and scope go into the error) and answered
        as the mechanism wants; the tagged NO then raises ``UpstreamAuthFailed``
        (``NO [UNAVAILABLE]``, the server could not check the token now, or a connection
        limit or throttling reply: ``UpstreamThrottled``, the token is not to blame).
        """
        offered = [cap[5:] for cap in self.capabilities if cap.startswith("AUTH=")]
        mech = choose_mechanism(offered, mechanism)
        initial = encoded_initial_response(
            mech, username, access_token, host=self.host, port=self.port
        ).encode("ascii")
        proto = self._proto
        if proto is None or not self.alive:
            raise UpstreamUnavailable("IMAP connection is closed", protocol="imap")
        challenge = None
        async with self._lock:
            refused = _not_in_state(proto.state, b"AUTHENTICATE")
            if refused is not None:
                raise _rejected((b"AUTHENTICATE",), refused)
            self._tagnum += 1
            tag = b"G%d" % self._tagnum
            pending = proto.pending = Pending(tag, asyncio.get_running_loop())
            command = tag + b" AUTHENTICATE " + mech.encode("ascii")
            async with self._awaiting("AUTHENTICATE ", self.command_timeout):
                if self.has("SASL-IR"):
                    proto.write(command + b" " + initial + b"\r\n")
                else:
                    proto.write(command + b"\r\n")
                    if await _continuation(pending) is not None:
                        proto.write(initial + b"\r\n")
                data = await _continuation(pending)
                if data is not None:
                    challenge = parse_challenge(data)
                    proto.write(abort_response(mech).encode("ascii") + b"\r\n")
                    if await _continuation(pending) is not None:
                        proto.write(b"*\r\n")  # challenged again: cancel (section 6.2.2)
                result = await pending.future
            if result.status == "OK":
                proto.state = aioimaplib.AUTH
        self.last_used = time.monotonic()
        if result.status != "OK":
            text = _TIMING.sub("", _text(result.text))
            reply = f"{result.status} {text}"
            slow = _slow_down(f"AUTHENTICATE {mech}: {reply}", text)
            if slow is not None:
                raise slow
            raise auth_failure("imap", mech, reply, challenge, access_token)
        await self._after_auth(result)

    async def _after_auth(self, result: Completion) -> None:
        caps = parse_capabilities(result.untagged, result.text)
        if caps is None or "IMAP4REV1" not in caps:
            caps = await self.capability()
        self.capabilities = frozenset(caps)

    async def noop(self) -> list[Untagged]:
        return (await self._run(b"NOOP")).untagged

    def _parsed(self, parser: Any, untagged: list[Untagged]) -> Any:
        try:
            return parser(untagged)
        except (ProtocolError, ValueError, IndexError, TypeError) as exc:
            # The exception's text may quote the server's data (message content): name it only.
            raise UpstreamError(
                f"malformed IMAP response ({type(exc).__name__})",
                code="imap_protocol_error",
                protocol="imap",
            ) from None

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


async def _continuation(pending: Pending) -> bytes | None:
    """The next continuation's text ("+ ..."), or None when the command completed instead."""
    cont = pending.continuation
    await asyncio.wait((cont, pending.future), return_when=asyncio.FIRST_COMPLETED)
    if not cont.done():
        return None
    pending.continuation = asyncio.get_running_loop().create_future()
    return cont.result().strip()


def _not_in_state(state: str, verb: Arg) -> Completion | None:
    """The BAD a server gives a command its state does not allow (by aioimaplib's command
    table; a command the table does not know is left to the server), or None."""
    command = aioimaplib.Commands.get(verb.decode("ascii", "replace").upper())
    if command is None or state in command.valid_states:
        return None
    return Completion(
        "BAD", b"not valid in the %s state (RFC 3501 section 3)" % state.encode("ascii"), []
    )


def _slow_down(detail: str, text: str | None = None) -> UpstreamThrottled | None:
    """The error for a refused connection or login that asks to slow down (``text``, the
    server's words, defaults to ``detail``), or None (``gateway.protocols.throttling``)."""
    throttle = imap_throttle(detail if text is None else text)
    if throttle is None:
        return None
    wait = max(1, round(throttle.retry_after)) if throttle.retry_after else 5
    return UpstreamThrottled(detail, kind=throttle.kind, protocol="imap", retry_after=wait)


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")[:500]


def _verb(parts: tuple[Arg, ...]) -> str:
    words = [p.decode("ascii", "replace") for p in parts[:2] if not isinstance(p, Literal)]
    return " ".join(w for w in words if w.isalpha())


def _rejected(parts: tuple[Arg, ...], result: Completion) -> ImapRejected:
    # Cut the command's strings out before shortening: a cut name could not be found.
    text = result.text[:4096].decode("utf-8", "replace")
    reason = _without_arguments(_TIMING.sub("", text), parts)[:500]
    exc = ImapRejected(
        f"{_verb(parts)}: {result.status} {reason}".strip(), code="imap_rejected", protocol="imap"
    )
    exc.response_code = response_code(result.text)
    exc.status = result.status.upper()
    exc.reason = reason
    return exc


def _without_arguments(text: str, parts: tuple[Arg, ...]) -> str:
    """The server's text with every string or flag the command sent (a mailbox name, a
    keyword, a search string: the caller's input) cut out, so no error echoes them. The
    command's own atoms (``UID``, ``+FLAGS``, numbers) are kept."""
    forms: set[str] = set()
    for part in parts[1:]:
        if len(part) > 1024:
            continue  # a message being appended: servers do not quote it
        value = part.decode("utf-8", "replace")
        if isinstance(part, Literal):
            forms.add(value)
        elif value[:1] == '"' == value[-1:]:
            forms.add(value[1:-1].replace('\\"', '"').replace("\\\\", "\\"))
        elif value[:1] == "(" and value[-1:] == ")":
            forms.update(value[1:-1].split())
    forms |= {decode_mailbox(f) for f in forms}
    forms |= {f.strip() for f in forms}  # servers may drop surrounding white space
    # Servers may change case, and Unicode case mapping can change length ("ß" -> "SS"),
    # which a case-insensitive match of the original does not catch.
    forms |= {f.upper() for f in forms} | {f.casefold() for f in forms}
    for form in sorted(forms, key=len, reverse=True):
        if len(form) >= 3:  # shorter ones say nothing, and would garble the server's words
            text = re.sub(re.escape(form), "[...]", text, flags=re.IGNORECASE)
    return text
