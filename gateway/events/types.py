"""The event types the gateway publishes (API.md "Events")."""

from __future__ import annotations

MESSAGE_NEW = "message.new"
MESSAGE_DELETED = "message.deleted"
MESSAGE_FLAGS = "message.flags"
# A delivery status notification (bounce) arrived: data carries what it reports.
MESSAGE_BOUNCE = "message.bounce"
MAILBOX_CREATED = "mailbox.created"
MAILBOX_DELETED = "mailbox.deleted"
MAILBOX_RESET = "mailbox.reset"  # UIDVALIDITY changed: every id of the mailbox is stale
MESSAGE_SENT = "message.sent"
MESSAGE_FAILED = "message.failed"
POP3_NEW = "pop3.new"
ACCOUNT_CONNECTED = "account.connected"
ACCOUNT_ERROR = "account.error"
# An OAuth2 grant was refused (revoked consent): data carries a fresh authorize_url.
ACCOUNT_REAUTH_REQUIRED = "account.reauth_required"

EVENT_TYPES: tuple[str, ...] = (
    MESSAGE_NEW,
    MESSAGE_DELETED,
    MESSAGE_FLAGS,
    MESSAGE_BOUNCE,
    MAILBOX_CREATED,
    MAILBOX_DELETED,
    MAILBOX_RESET,
    MESSAGE_SENT,
    MESSAGE_FAILED,
    POP3_NEW,
    ACCOUNT_CONNECTED,
    ACCOUNT_ERROR,
    ACCOUNT_REAUTH_REQUIRED,
)


def is_valid_pattern(pattern: str) -> bool:
    """An exact type, ``*`` or a family such as ``message.*``."""
    if pattern == "*" or pattern in EVENT_TYPES:
        return True
    return pattern.endswith(".*") and any(t.startswith(pattern[:-1]) for t in EVENT_TYPES)
