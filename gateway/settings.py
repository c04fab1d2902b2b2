"""Settings, read from ``GATEWAY_*`` environment variables (or passed in by tests)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything configurable; nothing here is read at import time."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./mailgate.db"
    # Upgrade the database schema at start; false: refuse to start unless `mailgate migrate` ran.
    migrate_on_start: bool = True
    admin_token: SecretStr | None = None
    secret_key: SecretStr | None = None
    accounts_file: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8025
    log_level: str = "info"
    instance_id: str = ""

    # HTTP
    max_request_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    rate_limit_per_minute: int = Field(default=0, ge=0)  # per API token; 0: no limit
    rate_limit_burst: int = Field(default=200, ge=1)
    # A request (headers and body) must arrive within this many seconds of the connection
    # or of its first byte, else the connection is closed (gateway/server.py).
    request_read_timeout: float = Field(default=30.0, gt=0, le=60)
    max_connections: int = Field(default=1024, ge=1)  # more are answered 503 and closed
    # A client that leaves a response in the server's write buffer for this long is dropped.
    client_write_timeout: float = Field(default=120.0, gt=0)
    # How long a token lookup is cached: a token revoked on another instance (and every
    # SSE stream it holds open) stops within this time.
    token_cache_seconds: float = Field(default=5.0, gt=0, le=300)
    audit_retention_days: int = Field(default=90, ge=1)  # the audit log keeps this long

    # Upstream connections
    connect_timeout: float = Field(default=10.0, gt=0)
    command_timeout: float = Field(default=30.0, gt=0)
    imap_pool_size: int = Field(default=3, ge=1, le=32)
    # Downloads give way to the account's interactive requests for at most this many
    # seconds per period of interactive activity (accounts/imap_pool.py); 0: never.
    imap_bulk_yield: float = Field(default=0.05, ge=0, le=1)
    imap_idle_check_after: float = Field(default=30.0, ge=0)
    imap_session_max_idle: float = Field(default=300.0, gt=0)
    imap_summary_cache_entries: int = Field(default=100_000, ge=0)
    smtp_pool_size: int = Field(default=3, ge=1, le=32)
    smtp_helo_name: str = Field(default="localhost", pattern=r"^[A-Za-z0-9.\[\]:-]{1,255}$")
    max_message_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)  # built or raw message
    pop3_lock_timeout: float = Field(default=30.0, ge=0)
    # A streamed item counts as delivered (marked seen, DELE'd) only once this many bytes
    # were written after it: socket buffers may still hold that much when a client dies.
    pop3_unconfirmed_bytes: int = Field(default=64 * 1024 * 1024, ge=0)
    pop3_max_message_bytes: int = Field(default=256 * 1024 * 1024, ge=1024)
    # A streamed retrieval whose client takes no data for this long is ended (frees the lock).
    pop3_client_write_timeout: float = Field(default=120.0, gt=0)
    reconnect_base_delay: float = Field(default=1.0, gt=0)
    reconnect_max_delay: float = Field(default=60.0, gt=0)

    # Outbox
    outbox_workers: int = Field(default=4, ge=0, le=64)
    outbox_poll_interval: float = Field(default=1.0, gt=0)
    outbox_lease_seconds: float = Field(default=120.0, gt=0)
    outbox_max_attempts: int = Field(default=10, ge=1)
    outbox_retry_base_delay: float = Field(default=30.0, gt=0)
    outbox_retry_max_delay: float = Field(default=3600.0, gt=0)
    idempotency_ttl_seconds: int = Field(default=24 * 3600, gt=0)

    # Events
    webhook_timeout: float = Field(default=10.0, gt=0)
    webhook_allow_private: bool = False
    # OAuth2 token, authorization and userinfo endpoints on private addresses (tests; a
    # token_url is chosen by whoever may write accounts, checked like webhook URLs).
    oauth2_allow_private_endpoints: bool = False
    watch_poll_interval: float = Field(default=60.0, gt=0)
    webhook_retry_base_delay: float = Field(default=10.0, gt=0)
    webhook_retry_max_delay: float = Field(default=900.0, gt=0)
    webhook_retry_window: float = Field(default=24 * 3600.0, ge=3600)  # keep retrying this long
    webhook_concurrency: int = Field(default=4, ge=1, le=64)  # in-flight POSTs per webhook
    sse_heartbeat: float = Field(default=15.0, gt=0)
    watch_enabled: bool = True
    watch_idle_renew: float = Field(default=25 * 60.0, gt=0)  # re-issue IDLE (RFC 2177: 29 min)
    watch_lease_seconds: float = Field(default=60.0, gt=1)
    pop3_poll_interval: float = Field(default=60.0, gt=0)
    events_retention_days: int = Field(default=7, ge=1)

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
