"""Settings, read from ``GATEWAY_*`` environment variables (or passed in by tests)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything configurable; nothing here is read at import time."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./mailgate.db",
        description="The store: a SQLite file, or postgresql+asyncpg://user:pw@host/db for "
        "several instances",
    )
    migrate_on_start: bool = Field(
        default=True,
        description="Upgrade the store's schema at start; false: refuse to start "
        "unless `mailgate migrate` ran",
    )
    admin_token: SecretStr | None = Field(
        default=None,
        description="A bootstrap token with every scope, to create the real "
        "tokens with (`mailgate tokens create`)",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Encrypts account passwords and OAuth tokens at rest; "
        "required with PostgreSQL, the same on every instance (unset with SQLite: generated "
        "into <db>.key beside the file)",
    )
    accounts_file: Path | None = Field(
        default=None,
        description="A YAML or JSON list of static accounts (the body of "
        "POST /v1/accounts, `id` required)",
    )
    host: str = Field(default="127.0.0.1", description="The address the API listens on")
    port: int = Field(default=8025, description="The port the API listens on")
    log_level: str = Field(default="info", description="debug, info, warning or error")
    instance_id: str = Field(
        default="",
        description="Who this instance is across restarts (unset: the host name "
        "and HOST:PORT); instances sharing a store must differ",
    )

    # HTTP
    max_request_bytes: int = Field(
        default=50 * 1024 * 1024, ge=1024, description="Larger request bodies are answered 413"
    )
    rate_limit_per_minute: int = Field(
        default=0, ge=0, description="Requests per minute per API token (0: no limit)"
    )
    rate_limit_burst: int = Field(
        default=200, ge=1, description="Requests a token may make at once above that rate"
    )
    # Of the connection or of its first byte (gateway/server.py).
    request_read_timeout: float = Field(
        default=30.0,
        gt=0,
        le=60,
        description="Seconds a request (headers and body) has to "
        "arrive, else the connection is closed",
    )
    max_connections: int = Field(
        default=1024, ge=1, description="Open connections at most; more are answered 503"
    )
    client_write_timeout: float = Field(
        default=120.0,
        gt=0,
        description="Seconds a client may leave a response unread before it is dropped",
    )
    token_cache_seconds: float = Field(
        default=5.0,
        gt=0,
        le=300,
        description="How long a token lookup is cached: a revoked "
        "token (and its SSE streams) stops within this time on every instance",
    )
    audit_retention_days: int = Field(default=90, ge=1, description="Days the audit log is kept")

    # Upstream connections
    connect_timeout: float = Field(
        default=10.0, gt=0, description="Seconds to connect to a mail server"
    )
    command_timeout: float = Field(
        default=30.0, gt=0, description="Seconds a mail server has to answer a command"
    )
    imap_pool_size: int = Field(default=3, ge=1, le=32, description="IMAP connections per account")
    # Per period of interactive activity (accounts/imap_pool.py).
    imap_bulk_yield: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="Seconds downloads give way to the account's "
        "listings and reads at most, per burst of them (0: never)",
    )
    imap_idle_check_after: float = Field(
        default=30.0,
        ge=0,
        description="A pooled IMAP connection unused this many seconds is "
        "checked with NOOP before reuse",
    )
    imap_session_max_idle: float = Field(
        default=300.0,
        gt=0,
        description="A pooled IMAP connection unused this many seconds is closed",
    )
    imap_summary_cache_entries: int = Field(
        default=100_000, ge=0, description="Message summaries cached in memory"
    )
    threads_by_subject: bool = Field(
        default=True,
        description="Gateway-built threads: a message that references no other "
        "joins the thread of others with the same base subject (RFC 5256 REFERENCES step 5)",
    )
    # GET /v1/search (gateway/imap/search.py)
    search_concurrency: int = Field(
        default=8,
        ge=1,
        le=64,
        description="Mailboxes one search request searches at once, over all its accounts",
    )
    search_connections_per_account: int = Field(
        default=1,
        ge=1,
        le=32,
        description="IMAP connections of an account one search "
        "request takes at most (never the whole pool: listings and reads keep one)",
    )
    search_max_mailboxes: int = Field(
        default=200,
        ge=1,
        le=1000,
        description="Mailboxes one search request searches at "
        "most, over all its accounts; the others are reported as not searched",
    )
    search_time_budget: float = Field(
        default=15.0,
        gt=0,
        le=300,
        description="Seconds one search request may take; what "
        "is not searched by then is reported as not searched",
    )
    smtp_pool_size: int = Field(default=3, ge=1, le=32, description="SMTP connections per account")
    smtp_session_max_idle: float = Field(
        default=120.0,
        gt=0,
        description="A pooled SMTP connection unused this many seconds is closed (QUIT); "
        "the next message opens a new one",
    )
    smtp_helo_name: str = Field(
        default="localhost",
        pattern=r"^[A-Za-z0-9.\[\]:-]{1,255}$",
        description="The name the gateway gives in EHLO",
    )
    max_message_bytes: int = Field(
        default=25 * 1024 * 1024, ge=1024, description="Largest message sent (built or raw)"
    )
    pop3_lock_timeout: float = Field(
        default=30.0,
        ge=0,
        description="Seconds a POP3 request waits for the account's "
        "maildrop lock before 409 account_busy",
    )
    # Socket buffers may still hold that much when a client dies.
    pop3_unconfirmed_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=0,
        description="A streamed POP3 item counts as delivered "
        "(marked seen, deleted) only once this many bytes were written after it",
    )
    pop3_max_message_bytes: int = Field(
        default=256 * 1024 * 1024, ge=1024, description="Largest POP3 message retrieved"
    )
    pop3_client_write_timeout: float = Field(
        default=120.0,
        gt=0,
        description="A streamed POP3 retrieval whose client takes no data "
        "this long is ended (frees the lock)",
    )
    reconnect_base_delay: float = Field(
        default=1.0,
        gt=0,
        description="Seconds before reconnecting to a failed mail server; doubles per failure",
    )
    reconnect_max_delay: float = Field(
        default=60.0, gt=0, description="Longest delay between reconnections"
    )
    connection_share: int = Field(
        default=1,
        ge=1,
        le=1024,
        description="How many processes share each account's "
        "connection budget: IMAP and SMTP pool sizes and server blocks' max_connections are "
        "divided by it, at least 1 each (`serve --workers N` multiplies it by N; set it to "
        "the number of instances)",
    )
    # Every login of every account waits for a turn (accounts/login_rate.py).
    connect_rate_per_host: float = Field(
        default=50.0,
        ge=0,
        description="Logins per second to one mail server (host and "
        "port), watchers and requests together; requests go first (0: no limit)",
    )
    connect_burst_per_host: int = Field(
        default=50, ge=1, description="Logins to one mail server at once above that rate"
    )
    connect_concurrency: int = Field(
        default=50,
        ge=0,
        description="Logins in flight at once over all mail servers, which "
        "take turns (0: no limit)",
    )
    connection_wait: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a request waits for a free connection when "
        "a server block's max_connections are all in use, then 503 connection_limit_reached",
    )

    # Outbox
    outbox_workers: int = Field(
        default=4, ge=0, le=64, description="Queued messages this instance sends at once (0: none)"
    )
    outbox_poll_interval: float = Field(
        default=1.0, gt=0, description="Seconds between looks for due messages"
    )
    outbox_lease_seconds: float = Field(
        default=120.0,
        gt=0,
        description="A message being sent is held this long by its "
        "instance; after that another instance may take it over",
    )
    outbox_max_attempts: int = Field(
        default=10, ge=1, description="Attempts before a queued message fails"
    )
    outbox_retry_base_delay: float = Field(
        default=30.0,
        gt=0,
        description="Seconds before a queued message's first retry; doubles per attempt",
    )
    outbox_retry_max_delay: float = Field(
        default=3600.0, gt=0, description="Longest delay between retries"
    )
    idempotency_ttl_seconds: int = Field(
        default=24 * 3600, gt=0, description="How long an Idempotency-Key is kept"
    )

    # Events
    webhook_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a webhook endpoint has to answer"
    )
    webhook_allow_private: bool = Field(
        default=False, description="Allow webhooks to private and loopback addresses"
    )
    # A token_url is chosen by whoever may write accounts, checked like webhook URLs.
    oauth2_allow_private_endpoints: bool = Field(
        default=False,
        description="Allow OAuth2 token, authorization and userinfo endpoints "
        "on private addresses (tests)",
    )
    watch_poll_interval: float = Field(
        default=60.0,
        gt=0,
        description="Seconds between polls of the mailboxes not watched with IMAP IDLE",
    )
    watch_notify: bool = Field(
        default=True,
        description="Where the server offers IMAP NOTIFY (RFC 5465), let it report changes "
        "of the mailboxes not in IDLE, instead of polling them",
    )
    watch_notify_poll_interval: float = Field(
        default=600.0,
        gt=0,
        description="With NOTIFY, seconds between the polls that remain as a safety net",
    )
    webhook_retry_base_delay: float = Field(
        default=10.0,
        gt=0,
        description="Seconds before a failed webhook delivery's first retry; doubles per attempt",
    )
    webhook_retry_max_delay: float = Field(
        default=900.0, gt=0, description="Longest delay between webhook retries"
    )
    webhook_retry_window: float = Field(
        default=24 * 3600.0, ge=3600, description="Seconds a webhook delivery is retried"
    )
    webhook_concurrency: int = Field(
        default=4, ge=1, le=64, description="POSTs in flight per webhook"
    )
    sse_heartbeat: float = Field(
        default=15.0, gt=0, description="Seconds between heartbeats on an SSE stream"
    )
    watch_enabled: bool = Field(
        default=True, description="Watch accounts (IMAP IDLE, polls) and publish their events"
    )
    watch_idle_renew: float = Field(
        default=25 * 60.0,
        gt=0,
        description="Seconds before IMAP IDLE is issued again (RFC 2177: at most 29 minutes)",
    )
    watch_lease_seconds: float = Field(
        default=10.0,
        gt=1,
        le=300,
        description="An account's watcher is held this long by "
        "its instance without renewal (renewed every third of it); after that another "
        "instance takes it over: the failover time",
    )
    ready_min_connected: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="/readyz answers 503 while a smaller share of "
        "the accounts this instance watches is connected (0: the store alone decides)",
    )
    pop3_poll_interval: float = Field(
        default=60.0, gt=0, description="Seconds between polls of POP3-only accounts"
    )
    events_retention_days: int = Field(
        default=7, ge=1, description="Days events (for SSE replay) and webhook deliveries are kept"
    )
    change_log_entries: int = Field(
        default=100_000,
        ge=100,
        le=100_000_000,
        description="Change-feed entries kept per "
        "account; a /changes state older than them gets 410 cannot_calculate_changes",
    )

    # Account autodiscovery (gateway/discovery): GET /v1/autodiscover
    autodiscover_nameservers: list[str] = Field(
        default_factory=list,
        description="DNS servers for autodiscovery's SRV, MX and address "
        "lookups, as a JSON list of `host` or `host:port` (empty: the system's)",
    )
    autodiscover_autoconfig_urls: list[str] = Field(
        default_factory=lambda: [
            "https://autoconfig.{domain}/mail/config-v1.1.xml?emailaddress={email}",
            "https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml",
        ],
        max_length=8,
        description="Where autodiscovery looks for a Thunderbird autoconfig "
        "file, as a JSON list of URLs with {domain} and {email} in them",
    )
    autodiscover_allow_private: bool = Field(
        default=False,
        description="Allow autoconfig files from private and loopback addresses (tests, intranets)",
    )
    autodiscover_timeout: float = Field(
        default=5.0,
        gt=0,
        le=30,
        description="Seconds each autodiscovery lookup (DNS query, autoconfig download) may take",
    )
    autodiscover_per_minute: int = Field(
        default=20, ge=1, description="Autodiscovery requests per minute per API token"
    )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        """The SQLite database file, or None for in-memory or another database."""
        if not self.is_sqlite:
            return None
        path = self.database_url.split("///", 1)[-1]
        if not path or path == ":memory:" or "mode=memory" in path:
            return None
        return Path(path.split("?", 1)[0])
