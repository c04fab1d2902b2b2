"""The gateway's one exception tree.

Every layer below the API raises these; only ``gateway.api.errors`` maps them
to HTTP statuses (problem+json). Each class carries a stable machine ``code``.

    GatewayError
    ├── InvalidInput                      validation_error
    │   ├── PayloadTooLarge               payload_too_large
    │   ├── CredentialsRequired           credentials_required
    │   ├── InvalidMailboxName            invalid_mailbox_name
    │   └── FromNotAllowed                from_not_allowed
    ├── NotFound                          not_found
    │   ├── AccountNotFound               account_not_found
    │   ├── MailboxNotFound               mailbox_not_found
    │   ├── MessageNotFound               message_not_found
    │   ├── AttachmentNotFound            attachment_not_found
    │   ├── ThreadNotFound                thread_not_found
    │   ├── DraftNotFound                 draft_not_found
    │   ├── OutboxItemNotFound            queue_item_not_found
    │   ├── WebhookNotFound               webhook_not_found
    │   ├── OAuth2AppNotFound             oauth2_app_not_found
    │   ├── TokenNotFound                 token_not_found
    │   └── ProtocolNotConfigured         protocol_not_configured
    ├── Conflict                          conflict
    │   ├── AlreadyExists                 already_exists
    │   ├── InvalidState                  invalid_state
    │   ├── MailboxHasChildren            mailbox_has_children
    │   └── AccountBusy                   account_busy
    ├── AccessDenied
    │   ├── Unauthenticated               unauthenticated
    │   ├── Forbidden                     forbidden
    │   └── RateLimited                   rate_limited
    │       └── SendQuotaExceeded         send_quota_exceeded
    ├── OAuth2StateRefused                oauth2_state_invalid (forged callback)
    │   └── OAuth2StateGone               oauth2_state_used / oauth2_state_expired
    ├── CannotCalculateChanges            cannot_calculate_changes (the client lists again)
    ├── SchemaNotCurrent                  schema_not_current (at start: run `mailgate migrate`)
    └── UpstreamError                     upstream_error (the server answered an error)
        ├── UpstreamRejected              <protocol>_rejected / smtp_rejected
        │   └── UpstreamTransient         smtp_deferred (a 4xx: may succeed later)
        ├── UpstreamAuthFailed            auth_failed
        │   └── OAuth2ReauthRequired      oauth2_reauth_required (refresh token refused)
        ├── UpstreamUnavailable (ConnectionError)   <protocol>_unavailable
        │   ├── UpstreamThrottled         <protocol>_throttled / _too_many_connections /
        │   │                             _unavailable (the server asks us to slow down)
        │   └── ConnectionLimitReached    connection_limit_reached (the block's own cap)
        └── UpstreamTimeout (TimeoutError)          upstream_timeout

Errors carry typed attributes, never a free dict: ``UpstreamError.protocol`` and
``smtp_code`` (the server's reply code), ``UpstreamRejected.rejected`` (each recipient's
refusal), ``RateLimited.retry_after``, ``SendQuotaExceeded.limit``,
``UpstreamUnavailable.retry_after``, ``UpstreamThrottled.kind``. Which of them a client
sees is decided once, in ``gateway.api.errors``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class GatewayError(Exception):
    """Base of every error the gateway raises on purpose."""

    code = "internal_error"
    title = "Internal error"

    def __init__(self, detail: str = "", *, code: str | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code is not None:
            self.code = code


class InvalidInput(GatewayError):
    code = "validation_error"
    title = "Invalid input"


class PayloadTooLarge(InvalidInput):
    code = "payload_too_large"
    title = "Payload too large"


class CredentialsRequired(InvalidInput):
    """A change of where (or as whom) a stored secret is used that did not give it again."""

    code = "credentials_required"
    title = "Credentials required"


class FromNotAllowed(InvalidInput):
    """A send from an address the account may not use."""

    code = "from_not_allowed"
    title = "Sender address not allowed"


class InvalidMailboxName(InvalidInput):
    code = "invalid_mailbox_name"
    title = "The mail server refuses that mailbox name"


class SchemaNotCurrent(GatewayError):
    """At start: the database's schema is not the one this mailgate needs (never an answer)."""

    code = "schema_not_current"
    title = "The database schema is not current"


