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

# Messages accepted for sending per account and UTC day (the daily send limit).
send_counts = sa.Table(
    "send_counts",
    metadata,
    sa.Column("account_id", sa.String(64), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
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
    sa.Column("state", sa.String(200), nullable=True),  # the account's change-feed state
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

audit_log = sa.Table(
    "audit_log",
    metadata,
    # Who did what, when, with which outcome: never a body, a secret or a query string.
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("token_id", sa.String(40), nullable=True),  # null: no valid token
    sa.Column("method", sa.String(8), nullable=False),
    sa.Column("route", sa.String(256), nullable=False),  # the template: /v1/tokens/{token_id}
    sa.Column("account_id", sa.String(64), nullable=True),
    sa.Column("target_id", sa.String(128), nullable=True),  # the token, webhook, ... acted on
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("code", sa.String(64), nullable=True),  # the problem's code of a refusal
    sa.Column("client_ip", sa.String(64), nullable=True),
    sa.Index("ix_audit_at", "at", "id"),
    sa.Index("ix_audit_account", "account_id", "at"),
    sa.Index("ix_audit_token", "token_id", "at"),
)

oauth2_apps = sa.Table(
    "oauth2_apps",
    metadata,
    # An OAuth2 client registration at a provider (gateway-wide; admin only).
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("provider", sa.String(16), nullable=False),  # google | microsoft | generic
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("client_id", sa.String(512), nullable=False),
    sa.Column("client_secret", sa.Text, nullable=False),  # encrypted
    sa.Column("config", sa.JSON, nullable=False),  # scopes, redirect_url, tenant, URLs, servers
    sa.Column("created_by", sa.String(40), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

oauth2_states = sa.Table(
    "oauth2_states",
    metadata,
    # One authorization request: its state (only the hash), single use, short-lived.
    sa.Column("state_hash", sa.String(64), primary_key=True),
    sa.Column("app_id", sa.String(40), nullable=False),
    sa.Column("account_id", sa.String(64), nullable=False),
    sa.Column("verifier", sa.Text, nullable=False),  # PKCE code verifier, encrypted
    sa.Column("token_id", sa.String(40), nullable=True),  # who asked (null: re-consent event)
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("used_at", UTCDateTime, nullable=True),
    sa.Index("ix_oauth2_states_expires", "expires_at"),
)

# The change feed (issue #14): one row per account, its log, and the feed's snapshot of
# every mailbox. A state string names (epoch, seq); a new epoch invalidates older states.
change_feeds = sa.Table(
    "change_feeds",
    metadata,
    sa.Column("account_id", sa.String(64), primary_key=True),
    sa.Column("epoch", sa.String(32), nullable=False),  # random; new when the feed restarts
    sa.Column("seq", sa.BigInteger, nullable=False),  # the last sequence number handed out
    sa.Column("min_seq", sa.BigInteger, nullable=False),  # entries up to it are trimmed
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

change_log = sa.Table(
    "change_log",
    metadata,
    sa.Column("account_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True),
    sa.Column("kind", sa.String(8), nullable=False),  # mailbox | message
    sa.Column("op", sa.String(10), nullable=False),  # created | updated | destroyed
    sa.Column("mailbox", sa.String(1024), nullable=False),  # the mailbox's path
    sa.Column("uidvalidity", sa.BigInteger, nullable=True),  # messages: the id's parts
    sa.Column("uid", sa.BigInteger, nullable=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_change_log_mailbox", "account_id", "mailbox", "seq"),
)

change_mailboxes = sa.Table(
    "change_mailboxes",
    metadata,
    # What the log has recorded of a mailbox so far (kept apart from the watchers'
    # mailbox_state: the feed and the events advance independently).
    sa.Column("account_id", sa.String(64), primary_key=True),
    sa.Column("mailbox", sa.String(1024), primary_key=True),
    sa.Column("uidvalidity", sa.BigInteger, nullable=True),  # null: no snapshot yet
    sa.Column("uidnext", sa.BigInteger, nullable=True),
    sa.Column("highestmodseq", sa.BigInteger, nullable=True),
    sa.Column("uids", sa.JSON, nullable=True),  # uid -> flags, compact (see sync_state)
    sa.Column("info", sa.JSON, nullable=True),  # what a mailbox listing shows of it
    sa.Column("since_seq", sa.BigInteger, nullable=False),  # the feed's seq when first seen
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# Threads the gateway builds (issue #14; gateway/threads/references.py): each node (a
# Message-ID, ``key:<message id>`` for a message without one, ``subject:<base subject>``,
# ``sig:<hash>`` marking a message threaded) with its thread id, each thread's anchor (its
# earliest message, which decides its id), and one row per account that writers lock so
# that they follow one another.
thread_accounts = sa.Table(
    "thread_accounts",
    metadata,
    sa.Column("account_id", sa.String(64), primary_key=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

thread_nodes = sa.Table(
    "thread_nodes",
    metadata,
    sa.Column("account_id", sa.String(64), nullable=False),
    sa.Column("node_key", sa.String(24), primary_key=True),  # a hash of account and node
    sa.Column("node", sa.Text, nullable=False),
    sa.Column("thread_id", sa.String(32), nullable=False),
    # True once a message whose own node this is was threaded (its references are linked).
    sa.Column("own", sa.Boolean, nullable=False),
    sa.Index("ix_thread_nodes_thread", "account_id", "thread_id"),
)

thread_anchors = sa.Table(
    "thread_anchors",
    metadata,
    sa.Column("account_id", sa.String(64), nullable=False),
    sa.Column("thread_id", sa.String(32), nullable=False),
    sa.Column("date", UTCDateTime, nullable=True),  # the anchor's Date (null: none)
    sa.Column("node", sa.Text, nullable=False),  # the anchor's own node
    sa.Column("msg_key", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("account_id", "thread_id"),
)
