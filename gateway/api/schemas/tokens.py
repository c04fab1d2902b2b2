"""API tokens: the secret is shown once, at creation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from ...accounts.models import ACCOUNT_ID_PATTERN, SafeStr
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


class TokenCreated(TokenOut):
    token: str = Field(description="The token itself; shown this once, stored only as a hash")


class TokenList(BaseModel):
    items: list[TokenOut]
    next_cursor: str | None = None
    total: int
