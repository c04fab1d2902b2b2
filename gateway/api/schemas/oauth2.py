"""OAuth2 apps and the consent flow (/v1/oauth2)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from ...model.accounts import (
    ACCOUNT_ID_PATTERN,
    JSON_INTEGER,
    EmailAddress,
    HostName,
    SafeSecret,
    SafeStr,
    Security,
)
from ...model.records import OAuth2App
from .common import StrictModel

_URL = Annotated[
    SafeStr,
    Field(
        min_length=8,
        max_length=2048,
        json_schema_extra={
            "pattern": r"^[Hh][Tt][Tt][Pp][Ss]?://[^\x00-\x20\x7f/?#]+(?:[/?#][^\x00-\x20\x7f]*)?$"
        },
    ),
]


class MailServerPreset(StrictModel):
    """Where a generic provider's mailboxes are served (the username is the address)."""

    host: HostName
    port: int = Field(ge=1, le=65535)
    security: Security = Security.TLS
    max_connections: Annotated[int, Field(ge=1, le=1000), JSON_INTEGER] | None = Field(
        default=None,
        description="The server's cap on one account's connections (copied "
        "into the accounts' server blocks)",
    )


class GenericServers(StrictModel):
    imap: MailServerPreset | None = None
    smtp: MailServerPreset | None = None
    pop3: MailServerPreset | None = None


_GENERIC_ONLY = (
    "authorization_url",
    "token_url",
    "userinfo_url",
    "servers",
    "tls_verify",
    "ca_file",
)


def _null_unless(field: str, values: list[str], keys: tuple[str, ...]) -> dict[str, Any]:
    """JSON Schema: unless ``field`` is one of ``values``, ``keys`` are absent or null."""
    return {
        "if": {"not": {"properties": {field: {"enum": values}}, "required": [field]}},
        "then": {"properties": {key: {"type": "null"} for key in keys}},
    }


class OAuth2AppCreate(StrictModel):
    # ``_fits_provider`` below, said in the schema too (the contract fuzzer holds the
    # gateway to its schema).
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "allOf": [
                _null_unless("provider", ["generic"], _GENERIC_ONLY),
                _null_unless("provider", ["microsoft"], ("tenant",)),
                # ... and what the connect service asks of a generic provider.
                {
                    "if": {
                        "properties": {"provider": {"const": "generic"}},
                        "required": ["provider"],
                    },
                    "then": {
                        "required": ["authorization_url", "token_url", "servers"],
                        "properties": {
                            "authorization_url": {"type": "string"},
                            "token_url": {"type": "string"},
                            "servers": {
                                "type": "object",
                                "anyOf": [
                                    {"properties": {p: {"type": "object"}}, "required": [p]}
                                    for p in ("imap", "smtp", "pop3")
                                ],
                            },
                        },
                    },
                },
            ]
        },
    )

    provider: Literal["google", "microsoft", "generic"]
    name: Annotated[SafeStr, Field(min_length=1, max_length=200)]
    client_id: Annotated[SafeStr, Field(min_length=1, max_length=512)]
    client_secret: Annotated[SafeSecret, Field(min_length=1, max_length=4096)]
    scopes: list[Annotated[SafeStr, Field(min_length=1, max_length=512)]] | None = Field(
        default=None, max_length=50, description="Default: the provider's mail scopes"
    )
    redirect_url: _URL = Field(
        description="Exactly as registered at the provider: `<gateway base URL>/v1/oauth2/callback`"
    )
    tenant: (
        Annotated[SafeStr, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9.-]+$")] | None
    ) = Field(default=None, description="microsoft: tenant id or domain (default `common`)")
    authorization_url: _URL | None = Field(default=None, description="generic only")
    token_url: _URL | None = Field(default=None, description="generic only")
    userinfo_url: _URL | None = Field(default=None, description="generic only")
    servers: GenericServers | None = Field(default=None, description="generic only")
    tls_verify: StrictBool | None = Field(default=None, description="generic only")
    ca_file: Annotated[SafeStr, Field(max_length=4096)] | None = Field(
        default=None, description="generic only: CA bundle for its mail servers"
    )

    @model_validator(mode="after")
    def _fits_provider(self) -> OAuth2AppCreate:
        if self.provider != "generic":
            given = [k for k in _GENERIC_ONLY if getattr(self, k) is not None]
            if given:
                raise ValueError(f"{', '.join(given)}: only for provider generic")
        if self.tenant is not None and self.provider != "microsoft":
            raise ValueError("tenant: only for provider microsoft")
        return self

    def config(self) -> dict[str, Any]:
        """What is stored besides the client credentials (no secret)."""
        out: dict[str, Any] = {"redirect_url": self.redirect_url}
        if self.scopes:
            out["scopes"] = list(self.scopes)
        for key in (
            "tenant",
            "authorization_url",
            "token_url",
            "userinfo_url",
            "tls_verify",
            "ca_file",
        ):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.servers is not None:
            out["servers"] = {
                proto: {
                    "host": server.host,
                    "port": server.port,
                    "security": str(server.security),
                    **(
                        {"max_connections": server.max_connections}
                        if server.max_connections is not None
                        else {}
                    ),
                }
                for proto in ("imap", "smtp", "pop3")
                if (server := getattr(self.servers, proto)) is not None
            }
        return out


