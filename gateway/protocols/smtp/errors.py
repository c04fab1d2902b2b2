"""SMTP replies and library errors as the gateway's exceptions (the one mapping point).

5xx reply               -> UpstreamRejected(code="smtp_rejected"), the reply in detail
4xx reply               -> UpstreamTransient(code="smtp_deferred")   (retry later)
421 / dropped socket    -> UpstreamUnavailable(protocol="smtp")      (reconnect, retry)
535 and friends         -> UpstreamAuthFailed
a 4xx to the greeting, EHLO or AUTH that asks to slow down (421 4.7.0, 454 4.7.0
temporary authentication failure, too many connections: ``protocols.throttling``)
                        -> UpstreamThrottled                         (back off)
no answer in time       -> UpstreamTimeout
"""

from __future__ import annotations

import ssl

from aiosmtplib.errors import (
    SMTPAuthenticationError,
    SMTPException,
    SMTPResponseException,
    SMTPServerDisconnected,
    SMTPTimeoutError,
)

from ...errors import (
    GatewayError,
    RecipientRefusal,
    UpstreamAuthFailed,
    UpstreamRejected,
    UpstreamThrottled,
    UpstreamTimeout,
    UpstreamTransient,
    UpstreamUnavailable,
)
from ..throttling import smtp_throttle
from .replies import Category, classify, describe

_SESSION_STAGES = frozenset({"connect", "EHLO", "STARTTLS", "AUTH"})

RecipientResult = RecipientRefusal  # a recipient's reply, as the SMTP session reports it


class RecipientsRefused(UpstreamRejected):
    """Every recipient was refused; ``rejected`` holds each reply."""

    rejected: tuple[RecipientRefusal, ...]

    def __init__(self, rejected: list[RecipientRefusal], *, transient: bool) -> None:
        detail = "; ".join(f"{r.address}: {describe(r.code, r.message)}" for r in rejected[:10])
        super().__init__(
            f"all recipients refused: {detail}",
            code="smtp_deferred" if transient else "smtp_rejected",
            protocol="smtp",
            rejected=rejected,
        )
        self.transient = transient


def reply_error(code: int, message: str, *, stage: str) -> GatewayError:
    """The gateway error for an error reply ``code`` to ``stage`` (MAIL, RCPT, DATA, ...)."""
    verdict = classify(code, message)
    detail = f"{stage}: {describe(code, message)}"
    throttle = smtp_throttle(code, message) if stage in _SESSION_STAGES else None
    if throttle is not None:
        wait = max(1, round(throttle.retry_after)) if throttle.retry_after else 5
        return UpstreamThrottled(
            detail, kind=throttle.kind, protocol="smtp", smtp_code=code, retry_after=wait
        )
    if verdict.category is Category.AUTH and stage == "AUTH":
        return UpstreamAuthFailed(detail, protocol="smtp", smtp_code=code)
    if verdict.category is Category.SERVICE:
        return UpstreamUnavailable(detail, protocol="smtp")
    if verdict.permanent:
        return UpstreamRejected(detail, code="smtp_rejected", protocol="smtp", smtp_code=code)
    return UpstreamTransient(detail, code="smtp_deferred", protocol="smtp", smtp_code=code)


def is_retryable(exc: BaseException) -> bool:
    """Worth trying again later: a 4xx, a dropped connection or no answer in time."""
    if isinstance(exc, RecipientsRefused):
        return exc.transient
    return isinstance(exc, UpstreamTransient | UpstreamUnavailable | UpstreamTimeout)


def translate(exc: BaseException, *, stage: str) -> GatewayError:
    """Map an aiosmtplib / OS error to the gateway's tree (called once, at this boundary)."""
    if isinstance(exc, GatewayError):
        return exc
    if isinstance(exc, SMTPAuthenticationError):
        if smtp_throttle(exc.code, exc.message) is not None:  # 454: not the password's fault
            return reply_error(exc.code, exc.message, stage="AUTH")
        return UpstreamAuthFailed(f"AUTH: {describe(exc.code, exc.message)}", protocol="smtp")
    if isinstance(exc, SMTPResponseException):
        if exc.code == -1:  # aiosmtplib's "malformed reply"
            return UpstreamUnavailable(f"{stage}: {exc.message}", protocol="smtp")
        return reply_error(exc.code, exc.message, stage=stage)
    if isinstance(exc, SMTPTimeoutError | TimeoutError):
        return UpstreamTimeout(f"smtp {stage}: no answer in time", protocol="smtp")
    if isinstance(exc, SMTPServerDisconnected):
        return UpstreamUnavailable(f"smtp {stage}: connection lost", protocol="smtp")
    if isinstance(exc, ssl.SSLError):
        return UpstreamUnavailable(
            f"smtp {stage}: TLS failed: {exc.reason or exc}", protocol="smtp"
        )
    if isinstance(exc, OSError):
        return UpstreamUnavailable(f"smtp {stage}: {exc.strerror or exc}", protocol="smtp")
    if isinstance(exc, SMTPException):
        return UpstreamRejected(f"smtp {stage}: {exc}", code="smtp_rejected", protocol="smtp")
    raise exc
