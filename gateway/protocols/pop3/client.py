"""An asyncio POP3 client: RFC 1939, CAPA/PIPELINING (RFC 2449), STLS (RFC 2595), AUTH (RFC 5034).

Why not poplib: it blocks, has no AUTH, and refuses lines over 2,048 bytes. This client
reads in large chunks, frames responses itself (``ResponseBuffer``, pure and unit-tested),
has no line-length limit in message data beyond a per-message size cap, puts an explicit
timeout on every network wait, and pipelines RETR/TOP/DELE when the server announces
PIPELINING. Server errors become the gateway's exceptions here, once.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ssl
from collections import deque
from collections.abc import AsyncIterator, Iterable

from ...errors import (
    InvalidInput,
    UpstreamError,
    UpstreamRejected,
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
from .framing import (
    DEFAULT_MAX_MESSAGE,
    PROTOCOL,
    FramingError,
    MessageTooLarge,
    Reply,
    ResponseBuffer,
    reply_error,
)

READ_CHUNK = 256 * 1024
_AUTH_LINE_LIMIT = 255  # RFC 5034 section 4: AUTH with its initial response, CRLF included
PIPELINE_WINDOW = 128  # commands in flight; each is ~10 bytes, far below any socket buffer


def _check_arg(value: str) -> str:
    if "\r" in value or "\n" in value or "\0" in value:
        raise InvalidInput("POP3 arguments must not contain CR, LF or NUL")
    return value


class Pop3Client:
    """One POP3 session. Build it with ``await Pop3Client.connect(...)``."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        host: str,
        timeout: float,
        max_message_bytes: int,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._host = host
        self.timeout = timeout
        self._buf = ResponseBuffer(max_body=max_message_bytes)
        self._pending: deque[tuple[str, int | None, bool]] = deque()
        self._out: list[bytes] = []
        self.capabilities: dict[str, list[str]] = {}
        self.greeting = ""
        self.closed = False

    # -- connection ---------------------------------------------------------------

    @classmethod
    async def connect(
        cls,
        host: str,
        port: int,
        *,
        security: str = "tls",
        ssl_context: ssl.SSLContext | None = None,
        connect_timeout: float = 10.0,
        command_timeout: float = 30.0,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE,
    ) -> Pop3Client:
        """Connect, read the greeting, ask CAPA and (``security="starttls"``) run STLS."""
        implicit = security == "tls"
        if security != "none" and ssl_context is None:
            ssl_context = ssl.create_default_context()
        try:
            async with asyncio.timeout(connect_timeout):
                reader, writer = await asyncio.open_connection(
                    host,
                    port,
                    ssl=ssl_context if implicit else None,
                    server_hostname=host if implicit else None,
                )
        except TimeoutError:
            raise UpstreamUnavailable(
                f"no connection to {host}:{port} within {connect_timeout:g} s", protocol=PROTOCOL
            ) from None
        except ssl.SSLError as exc:
            raise UpstreamUnavailable(
                f"TLS with {host}:{port} failed: {exc}", protocol=PROTOCOL
            ) from None
        except OSError as exc:
            raise UpstreamUnavailable(
                f"cannot connect to {host}:{port}: {exc}", protocol=PROTOCOL
            ) from None
        client = cls(
            reader, writer, host=host, timeout=command_timeout, max_message_bytes=max_message_bytes
        )
        try:
            client._pending.append(("greeting", None, False))
            greeting = await client._next()
            if not greeting.ok:
                refused = reply_error(greeting)
                if isinstance(refused, UpstreamUnavailable):  # a limit, or [SYS/TEMP]
                    raise refused
                raise UpstreamUnavailable(
                    f"server refused the session: {greeting.text}", protocol=PROTOCOL
                )
            client.greeting = greeting.text
            await client.capa()
            if security == "starttls":
                await client.stls(ssl_context)  # type: ignore[arg-type]
        except BaseException:
            client.abort()
            raise
        return client

    async def stls(self, ssl_context: ssl.SSLContext) -> None:
        """RFC 2595 section 4: upgrade to TLS, then forget and re-ask the capabilities."""
        if self.capabilities and "STLS" not in self.capabilities:
            # (A server without CAPA lists nothing: just try, its -ERR says the rest.)
            raise UpstreamRejected(
                "the server does not offer STLS (RFC 2595)", code="pop3_rejected", protocol=PROTOCOL
            )
        await self.command("STLS")
        if len(self._buf):
            raise UpstreamRejected(
                "the server sent data after STLS before the TLS handshake",
                code="pop3_rejected",
                protocol=PROTOCOL,
            )
        try:
            async with asyncio.timeout(self.timeout):
                await self._writer.start_tls(ssl_context, server_hostname=self._host)
        except TimeoutError:
            raise UpstreamTimeout("TLS handshake timed out", protocol=PROTOCOL) from None
        except (ssl.SSLError, OSError) as exc:
            raise UpstreamUnavailable(f"TLS handshake failed: {exc}", protocol=PROTOCOL) from None
        self.capabilities = {}
        await self.capa()

    @property
    def pipelining(self) -> bool:
        return "PIPELINING" in self.capabilities

    def abort(self) -> None:
        """Drop the connection without QUIT: RFC 1939 section 6, the server deletes nothing."""
        if self.closed:
            return
        self.closed = True
        self._pending.clear()
        with contextlib.suppress(Exception):
            self._writer.transport.abort()

    async def quit(self) -> None:
        """Read every pending reply, then QUIT: this commits the DELEs (UPDATE state)."""
        try:
            await self.sync()
            await self.command("QUIT")
        finally:
            self.abort()

    # -- wire ---------------------------------------------------------------------

    def _write(
        self,
        verb: str,
        *args: str | int,
        arg: int | None = None,
        multiline: bool = False,
        raw: str | None = None,
    ) -> None:
        if self.closed:
            raise UpstreamUnavailable("the POP3 session is closed", protocol=PROTOCOL)
        line = raw if raw is not None else " ".join([verb, *(_check_arg(str(a)) for a in args)])
        # Buffered: pipelined commands leave in one segment (flushed by _drain or _fill).
        self._out.append(line.encode("utf-8") + b"\r\n")
        self._pending.append((verb, arg, multiline))

    def _flush(self) -> None:
        if self._out:
            data = b"".join(self._out)
            self._out.clear()
            self._writer.write(data)

    async def _drain(self) -> None:
        self._flush()
        try:
            async with asyncio.timeout(self.timeout):
                await self._writer.drain()
        except TimeoutError:
            self.abort()
            raise UpstreamTimeout("the POP3 server stopped reading", protocol=PROTOCOL) from None
        except OSError as exc:
            self.abort()
            raise UpstreamUnavailable(f"connection lost: {exc}", protocol=PROTOCOL) from None

    async def _fill(self) -> None:
        self._flush()  # never wait for a reply to a command still in our buffer
        try:
            async with asyncio.timeout(self.timeout):
                data = await self._reader.read(READ_CHUNK)
        except TimeoutError:
            self.abort()
            raise UpstreamTimeout(
                f"no answer from the POP3 server within {self.timeout:g} s", protocol=PROTOCOL
            ) from None
        except (OSError, ssl.SSLError) as exc:
            self.abort()
            raise UpstreamUnavailable(f"connection lost: {exc}", protocol=PROTOCOL) from None
        if not data:
            self.abort()
            raise UpstreamUnavailable("the POP3 server closed the connection", protocol=PROTOCOL)
        self._buf.feed(data)

    async def _next(self) -> Reply:
        """Read the reply to the oldest pending command (replies come in order)."""
        verb, arg, multiline = self._pending[0]
        try:
            while (line := self._buf.pop_line()) is None:
                await self._fill()
            cont = False
            if line.startswith(b"+OK"):
                ok, text = True, line[3:]
            elif line.startswith(b"-ERR"):
                ok, text = False, line[4:]
            elif verb == "AUTH" and line.startswith(b"+"):
                ok, cont, text = True, True, line[1:]  # a SASL challenge (RFC 5034 section 4)
            else:
                raise FramingError(f"unexpected reply to {verb}: {line[:80]!r}")
            body = None
            if ok and multiline:
                while (body := self._buf.pop_body()) is None:
                    await self._fill()
        except MessageTooLarge as exc:
            self.abort()
            raise UpstreamError(
                f"{verb} {arg}: {exc} (pop3_max_message_bytes)",
                code="pop3_message_too_large",
                protocol=PROTOCOL,
            ) from None
        except FramingError as exc:
            self.abort()
            raise UpstreamError(
                f"POP3 protocol error: {exc}", code="pop3_protocol_error", protocol=PROTOCOL
            ) from None
        self._pending.popleft()
        return Reply(verb, arg, ok, text.decode("utf-8", "replace").strip(), body, cont)

    async def command(
        self, verb: str, *args: str | int, multiline: bool = False, arg: int | None = None
    ) -> Reply:
        """Send one command and wait for its reply (after the pending ones); raise on -ERR."""
        self._write(verb, *args, arg=arg, multiline=multiline)
        await self._drain()
        await self.sync(upto=1)
        reply = await self._next()
        if not reply.ok:
            raise reply_error(reply)
        return reply

    async def sync(self, *, upto: int = 0) -> None:
        """Read replies until ``upto`` remain pending; an -ERR among them raises."""
        while len(self._pending) > upto:
            reply = await self._next()
            if not reply.ok:
                raise reply_error(reply)

    # -- RFC 2449 / 2595 / 5034 -------------------------------------------------------

    async def capa(self) -> dict[str, list[str]]:
        """RFC 2449 CAPA; a server without it (``-ERR``) has no capabilities."""
        self._write("CAPA", multiline=True)
        await self._drain()
        reply = await self._next()
        caps: dict[str, list[str]] = {}
        if reply.ok and reply.body:
            for line in reply.body.decode("utf-8", "replace").splitlines():
                parts = line.split()
                if parts:
                    caps[parts[0].upper()] = parts[1:]
        self.capabilities = caps
        return caps

    async def login(self, username: str, password: str) -> None:
        """AUTH PLAIN (RFC 5034, RFC 4616) when offered, else USER/PASS (RFC 1939 section 7)."""
        _check_arg(username)
        _check_arg(password)
        mechanisms = [m.upper() for m in self.capabilities.get("SASL", [])]
        if "PLAIN" in mechanisms:
            token = base64.b64encode(f"\0{username}\0{password}".encode()).decode()
            await self._auth("PLAIN", token)
        elif "LOGIN" in mechanisms and "USER" not in self.capabilities:
            await self.auth_login(username, password)
        else:
            await self.command("USER", username)
            await self.command("PASS", password)

    async def auth_login(self, username: str, password: str) -> None:
        """AUTH LOGIN: the user name and password answer two base64 challenges."""
        reply = await self.command("AUTH", "LOGIN")
        for value in (username, password):
            if not reply.cont:
                break
            reply = await self._sasl_answer(base64.b64encode(value.encode()).decode())
        if reply.cont:
            await self._sasl_cancel()

    async def auth_oauth2(
        self,
        username: str,
        access_token: str,
        *,
        mechanism: MechanismChoice = "auto",
        host: str | None = None,
        port: int | None = None,
    ) -> None:
        """AUTH OAUTHBEARER or XOAUTH2 (RFC 5034, RFC 7628; ``gateway.protocols.sasl``).

        The initial response goes on the AUTH line when the line fits in 255 octets (RFC
        5034 section 4), else after the server's empty challenge. A failure challenge is
        read (its status and scope go into the error), answered as the mechanism wants,
        and the final ``-ERR`` raises ``UpstreamAuthFailed`` (``[SYS/TEMP]``:
        ``UpstreamUnavailable``).
        """
        mech = choose_mechanism(self.capabilities.get("SASL", []), mechanism)
        initial = encoded_initial_response(mech, username, access_token, host=host, port=port)
        with_initial = len(f"AUTH {mech} {initial}\r\n") <= _AUTH_LINE_LIMIT
        reply = await self._sasl_step(f"AUTH {mech} {initial}" if with_initial else f"AUTH {mech}")
        if reply.cont and not with_initial:
            reply = await self._sasl_step(initial)
        challenge = None
        if reply.cont:
            challenge = parse_challenge(reply.text)
            reply = await self._sasl_step(abort_response(mech))
            if reply.cont:  # challenged again: cancel (RFC 5034 section 4)
                reply = await self._sasl_step("*")
        if not reply.ok:
            error = reply_error(reply)
            if isinstance(error, UpstreamUnavailable):  # [SYS/TEMP]: not the token's fault
                raise error
            raise auth_failure(PROTOCOL, mech, f"-ERR {reply.text}", challenge, access_token)

    async def _sasl_step(self, line: str) -> Reply:
        """One SASL line (a command or a response) and the server's answer, unchecked."""
        self._write("AUTH", raw=line)
        await self._drain()
        return await self._next()

    async def _auth(self, mechanism: str, initial: str) -> None:
        # RFC 5034 section 4: the initial response goes on the AUTH line.
        reply = await self.command("AUTH", mechanism, initial)
        if reply.cont:
            # A challenge after a complete initial response (XOAUTH2 error details):
            # cancel the exchange, which the server answers with -ERR.
            await self._sasl_cancel()

    async def _sasl_answer(self, line: str) -> Reply:
        self._write("AUTH", raw=line)
        await self._drain()
        reply = await self._next()
        if not reply.ok:
            raise reply_error(reply)
        return reply

    async def _sasl_cancel(self) -> None:
        self._write("AUTH", raw="*")
        await self._drain()
        final = await self._next()
        raise reply_error(Reply("AUTH", None, False, final.text))

    # -- RFC 1939 commands -------------------------------------------------------------

    async def stat(self) -> tuple[int, int]:
        """STAT: (message count, maildrop size in octets)."""
        reply = await self.command("STAT")
        count, size = reply.text.split()[:2]
        return int(count), int(size)

    async def list(self) -> list[tuple[int, int]]:
        """LIST: (number, size) of every message not marked deleted."""
        reply = await self.command("LIST", multiline=True)
        return [(int(a), int(b)) for a, b, *_ in _rows(reply.body)]

    async def uidl(self) -> list[tuple[int, str]]:
        """UIDL: (number, unique id) of every message not marked deleted."""
        reply = await self.command("UIDL", multiline=True)
        return [(int(a), b) for a, b, *_ in _rows(reply.body)]

    async def scan(self) -> list[tuple[int, str, int]]:
        """(number, UIDL, size) of every message: UIDL and LIST in one round trip if allowed."""
        if not self.pipelining:
            sizes = dict(await self.list())
            return [(n, u, sizes.get(n, 0)) for n, u in await self.uidl()]
        self._write("UIDL", multiline=True)
        self._write("LIST", multiline=True)
        await self._drain()
        await self.sync(upto=2)
        replies = [await self._next(), await self._next()]
        for reply in replies:
            if not reply.ok:
                raise reply_error(reply)
        uidls = [(int(a), b) for a, b, *_ in _rows(replies[0].body)]
        sizes = {int(a): int(b) for a, b, *_ in _rows(replies[1].body)}
        return [(n, u, sizes.get(n, 0)) for n, u in uidls]

    async def retr(self, number: int) -> bytes:
        return (await self.command("RETR", number, multiline=True, arg=number)).body or b""

    async def top(self, number: int, lines: int = 0) -> bytes:
        return (await self.command("TOP", number, lines, multiline=True, arg=number)).body or b""

    async def dele(self, number: int) -> None:
        """DELE; pipelined (its reply is checked later) when the server allows it."""
        if self.pipelining and self._pending:
            self._write("DELE", number, arg=number)
            return
        await self.command("DELE", number, arg=number)

    async def rset(self) -> None:
        await self.command("RSET")

    async def noop(self) -> None:
        await self.command("NOOP")

    async def retrieve_many(
        self, numbers: Iterable[int], *, top_lines: int | None = None, window: int | None = None
    ) -> AsyncIterator[tuple[int, bytes]]:
        """Yield ``(number, message)`` for each number, in order, pipelining RETR (or TOP).

        With PIPELINING (RFC 2449 section 6.6) up to ``window`` RETR/TOP are in flight;
        without it one at a time. DELEs the consumer issues between items travel in the
        same pipe; they do not count against the window, and the loop ends only when
        every number was asked for and answered (not when the pipe happens to be empty).
        """
        if window is None:
            window = PIPELINE_WINDOW if self.pipelining else 1
        todo = iter(numbers)
        exhausted = False
        in_flight = 0  # RETR/TOP sent and not yet answered

        def fill() -> None:
            nonlocal exhausted, in_flight
            if in_flight > window // 2:
                return  # refill in batches: fewer, larger writes
            while not exhausted and in_flight < window:
                number = next(todo, None)
                if number is None:
                    exhausted = True
                    return
                if top_lines is None:
                    self._write("RETR", number, arg=number, multiline=True)
                else:
                    self._write("TOP", number, top_lines, arg=number, multiline=True)
                in_flight += 1

        fill()
        await self._drain()
        while in_flight:
            reply = await self._next()  # the oldest pending reply: a RETR/TOP or a DELE
            if not reply.ok:
                raise reply_error(reply)
            if reply.verb in ("RETR", "TOP"):
                in_flight -= 1
                yield reply.arg, reply.body or b""  # type: ignore[misc]
            fill()
            await self._drain()


def _rows(body: bytes | None) -> list[list[str]]:
    if not body:
        return []
    return [line.split() for line in body.decode("utf-8", "replace").splitlines() if line.strip()]
