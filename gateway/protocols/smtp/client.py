"""SMTP submission over aiosmtplib: one session as an async context manager.

Every library error leaves this module translated into the gateway's tree
(``smtp_errors.py``: 5xx -> UpstreamRejected, 4xx -> UpstreamTransient, 421 or a dropped
socket -> UpstreamUnavailable, 535 -> UpstreamAuthFailed, no answer -> UpstreamTimeout).

The mail transaction (RFC 5321 §3.3) is driven here instead of with ``sendmail``, so
that each recipient gets its own result, the caller can run a hook between the message
content and the final ``.`` (the outbox records "end of data sent" there, see
``gateway.outbox.worker``), and servers that offer PIPELINING get MAIL, RCPT and DATA in
one write (RFC 2920, ``smtp_pipeline.py``): two round trips per message instead of four.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import cast

import aiosmtplib
from aiosmtplib.errors import (
    SMTPException,
    SMTPResponseException,
    SMTPServerDisconnected,
    SMTPTimeoutError,
)

from ...errors import (
    GatewayError,
    PayloadTooLarge,
    UpstreamAuthFailed,
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
from .errors import (
    RecipientResult,
    RecipientsRefused,
    is_retryable,
    reply_error,
    translate,
)
from .pipeline import ReplyReader
from .replies import classify, describe

__all__ = [
    "RecipientResult",
    "RecipientsRefused",
    "SendResult",
    "SmtpSession",
    "SmtpTarget",
    "is_retryable",
    "reply_error",
    "translate",
]

_AUTH_LINE_LIMIT = 12_288  # RFC 4954 section 4: the AUTH command line, CRLF included
_LINE_END = re.compile(rb"\r\n|\r|\n")
_LEADING_DOT = re.compile(rb"(?m)^\.")


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to submit: server, security, credentials and timeouts."""

    host: str
    port: int
    security: str  # "tls" | "starttls" | "none"
    username: str | None = None
    password: str | None = None
    oauth2_token: str | None = None
    oauth2_mechanism: MechanismChoice = "auto"
    ssl_context: ssl.SSLContext | None = None
    connect_timeout: float = 10.0
    command_timeout: float = 30.0
    local_hostname: str = "localhost"


@dataclass
class SendResult:
    """The server's verdict on one message."""

    accepted: list[str]
    rejected: list[RecipientResult]
    code: int
    message: str
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def response(self) -> str:
        return describe(self.code, self.message)


def _end_of_data_wait(wait: float, message: bytes) -> float:
    """The reply to "." comes after the whole content has gone out: allow for its transfer
    at 50 kB/s at least (RFC 5321 §4.5.3.2.6 suggests up to 10 minutes)."""
    return min(600.0, wait + len(message) / 50_000)


def _stuffed(message: bytes) -> bytes:
    """CRLF line endings, and RFC 5321 §4.5.2 dot-stuffing: a line starting with "." gets
    one more."""
    lf = message.count(b"\n")
    if (
        lf == message.count(b"\r\n") == message.count(b"\r")
        and b"\n." not in message
        and not message.startswith(b".")
        and message.endswith(b"\r\n")
    ):
        return message  # the usual case (built here, or normalised): nothing to change
    body = _LEADING_DOT.sub(b"..", _LINE_END.sub(b"\r\n", message))
    return body if body.endswith(b"\r\n") else body + b"\r\n"