class NotFound(GatewayError):
    code = "not_found"
    title = "Not found"


class AccountNotFound(NotFound):
    code = "account_not_found"
    title = "Account not found"


class MailboxNotFound(NotFound):
    code = "mailbox_not_found"
    title = "Mailbox not found"


class MessageNotFound(NotFound):
    code = "message_not_found"
    title = "Message not found"


class AttachmentNotFound(NotFound):
    code = "attachment_not_found"
    title = "Attachment not found"


class ThreadNotFound(NotFound):
    code = "thread_not_found"
    title = "Thread not found"


class DraftNotFound(NotFound):
    """No draft of that id in the account's Drafts mailbox (gone, sent, or replaced by a
    newer version: a draft's id changes with each update)."""

    code = "draft_not_found"
    title = "Draft not found"


class OutboxItemNotFound(NotFound):
    code = "queue_item_not_found"
    title = "Queued message not found"


class WebhookNotFound(NotFound):
    code = "webhook_not_found"
    title = "Webhook not found"


class OAuth2AppNotFound(NotFound):
    code = "oauth2_app_not_found"
    title = "OAuth2 app not found"


class OAuth2StateRefused(GatewayError):
    """An OAuth2 callback whose ``state`` was never issued (forged) or whose request the
    provider refused: nothing changes."""

    code = "oauth2_state_invalid"
    title = "Unknown authorization request"


class OAuth2StateGone(OAuth2StateRefused):
    """An OAuth2 callback for a request already used (replayed) or expired."""

    code = "oauth2_state_used"
    title = "Authorization request no longer usable"


class CannotCalculateChanges(GatewayError):
    """A change-feed state the gateway cannot compute changes from (too old, UIDVALIDITY
    changed, from before a reset, or not one it issued): the client lists again (RFC 8620
    section 5.2, ``cannotCalculateChanges``)."""

    code = "cannot_calculate_changes"
    title = "Cannot calculate changes from that state"


class TokenNotFound(NotFound):
    code = "token_not_found"
    title = "Token not found"


class ProtocolNotConfigured(NotFound):
    code = "protocol_not_configured"
    title = "Protocol not configured for this account"


class Conflict(GatewayError):
    code = "conflict"
    title = "Conflict"


class AlreadyExists(Conflict):
    code = "already_exists"
    title = "Already exists"


class InvalidState(Conflict):
    code = "invalid_state"
    title = "Not possible in the current state"


class MailboxHasChildren(Conflict):
    code = "mailbox_has_children"
    title = "Mailbox has child mailboxes"


class AccountBusy(Conflict):
    """The account's session is taken (e.g. the POP3 maildrop lock) for too long."""

    code = "account_busy"
    title = "Account busy"


class AccessDenied(GatewayError):
    code = "forbidden"
    title = "Access denied"


class Unauthenticated(AccessDenied):
    code = "unauthenticated"
    title = "Missing or invalid token"


class Forbidden(AccessDenied):
    code = "forbidden"
    title = "Token lacks the permission"


class RateLimited(AccessDenied):
    code = "rate_limited"
    title = "Too many requests"

    def __init__(
        self, detail: str = "", *, code: str | None = None, retry_after: float = 1.0
    ) -> None:
        super().__init__(detail, code=code)
        self.retry_after = retry_after


