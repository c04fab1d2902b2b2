# A frozen copy of gateway/store/schema.py as mailgate 0.1.0 shipped it (commit 3c56960):
# the tables its create_all made. Never edit: databases in the field look like this.
"""Every table of the gateway, in one schema for SQLite and PostgreSQL.

Message bodies are never stored: the mail server is the source of truth.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A timestamp that always comes back timezone-aware, in UTC (SQLite drops the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if value is not None and dialect.name == "sqlite":
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


metadata = sa.MetaData()

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("config", sa.JSON, nullable=False),  # server blocks without secrets, options
    sa.Column("secrets", sa.Text, nullable=False),  # encrypted JSON of passwords / OAuth tokens
    sa.Column("source", sa.String(16), nullable=False, server_default="api"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # SHA-256 hex
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("description", sa.String(512), nullable=False, server_default=""),
    sa.Column("scopes", sa.JSON, nullable=False),
    sa.Column("accounts", sa.JSON, nullable=True),  # null: every account
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_used_at", UTCDateTime, nullable=True),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("account_id", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(256), primary_key=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    # sent|queued|error; null while the first request runs (HTTP statuses stay in the API layer)
    sa.Column("outcome", sa.String(16), nullable=True),
    sa.Column("response", sa.JSON, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False, index=True),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("account_id", sa.String(64), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False),  # queued|sending|sent|failed|cancelled
    sa.Column("message_id", sa.String(998), nullable=False),
    sa.Column("mail_from", sa.String(512), nullable=False),
    sa.Column("rcpt_to", sa.JSON, nullable=False),
    sa.Column("raw", sa.LargeBinary, nullable=False),  # the message, fixed at enqueue time
    sa.Column("options", sa.JSON, nullable=False),  # save_to_sent, in_reply_to, ...
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("lease_owner", sa.String(64), nullable=True),
    sa.Column("lease_until", UTCDateTime, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("smtp_response", sa.Text, nullable=True),
    # Set just before the final "." of DATA goes out: a crash after it means "maybe sent",
    # so the job is not sent again (see gateway/outbox/worker.py).
    sa.Column("data_sent_at", UTCDateTime, nullable=True),
    sa.Column("accepted", sa.JSON, nullable=True),
    sa.Column("rejected", sa.JSON, nullable=True),
    sa.Column("history", sa.JSON, nullable=False),  # every attempt: {at, ok, error, code}
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_outbox_due", "status", "next_attempt_at"),
    sa.Index("ix_outbox_created", "created_at", "id"),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("id", sa.String(40), nullable=False, unique=True),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("account_id", sa.String(64), nullable=True, index=True),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False, index=True),
)

webhooks = sa.Table(
    "webhooks",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("events", sa.JSON, nullable=False),
    sa.Column("accounts", sa.JSON, nullable=True),
    sa.Column("secret", sa.Text, nullable=True),  # encrypted
    sa.Column("created_by", sa.String(40), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("webhook_id", sa.String(40), nullable=False, index=True),
    sa.Column("event_id", sa.String(40), nullable=False),
    sa.Column("event_type", sa.String(64), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),  # pending|delivered|failed
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("lease_until", UTCDateTime, nullable=True),
    sa.Column("history", sa.JSON, nullable=False),  # {at, status_code, latency_ms, error}
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_deliveries_due", "status", "next_attempt_at"),
)

mailbox_state = sa.Table(
    "mailbox_state",
    metadata,
    sa.Column("account_id", sa.String(64), primary_key=True),
    sa.Column("protocol", sa.String(8), primary_key=True, server_default="imap"),  # imap|pop3
    sa.Column("mailbox", sa.String(1024), primary_key=True),
    sa.Column("uidvalidity", sa.BigInteger, nullable=True),
    sa.Column("uidnext", sa.BigInteger, nullable=True),
    sa.Column("highestmodseq", sa.BigInteger, nullable=True),
    sa.Column("uids", sa.JSON, nullable=True),  # for servers without CONDSTORE: uid -> flags
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

pop3_seen = sa.Table(
    "pop3_seen",
    metadata,
    sa.Column("account_id", sa.String(64), primary_key=True),
    sa.Column("uidl", sa.String(128), primary_key=True),
    sa.Column("seen_at", UTCDateTime, nullable=False),
)

leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),  # e.g. "watch:<account>"
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("until", UTCDateTime, nullable=False),
)
