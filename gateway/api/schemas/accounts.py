"""Accounts as clients see them: secrets go in, never come out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictBool
from pydantic.json_schema import SkipJsonSchema

from ...accounts.manager import ConnState
from ...model.accounts import (
    ACCOUNT_ID_PATTERN,
    Account,
    AccountSpec,
    Aliases,
    DailySendLimit,
    EmailAddress,
    SafeStr,
    Security,
    ServerConfig,
)
from .common import StrictModel

AccountCreate = AccountSpec
NotNull = SkipJsonSchema[None]


class AccountUpdate(StrictModel):
    """Fields to change; a server block replaces the stored one (``null`` removes it)."""

    # `| NotNull` (None, left out of the schema): the field may be left out, but it cannot be
    # null; the route refuses a null with a clear message, and the schema says so.
    name: Annotated[SafeStr, Field(min_length=1, max_length=256)] | NotNull = None
    email: EmailAddress | NotNull = None
    imap: ServerConfig | None = None
    smtp: ServerConfig | None = None
    pop3: ServerConfig | None = None
    watch_mailboxes: (
        Annotated[list[Annotated[SafeStr, Field(max_length=1024)]], Field(max_length=100)] | NotNull
    ) = None
    aliases: Aliases | NotNull = None
    allow_any_from: StrictBool | NotNull = None
    daily_send_limit: DailySendLimit | None = Field(default=None, description="null: no limit")


class ServerOut(BaseModel):
    host: str
    port: int
    security: Security
    username: str
    tls_verify: bool
    ca_file: str | None
    has_password: bool
    oauth2: bool
    oauth2_grant: Literal["refresh_token", "client_credentials"] | None = Field(
        description="How the OAuth2 tokens are renewed (null without OAuth2)"
    )
    max_connections: int | None

    @classmethod
    def of(cls, server: ServerConfig | None) -> ServerOut | None:
        if server is None:
            return None
        return cls(
            host=server.host,
            port=server.port,
            security=server.security,
            username=server.username,
            tls_verify=server.tls_verify,
            ca_file=server.ca_file,
            has_password=server.password is not None,
            oauth2=server.oauth2 is not None,
            oauth2_grant=server.oauth2.grant if server.oauth2 is not None else None,
            max_connections=server.max_connections,
        )


class AccountOut(BaseModel):
    id: Annotated[str, Field(pattern=ACCOUNT_ID_PATTERN)]
    name: str
    email: str
    imap: ServerOut | None
    smtp: ServerOut | None
    pop3: ServerOut | None
    watch_mailboxes: list[str]
    aliases: list[str]
    allow_any_from: bool
    daily_send_limit: int | None
    source: Literal["api", "file"]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, account: Account) -> AccountOut:
        return cls(
            id=account.id,
            name=account.name,
            email=account.email,
            imap=ServerOut.of(account.imap),
            smtp=ServerOut.of(account.smtp),
            pop3=ServerOut.of(account.pop3),
            watch_mailboxes=account.watch_mailboxes,
            aliases=account.aliases,
            allow_any_from=account.allow_any_from,
            daily_send_limit=account.daily_send_limit,
            source=account.source,
            created_at=account.created_at,
            updated_at=account.updated_at,
        )


class AccountList(BaseModel):
    items: list[AccountOut]
    next_cursor: str | None = None
    total: int


class ProtocolStatusOut(BaseModel):
    state: ConnState
    last_error: str | None
    since: datetime


class AccountStatus(BaseModel):
    account: str
    imap: ProtocolStatusOut | None
    smtp: ProtocolStatusOut | None
    pop3: ProtocolStatusOut | None


class VerifyResult(BaseModel):
    ok: bool
    detail: str


class AccountVerify(BaseModel):
    account: str
    ok: bool
    imap: VerifyResult | None
    smtp: VerifyResult | None
    pop3: VerifyResult | None