class SendQuotaExceeded(RateLimited):
    """The account's daily send limit is reached; ``retry_after``: seconds until it frees."""

    code = "send_quota_exceeded"
    title = "Daily send limit reached"

    def __init__(self, detail: str = "", *, retry_after: float, limit: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.limit = limit


@dataclass(frozen=True)
class RecipientRefusal:
    """One recipient the SMTP server refused (RCPT TO or, with LMTP-like servers, DATA)."""

    address: str
    code: int
    message: str


class UpstreamError(GatewayError):
    """A mail server answered with an error; ``detail`` holds its reply.

    ``protocol``: ``smtp``, ``imap`` or ``pop3``; ``smtp_code``: the SMTP reply code, when
    one reply caused the error.
    """

    code = "upstream_error"
    title = "Mail server error"

    def __init__(
        self,
        detail: str = "",
        *,
        code: str | None = None,
        protocol: str | None = None,
        smtp_code: int | None = None,
    ) -> None:
        super().__init__(detail, code=code)
        self.protocol = protocol
        self.smtp_code = smtp_code


class UpstreamRejected(UpstreamError):
    """``rejected``: each recipient's refusal, when the server refused recipients."""

    code = "upstream_rejected"
    title = "Mail server rejected the command"

    def __init__(
        self,
        detail: str = "",
        *,
        code: str | None = None,
        protocol: str | None = None,
        smtp_code: int | None = None,
        rejected: Sequence[RecipientRefusal] | None = None,
    ) -> None:
        super().__init__(detail, code=code, protocol=protocol, smtp_code=smtp_code)
        self.rejected: tuple[RecipientRefusal, ...] | None = (
            None if rejected is None else tuple(rejected)
        )


class UpstreamTransient(UpstreamRejected):
    """The server refused for now (SMTP 4xx); the same request may succeed later."""

    code = "upstream_transient"
    title = "Mail server refused for now; retry later"


class UpstreamAuthFailed(UpstreamError):
    code = "auth_failed"
    title = "Mail server rejected the credentials"

    #: A refused OAuth2 token: what the server's SASL failure challenge said (RFC 7628
    #: section 3.2.2 / XOAUTH2), e.g. ``invalid_token`` or ``401``, and the scope it wants.
    oauth_status: str | None = None
    oauth_scope: str | None = None


class OAuth2ReauthRequired(UpstreamAuthFailed):
    """The token endpoint refused the refresh token (``invalid_grant``, or none is stored):
    only a new consent of the mailbox owner helps; nothing retries until then."""

    code = "oauth2_reauth_required"
    title = "The mailbox owner must authorize the gateway again"


class UpstreamUnavailable(UpstreamError, ConnectionError):
    """The mail server is down, unreachable or dropped the connection."""

    code = "upstream_unavailable"
    title = "Mail server unavailable"

    def __init__(
        self,
        detail: str = "",
        *,
        code: str | None = None,
        protocol: str | None = None,
        smtp_code: int | None = None,
        retry_after: int = 5,
    ) -> None:
        if code is None and protocol:
            code = f"{protocol}_unavailable"
        super().__init__(detail, code=code, protocol=protocol, smtp_code=smtp_code)
        self.retry_after = retry_after


class UpstreamThrottled(UpstreamUnavailable):
    """The server refused a connection or login because we came too often or with too many
    connections (``kind``: ``throttled``, ``too_many_connections``, ``unavailable``; see
    ``gateway.protocols.throttling``). The account's connection manager backs off."""

    title = "Mail server asks to slow down"

    def __init__(
        self,
        detail: str = "",
        *,
        kind: str,
        protocol: str | None = None,
        smtp_code: int | None = None,
        retry_after: int = 5,
    ) -> None:
        code = f"{protocol or 'upstream'}_{kind}"
        super().__init__(
            detail, code=code, protocol=protocol, smtp_code=smtp_code, retry_after=retry_after
        )
        self.kind = kind


class ConnectionLimitReached(UpstreamUnavailable):
    """Every connection the server block allows (``max_connections``) stayed busy for the
    whole wait: the request was not sent."""

    code = "connection_limit_reached"
    title = "All connections to the mail server are busy"

    def __init__(
        self, detail: str = "", *, protocol: str | None = None, retry_after: int = 1
    ) -> None:
        super().__init__(detail, code=self.code, protocol=protocol, retry_after=retry_after)


class UpstreamTimeout(UpstreamError, TimeoutError):
    code = "upstream_timeout"
    title = "Mail server did not answer in time"
