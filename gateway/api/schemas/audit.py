"""The audit log as admins read it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from ...model.records import AuditEntry


class AuditEntryOut(BaseModel):
    id: str
    at: datetime = Field(description="When the request arrived")
    token: str | None = Field(
        description="The caller's token id (`admin-env`: GATEWAY_ADMIN_TOKEN; null: no valid token)"
    )
    method: str
    route: str = Field(description="The route template, e.g. `/v1/tokens/{token_id}`")
    account: str | None = Field(description="The account of the path or the created account")
    target: str | None = Field(description="The id acted on (token, webhook, queue item...)")
    status: int = Field(description="The HTTP status of the answer")
    code: str | None = Field(description="The problem's `code` of a refusal or failure")
    client_ip: str | None

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryOut:
        return cls(
            id=entry.id,
            at=entry.at,
            token=entry.token_id,
            method=entry.method,
            route=entry.route,
            account=entry.account_id,
            target=entry.target_id,
            status=entry.status,
            code=entry.code,
            client_ip=entry.client_ip,
        )


class AuditList(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None = None
