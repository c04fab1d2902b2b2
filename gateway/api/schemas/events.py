"""Webhooks and their deliveries (the event envelope itself is documented on /v1/events)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from ...events.types import EVENT_TYPES
from ...model.accounts import ACCOUNT_ID_PATTERN, SafeStr
from ...model.records import WebhookRecord
from .common import StrictModel, one_of_pattern

# What ``events.types.is_valid_pattern`` admits (the check, with the clearer message): a
# type, `*`, or the family of some types.
EVENT_PATTERN = one_of_pattern(
    ("*", *EVENT_TYPES, *sorted({t.split(".")[0] + ".*" for t in EVENT_TYPES}))
)
# What ``events.url_policy.parse_url`` admits before it resolves the host (a refusal of the
# address itself is a 422 the schema cannot foresee).
_URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\x00-\x20\x7f/?#]+(?:[/?#][^\x00-\x20\x7f]*)?$"


class WebhookCreate(StrictModel):
    url: Annotated[
        SafeStr,
        Field(
            min_length=8,
            max_length=2048,
            examples=["https://example.com/hooks/mail"],
            json_schema_extra={"pattern": _URL_PATTERN},
        ),
    ]
    events: Annotated[
        list[
            Annotated[
                str, Field(max_length=64, json_schema_extra={"pattern": f"^(?:{EVENT_PATTERN})$"})
            ]
        ],
        Field(
            min_length=1,
            max_length=50,
            description="Event types, `*`, or a family like `message.*`",
        ),
    ]
    accounts: list[Annotated[str, Field(pattern=ACCOUNT_ID_PATTERN)]] | None = Field(
        default=None, max_length=1000, description="Only these accounts' events (default: all)"
    )
    secret: Annotated[SafeStr, Field(min_length=16, max_length=256)] | None = Field(
        default=None, description="HMAC-SHA256 signing secret; generated when omitted"
    )


class WebhookOut(BaseModel):
    id: str
    url: str
    events: list[str]
    accounts: list[str] | None
    created_at: datetime

    @classmethod
    def of(cls, record: WebhookRecord) -> WebhookOut:
        """The one serializer of a stored webhook (never its secret)."""
        return cls(**_webhook_fields(record))


class WebhookCreated(WebhookOut):
    secret: str = Field(description="The signing secret; shown this once")

    @classmethod
    def of_new(cls, record: WebhookRecord, secret: str) -> WebhookCreated:
        return cls(**_webhook_fields(record), secret=secret)


def _webhook_fields(record: WebhookRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "url": record.url,
        "events": record.events,
        "accounts": record.accounts,
        "created_at": record.created_at,
    }


class WebhookList(BaseModel):
    items: list[WebhookOut]
    next_cursor: str | None = None
    total: int


class DeliveryAttempt(BaseModel):
    at: datetime
    attempt: int
    status_code: int | None
    latency_ms: float
    error: str | None


class DeliveryOut(BaseModel):
    id: str
    webhook_id: str
    event_id: str
    event_type: str | None
    status: str = Field(description="pending | delivered | failed")
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    status_code: int | None = Field(description="Of the last attempt")
    latency_ms: float | None = Field(description="Of the last attempt")
    error: str | None = Field(description="Of the last attempt")
    history: list[DeliveryAttempt]

    @classmethod
    def of(cls, row: Any) -> DeliveryOut:
        history = list(row.history or [])
        last = history[-1] if history else {}
        return cls(
            id=row.id,
            webhook_id=row.webhook_id,
            event_id=row.event_id,
            event_type=row.event_type,
            status=row.status,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
            created_at=row.created_at,
            status_code=last.get("status_code"),
            latency_ms=last.get("latency_ms"),
            error=last.get("error"),
            history=[DeliveryAttempt(**h) for h in history],
        )


class DeliveryList(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None = None