class OAuth2AppOut(BaseModel):
    """An app; its client secret is never shown."""

    id: str
    provider: str
    name: str
    client_id: str
    scopes: list[str] | None
    redirect_url: str
    tenant: str | None
    authorization_url: str | None
    token_url: str | None
    userinfo_url: str | None
    created_at: datetime

    @classmethod
    def of(cls, app: OAuth2App) -> OAuth2AppOut:
        c = app.config
        return cls(
            id=app.id,
            provider=app.provider,
            name=app.name,
            client_id=app.client_id,
            scopes=c.get("scopes"),
            redirect_url=c["redirect_url"],
            tenant=c.get("tenant"),
            authorization_url=c.get("authorization_url"),
            token_url=c.get("token_url"),
            userinfo_url=c.get("userinfo_url"),
            created_at=app.created_at,
        )


class OAuth2AppList(BaseModel):
    items: list[OAuth2AppOut]
    total: int


class AuthorizeRequest(StrictModel):
    account: Annotated[
        str,
        Field(
            pattern=ACCOUNT_ID_PATTERN,
            description=(
                "The account to connect: created at the callback, or updated (re-consent)"
            ),
        ),
    ]
    login_hint: Annotated[SafeStr, Field(min_length=1, max_length=320)] | None = None


class AuthorizeResponse(BaseModel):
    url: str = Field(description="Open in the mailbox owner's browser; valid 10 minutes, once")


class CallbackResult(BaseModel):
    status: Literal["connected"]
    account: str
    email: str
    created: bool


class AppOnlyConnect(StrictModel):
    """A mailbox the app opens with its own credentials (client credentials grant), without
    anyone's consent: Microsoft 365 shared mailboxes (the app needs the application
    permissions IMAP.AccessAsApp, POP.AccessAsApp, SMTP.SendAsApp and, in Exchange, a
    mailbox permission: ``Add-MailboxPermission``)."""

    account: Annotated[
        str,
        Field(
            pattern=ACCOUNT_ID_PATTERN,
            description=("The account to connect: created, or updated when it has this address"),
        ),
    ]
    mailbox: EmailAddress = Field(
        description="The mailbox's address: the login user of every server block"
    )
    name: Annotated[SafeStr, Field(min_length=1, max_length=256)] | None = Field(
        default=None, description="A new account's name (default: the mailbox)"
    )
    scope: Annotated[SafeStr, Field(min_length=1, max_length=2048)] | None = Field(
        default=None,
        description="Default: microsoft "
        "`https://outlook.office365.com/.default`; generic: the app's scopes",
    )