async def _authenticate_oauth2(smtp: aiosmtplib.SMTP, t: SmtpTarget, token: str) -> None:
    """AUTH OAUTHBEARER or XOAUTH2 (RFC 4954, RFC 7628; ``gateway.protocols.sasl``).

    aiosmtplib's ``auth_xoauth2`` drops the server's failure challenge and has no
    OAUTHBEARER, so the exchange runs here over its public ``execute_command``. The
    initial response goes on the AUTH line while the line fits in 12,288 octets (RFC 4954
    section 4), else after the server's empty 334. A failure challenge is read (status and
    scope go into the error) and answered as the mechanism wants; a final 5xx raises
    ``UpstreamAuthFailed``, a 4xx (the server could not check the token) its transient error.
    """
    mech = choose_mechanism(smtp.server_auth_methods, t.oauth2_mechanism)
    initial = encoded_initial_response(mech, t.username or "", token, host=t.host, port=t.port)
    wait = t.command_timeout
    if len(f"AUTH {mech} {initial}\r\n") <= _AUTH_LINE_LIMIT:
        reply = await smtp.execute_command(b"AUTH", mech.encode(), initial.encode(), timeout=wait)
    else:
        reply = await smtp.execute_command(b"AUTH", mech.encode(), timeout=wait)
        if reply.code == 334:
            reply = await smtp.execute_command(initial.encode(), timeout=wait)
    challenge = None
    if reply.code == 334:
        challenge = parse_challenge(reply.message)
        reply = await smtp.execute_command(abort_response(mech).encode(), timeout=wait)
        if reply.code == 334:  # challenged again: cancel (RFC 4954 section 4)
            reply = await smtp.execute_command(b"*", timeout=wait)
    if reply.code == 235:
        return
    if reply.code < 500:
        raise reply_error(reply.code, reply.message, stage="AUTH")
    raise auth_failure("smtp", mech, describe(reply.code, reply.message), challenge, token)


@contextlib.contextmanager
def _replies_taken_over(smtp: aiosmtplib.SMTP) -> Iterator[tuple[asyncio.Transport, ReplyReader]]:
    """The connection's transport, its replies read by a ``ReplyReader`` until the block
    ends; then aiosmtplib's protocol gets the transport back (unless the connection was
    lost: the reader has told it already). aiosmtplib reads only replies it waits for
    and cannot interleave content, a caller's hook and several replies; this needs
    nothing of it but ``SMTP.protocol`` and ``SMTPProtocol.transport`` (pinned in
    tests/test_library_contracts.py)."""
    protocol = smtp.protocol
    transport = protocol.transport if protocol is not None else None
    if protocol is None or transport is None or transport.is_closing():
        raise SMTPServerDisconnected("connection lost")
    reader = ReplyReader(protocol)
    transport.set_protocol(reader)
    try:
        yield cast(asyncio.Transport, transport), reader
    finally:
        if reader.lost is None:
            transport.set_protocol(protocol)


