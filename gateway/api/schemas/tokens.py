"""API tokens: the secret is shown once, at creation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from ...model.accounts import ACCOUNT_ID_PATTERN, SafeStr
from ...model.records import TokenRecord
from .common import StrictModel

ScopeName = Literal["read", "write", "send", "admin", "metrics"]


class TokenCreate(StrictModel):
    description: Annotated[SafeStr, Field(max_length=512)] = ""
    scopes: Annotated[list[ScopeName], Field(min_length=1, max_length=5)]
    accounts: list[Annotated[str, Field(pattern=ACCOUNT_ID_PATTERN)]] | None = Field(
        default=None, max_length=1000
    )


class TokenOut(BaseModel):
    id: str
    description: str
    scopes: list[ScopeName]
    accounts: list[str] | None
    prefix: str
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, record: TokenRecord) -> TokenOut:
        """The one serializer of a stored token (never its hash)."""
        return cls(**_token_fields(record))


class TokenCreated(TokenOut):
    token: str = Field(description="The token itself; shown this once, stored only as a hash")

    @classmethod
    def of_new(cls, record: TokenRecord, token: str) -> TokenCreated:
        return cls(**_token_fields(record), token=token)


def _token_fields(record: TokenRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "description": record.description,
        "scopes": record.scopes,
        "accounts": record.accounts,
        "prefix": record.prefix,
        "created_at": record.created_at,
        "last_used_at": record.last_used_at,
    }


class TokenList(BaseModel):
    items: list[TokenOut]
    next_cursor: str | None = None
    total: int
