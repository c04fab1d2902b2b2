"""Webhook subscriptions: create (URL checked, secret generated), list, get, delete, deliveries."""

from __future__ import annotations

import secrets
from typing import Any

from ..errors import Forbidden, InvalidInput, WebhookNotFound
from ..model.records import WebhookRecord
from ..settings import Settings
from ..store.webhooks import WebhookRepo
from .types import EVENT_TYPES, is_valid_pattern
from .url_policy import WebhookUrlPolicy


class WebhookService:
    def __init__(self, repo: WebhookRepo, settings: Settings, policy: WebhookUrlPolicy) -> None:
        self.repo = repo
        self._settings = settings
        self._policy = policy

    async def queue_depth(self) -> int:
        """Deliveries not made yet (due, or waiting for a retry), for /metrics."""
        return await self.repo.pending()

    async def create(
        self,
        *,
        url: str,
        events: list[str],
        accounts: list[str] | None,
        secret: str | None,
        token_id: str,
        token_accounts: frozenset[str] | None,
    ) -> tuple[WebhookRecord, str]:
        """Store a webhook; returns it and its signing secret (generated when not given)."""
        bad = [p for p in events if not is_valid_pattern(p)]
        if not events or bad:
            raise InvalidInput(
                f"unknown event types {bad}; known: {', '.join(EVENT_TYPES)}, "
                "'*' or a family such as 'message.*'"
            )
        if token_accounts is not None:
            # A token limited to some accounts only subscribes to (a subset of) those.
            if accounts is None:
                accounts = sorted(token_accounts)
            elif not set(accounts) <= token_accounts:
                raise Forbidden("this token cannot subscribe to events of other accounts")
        await self._policy.check(url)
        secret = secret or "whsec_" + secrets.token_urlsafe(24)
        record = await self.repo.create(
            url=url, events_=events, accounts=accounts, secret=secret, created_by=token_id
        )
        return record, secret

    async def list(self, token_accounts: frozenset[str] | None) -> list[WebhookRecord]:
        return [w for w in await self.repo.list() if _visible(w, token_accounts)]

    async def get(self, webhook_id: str, token_accounts: frozenset[str] | None) -> WebhookRecord:
        record = await self.repo.get(webhook_id)
        if not _visible(record, token_accounts):
            raise WebhookNotFound(f"no webhook {webhook_id!r}")
        return record

    async def delete(self, webhook_id: str, token_accounts: frozenset[str] | None) -> None:
        await self.get(webhook_id, token_accounts)
        await self.repo.delete(webhook_id)

    async def deliveries(
        self,
        webhook_id: str,
        token_accounts: frozenset[str] | None,
        *,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[Any], str | None]:
        await self.get(webhook_id, token_accounts)
        return await self.repo.deliveries(webhook_id, limit=limit, cursor=cursor)

    async def retry(
        self, webhook_id: str, delivery_id: str, token_accounts: frozenset[str] | None
    ) -> Any:
        """Attempt a failed or waiting delivery again now (the dispatcher polls each second)."""
        await self.get(webhook_id, token_accounts)
        return await self.repo.retry(webhook_id, delivery_id)


def _visible(record: WebhookRecord, token_accounts: frozenset[str] | None) -> bool:
    if token_accounts is None:
        return True
    return record.accounts is not None and set(record.accounts) <= token_accounts
