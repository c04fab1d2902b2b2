"""What the store keeps, as the layers above it see it: tokens, webhooks, OAuth2 apps,
outbox jobs and audit entries (the repositories in ``gateway.store`` read and write them)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def utcnow() -> datetime:
    return datetime.now(UTC)


TOKEN_PREFIX = "mgt_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenRecord:
    id: str
    description: str
    scopes: list[str]
    accounts: list[str] | None
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class WebhookRecord:
    id: str
    url: str
    events: list[str]
    accounts: list[str] | None
    created_by: str | None
    created_at: datetime

    def wants(self, event_type: str, account_id: str | None) -> bool:
        """Does this webhook subscribe to that event? ``*`` and ``message.*`` patterns work."""
        if self.accounts is not None and account_id not in self.accounts:
            return False
        return any(type_matches(p, event_type) for p in self.events)


def type_matches(pattern: str, event_type: str) -> bool:
    if pattern in ("*", event_type):
        return True
    return pattern.endswith(".*") and event_type.startswith(pattern[:-1])


@dataclass(frozen=True)
class OAuth2App:
    """A client registration at a provider. ``client_secret`` is never serialized."""

    id: str
    provider: str
    name: str
    client_id: str
    client_secret: str = field(repr=False)
    config: dict[str, Any]  # scopes, redirect_url, tenant, *_url, servers
    created_by: str | None
    created_at: datetime


STATUSES = ("queued", "sending", "sent", "failed", "cancelled")
HISTORY_KEEP = 50  # attempts kept per job (the count in ``attempts`` is exact)


@dataclass
class OutboxJob:
    id: str
    account_id: str
    status: str
    message_id: str
    mail_from: str
    rcpt_to: list[str]
    raw: bytes
    options: dict[str, Any]
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    updated_at: datetime
    lease_owner: str | None = None
    lease_until: datetime | None = None
    last_error: str | None = None
    smtp_response: str | None = None
    data_sent_at: datetime | None = None
    accepted: list[str] | None = None
    rejected: list[dict[str, Any]] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class AuditEntry:
    """One audited request: who (token id), what (method, route template, account, target),
    when, from where, and how it ended (HTTP status, the problem's ``code``)."""

    id: str
    at: datetime
    token_id: str | None
    method: str
    route: str
    account_id: str | None
    target_id: str | None
    status: int
    code: str | None
    client_ip: str | None