class SmtpSession:
    """One authenticated SMTP connection. ``async with SmtpSession(target) as s: ...``"""

    def __init__(self, target: SmtpTarget) -> None:
        self.target = target
        self._smtp: aiosmtplib.SMTP | None = None
        self.created = time.monotonic()
        self.last_used = self.created
        self.clean = True  # False after a transaction that did not finish: RSET before reuse
        self.dot_sent = False  # the last transaction's final "." went out (it may be delivered)
        self._stage = "MAIL"

    async def __aenter__(self) -> SmtpSession:
        await self.connect()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.quit()

    @property
    def connected(self) -> bool:
        return self._smtp is not None and self._smtp.is_connected

    async def connect(self) -> None:
        """Connect, greet (EHLO), secure (implicit TLS or STARTTLS) and log in."""
        t = self.target
        smtp = aiosmtplib.SMTP(
            hostname=t.host,
            port=t.port,
            local_hostname=t.local_hostname,
            timeout=t.command_timeout,
            use_tls=t.security == "tls",
            # STARTTLS is mandatory for "starttls" accounts: the library default (None) would
            # silently stay in plain text if the server (or a MITM) hides the capability.
            start_tls=t.security == "starttls",
            tls_context=t.ssl_context,
            validate_certs=t.ssl_context is not None,
        )
        stage = "connect"
        try:
            async with asyncio.timeout(t.connect_timeout + t.command_timeout):
                await smtp.connect(timeout=t.connect_timeout)
                stage = "EHLO"
                if smtp.is_ehlo_or_helo_needed:
                    await smtp.ehlo()
                stage = "AUTH"
                if t.oauth2_token:
                    await _authenticate_oauth2(smtp, t, t.oauth2_token)
                elif t.username and t.password is not None:
                    await smtp.login(t.username, t.password)
        except BaseException as exc:
            smtp.close()
            if isinstance(exc, asyncio.CancelledError):
                raise
            if (
                isinstance(exc, SMTPException)
                and not isinstance(
                    exc, SMTPResponseException | SMTPServerDisconnected | SMTPTimeoutError
                )
                and stage == "AUTH"
            ):
                raise UpstreamAuthFailed(f"AUTH: {exc}", protocol="smtp") from exc
            raise translate(exc, stage=stage) from exc
        self._smtp = smtp

    async def quit(self) -> None:
        """Say QUIT (best effort, short timeout) and close the socket."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            if smtp.is_connected:
                await smtp.quit(timeout=2)
        except (SMTPException, OSError, TimeoutError):
            pass
        finally:
            smtp.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    async def noop(self) -> None:
        await self._simple(b"NOOP")

    async def rset(self) -> None:
        await self._simple(b"RSET")
        self.clean = True

    async def _simple(self, verb: bytes) -> None:
        smtp = self._require()
        try:
            reply = await smtp.execute_command(verb, timeout=self.target.command_timeout)
        except (SMTPException, OSError, TimeoutError) as exc:
            self.close()
            raise translate(exc, stage=verb.decode()) from exc
        if reply.code != 250:
            self.close()
            raise reply_error(reply.code, reply.message, stage=verb.decode())

    def _require(self) -> aiosmtplib.SMTP:
        if self._smtp is None or not self._smtp.is_connected:
            self._smtp = None
            raise UpstreamUnavailable("smtp: connection lost", protocol="smtp")
        return self._smtp

    def supports(self, extension: str) -> bool:
        return self._smtp is not None and self._smtp.supports_extension(extension)

    async def send(
        self,
        mail_from: str,
        rcpt_to: list[str],
        message: bytes,
        *,
        before_end_of_data: Callable[[], Awaitable[None]] | None = None,
    ) -> SendResult:
        """One mail transaction. Raises RecipientsRefused when nobody was accepted.

        ``message`` must already have CRLF line endings. ``before_end_of_data`` runs after
        the content and before the final ``.``: a crash before it means the server never
        saw a complete message and discards it (RFC 5321 §4.1.1.4, §3.3).
        """
        smtp = self._require()
        limit = smtp.esmtp_extensions.get("size", "")
        if limit.isdigit() and 0 < int(limit) < len(message):  # RFC 1870 §4: SIZE 0 = none
            raise PayloadTooLarge(
                f"the message is {len(message)} bytes; the SMTP server takes at most {limit}"
            )
        self.clean = False
        self.dot_sent = False
        self.last_used = time.monotonic()
        self._stage = "MAIL"
        transaction = self._pipelined if self.supports("pipelining") else self._one_by_one
        try:
            accepted, rejected, (code, text) = await transaction(
                smtp, mail_from, rcpt_to, message, before_end_of_data
            )
        except (SMTPException, OSError, TimeoutError) as exc:
            self.close()
            error = translate(exc, stage=self._stage)
            error.stage, error.dot_sent = self._stage, self.dot_sent
            raise error from exc
        except GatewayError as exc:
            exc.stage, exc.dot_sent = self._stage, self.dot_sent
            if isinstance(exc, UpstreamUnavailable):
                self.close()
            else:
                await self._reset_quietly()
            raise
        except BaseException:
            # The caller's hook failed or we were cancelled, maybe in the middle of DATA:
            # drop the connection so that the server discards the unfinished message.
            self.close()
            raise
        self.clean = True
        self.last_used = time.monotonic()
        return SendResult(accepted=accepted, rejected=rejected, code=code, message=text)

    def _mail_options(self, message: bytes) -> list[bytes]:
        options: list[bytes] = []
        if self.supports("size"):
            options.append(b"SIZE=%d" % len(message))  # RFC 1870
        if self.supports("8bitmime") and not message.isascii():
            options.append(b"BODY=8BITMIME")  # RFC 6152
        return options

    async def _pipelined(
        self,
        smtp: aiosmtplib.SMTP,
        mail_from: str,
        rcpt_to: list[str],
        message: bytes,
        hook: Callable[[], Awaitable[None]] | None,
    ):
        """RFC 2920: MAIL, every RCPT and DATA in one write; then the content."""
        wait = self.target.command_timeout
        mail = b" ".join(
            [b"MAIL FROM:<" + mail_from.encode("ascii") + b">", *self._mail_options(message)]
        )
        commands = [mail, *(b"RCPT TO:<" + r.encode("ascii") + b">" for r in rcpt_to), b"DATA"]
        with _replies_taken_over(smtp) as (transport, reader):
            transport.write(b"\r\n".join(commands) + b"\r\n")
            mail_reply = await reader.reply(wait)
            self._stage = "RCPT"
            accepted: list[str] = []
            rejected: list[RecipientResult] = []
            closing: tuple[int, str] | None = None
            for rcpt in rcpt_to:
                code, text = await reader.reply(wait)
                if code in (250, 251):
                    accepted.append(rcpt)
                else:
                    rejected.append(RecipientResult(rcpt, code, text))
                    closing = closing or ((code, text) if code == 421 else None)
            self._stage = "DATA"
            data_reply = await reader.reply(wait)
            if data_reply[0] == 354:
                if mail_reply[0] == 250 and accepted and closing is None:
                    final = await self._content(transport, reader, message, hook, wait)
                    return accepted, rejected, final
                # RFC 2920 §3.1: a server may answer 354 although nothing can be delivered;
                # an empty message with no recipients is refused and ends the transaction.
                transport.write(b".\r\n")
                await reader.reply(wait)
        if mail_reply[0] != 250:
            self._stage = "MAIL"
            raise reply_error(*mail_reply, stage="MAIL")
        if closing is not None:
            raise reply_error(*closing, stage="RCPT")
        if not accepted:
            raise RecipientsRefused(
                rejected, transient=all(not classify(r.code, r.message).permanent for r in rejected)
            )
        raise reply_error(*data_reply, stage="DATA")

    async def _content(
        self,
        transport,
        reader: ReplyReader,
        message: bytes,
        hook: Callable[[], Awaitable[None]] | None,
        wait: float,
    ):
        body = _stuffed(message)
        if hook is None:
            transport.write(body + b".\r\n")  # one write: one TLS record
        else:
            transport.write(body)
            await reader.drain(wait)
            await hook()
            transport.write(b".\r\n")  # no await since the hook's last step (its journal)
        self.dot_sent = True
        self._stage = "end of DATA"
        code, text = await reader.reply(_end_of_data_wait(wait, message))
        if code != 250:
            raise reply_error(code, text, stage="end of DATA")
        return code, text

    async def _one_by_one(
        self,
        smtp: aiosmtplib.SMTP,
        mail_from: str,
        rcpt_to: list[str],
        message: bytes,
        hook: Callable[[], Awaitable[None]] | None,
    ):
        """Without PIPELINING: each command waits for its reply."""
        timeout = self.target.command_timeout
        reply = await smtp.execute_command(
            b"MAIL",
            b"FROM:<" + mail_from.encode("ascii") + b">",
            *self._mail_options(message),
            timeout=timeout,
        )
        if reply.code != 250:
            raise reply_error(reply.code, reply.message, stage="MAIL")
        self._stage = "RCPT"
        accepted: list[str] = []
        rejected: list[RecipientResult] = []
        for rcpt in rcpt_to:
            reply = await smtp.execute_command(
                b"RCPT", b"TO:<" + rcpt.encode("ascii") + b">", timeout=timeout
            )
            if reply.code in (250, 251):
                accepted.append(rcpt)
            elif reply.code == 421:
                raise reply_error(reply.code, reply.message, stage="RCPT")
            else:
                rejected.append(RecipientResult(rcpt, reply.code, reply.message))
        if not accepted:
            raise RecipientsRefused(
                rejected, transient=all(not classify(r.code, r.message).permanent for r in rejected)
            )
        self._stage = "DATA"
        reply = await smtp.execute_command(b"DATA", timeout=timeout)
        if reply.code != 354:
            raise reply_error(reply.code, reply.message, stage="DATA")
        with _replies_taken_over(smtp) as (transport, reader):
            final = await self._content(transport, reader, message, hook, timeout)
        return accepted, rejected, final

    async def _reset_quietly(self) -> None:
        try:
            await self.rset()
        except GatewayError:
            self.close()
