"""The account as the domain sees it (secrets included; never serialised to clients)."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    StrictBool,
)

from ..errors import InvalidInput
from .messages import validate_addr_spec

_CONTROL_CHARS = r"\x00-\x1f\x7f"
_CONTROL = re.compile(f"[{_CONTROL_CHARS}]")
# Dot-separated labels of 1 to 63 characters (RFC 1035 section 2.3.4; a name with an empty
# or longer label has no IDNA form, and the resolver raised UnicodeError); a final dot may
# end it. IPv4 and IPv6 literals fit.
_LABEL = r"[A-Za-z0-9_:\-\[\]]{1,63}"
_HOST = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*\.?$")
# The validators below, as JSON Schema patterns in the OpenAPI document: a client (or a
# contract fuzzer) can tell from the schema alone what the gateway accepts.
_NO_CONTROL_DOC = Field(json_schema_extra={"pattern": f"^[^{_CONTROL_CHARS}]*$"})
_HOST_DOC = Field(json_schema_extra={"pattern": _HOST.pattern})
ACCOUNT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"

PROTOCOLS = ("imap", "smtp", "pop3")
Protocol = Literal["imap", "smtp", "pop3"]


def _no_control_chars(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters (CR, LF, NUL, ...)")
    return value


def _hostname(value: str) -> str:
    if not _HOST.match(value):
        raise ValueError("must be a host name (labels of 1 to 63 characters) or an IP address")
    return value


def _secret_no_control(value: SecretStr | None) -> SecretStr | None:
    if value is not None and _CONTROL.search(value.get_secret_value()):
        raise ValueError("must not contain control characters (CR, LF, NUL, ...)")
    return value


def _sender_pattern(value: str) -> str:
    """An address the account may send as, or ``*@domain`` for every address of a domain."""
    try:
        if value.startswith("*@"):
            return "*@" + validate_addr_spec("x" + value[1:], where="alias").split("@", 1)[1]
        return validate_addr_spec(value, where="alias")
    except InvalidInput as exc:
        raise ValueError(exc.detail) from None


SafeStr = Annotated[str, AfterValidator(_no_control_chars), _NO_CONTROL_DOC]


def _json_integer(value: object) -> object:
    if isinstance(value, bool | str):
        raise ValueError("Input should be an integer")  # no true -> 1, no "5" -> 5
    return value


# `Annotated[int, Field(...), JSON_INTEGER]` (last, or the constraints vanish from the JSON
# Schema): a JSON integer (1 or 1.0, as JSON Schema's "integer"); pydantic's lax int also
# takes true and "5", which the schema calls invalid. Request booleans are StrictBool.
JSON_INTEGER = BeforeValidator(_json_integer)


def _json_date_time(value: object) -> object:
    if isinstance(value, int | float):
        raise ValueError("Input should be a date-time string")  # no Unix times
    return value


# A date-time as JSON Schema's "date-time" string: pydantic's lax datetime also takes numbers.
JsonDateTime = Annotated[datetime, BeforeValidator(_json_date_time)]
# local@domain without control characters or white space (spelled out: the regex engines
# of JSON Schema tools and of pydantic disagree on what \s covers).
_NOT_IN_ADDRESS = r"@\x00-\x20\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
EmailAddress = Annotated[
    str,
    Field(min_length=3, max_length=320, pattern=f"^[^{_NOT_IN_ADDRESS}]+@[^{_NOT_IN_ADDRESS}]+$"),
]
HostName = Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_hostname), _HOST_DOC]
SafeSecret = Annotated[SecretStr, AfterValidator(_secret_no_control), _NO_CONTROL_DOC]
SenderPattern = Annotated[
    str,
    Field(min_length=3, max_length=320),
    AfterValidator(_no_control_chars),
    AfterValidator(_sender_pattern),
]
Aliases = Annotated[
    list[SenderPattern],
    Field(
        max_length=100,
        description="Addresses the account may send as besides its email; "
        "`*@example.com` allows every address of that domain",
    ),
]
DailySendLimit = Annotated[
    int,
    Field(
        ge=1, le=10_000_000, description="At most this many messages per UTC day (null: no limit)"
    ),
    JSON_INTEGER,
]


class Security(StrEnum):
    TLS = "tls"
    STARTTLS = "starttls"
    NONE = "none"


class OAuth2Config(BaseModel):
    """XOAUTH2 credentials: an access token, optionally refreshed at a token endpoint."""

    model_config = ConfigDict(extra="forbid")

    access_token: SafeSecret | None = None
    refresh_token: SafeSecret | None = None
    token_url: Annotated[str, Field(max_length=2048)] | None = None
    client_id: Annotated[SafeStr, Field(max_length=512)] | None = None
    client_secret: SafeSecret | None = None
    expires_at: JsonDateTime | None = None
    mechanism: Literal["auto", "oauthbearer", "xoauth2"] = Field(
        default="auto",
        description="SASL mechanism for the token: `auto` uses OAUTHBEARER "
        "(RFC 7628) when the server offers it, else XOAUTH2",
    )
    grant: Literal["refresh_token", "client_credentials"] = Field(
        default="refresh_token",
        description="How new access tokens are obtained at "
        "`token_url`: `refresh_token` (a mailbox owner's consent) or `client_credentials` "
        "(app-only access without a user, e.g. Microsoft 365 shared mailboxes: the client's "
        "own credentials, the block's `username` is the mailbox)",
    )
    scope: Annotated[SafeStr, Field(min_length=1, max_length=2048)] | None = Field(
        default=None,
        description="client_credentials: the scope asked for (Microsoft: "
        "`https://outlook.office365.com/.default`)",
    )


class ServerConfig(BaseModel):
    """How to reach and log in to one mail server."""

    model_config = ConfigDict(extra="forbid")

    host: HostName
    port: Annotated[int, JSON_INTEGER] = Field(ge=1, le=65535)
    security: Security = Security.TLS
    username: Annotated[SafeStr, Field(min_length=1, max_length=512)]
    password: Annotated[SafeSecret, Field(max_length=4096)] | None = None
    oauth2: OAuth2Config | None = None
    tls_verify: StrictBool = True
    ca_file: Annotated[SafeStr, Field(max_length=4096)] | None = None
    max_connections: Annotated[int, Field(ge=1, le=1000), JSON_INTEGER] | None = Field(
        default=None,
        description="At most this many connections of the account to this "
        "server at once, request pool and watchers together (Gmail allows 15 IMAP "
        "connections, Microsoft 365 about 20); a request waits for a free one for "
        "GATEWAY_CONNECTION_WAIT seconds, then gets 503 connection_limit_reached. null: no "
        "limit",
    )

    def secret_dump(self) -> dict:
        """The secrets of this block, for encryption at rest."""
        out: dict = {}
        if self.password is not None:
            out["password"] = self.password.get_secret_value()
        if self.oauth2 is not None:
            out["oauth2"] = {
                key: value.get_secret_value() if isinstance(value, SecretStr) else value
                for key, value in self.oauth2.model_dump(mode="python").items()
                if value is not None
            }
            if self.oauth2.expires_at is not None:
                out["oauth2"]["expires_at"] = self.oauth2.expires_at.isoformat()
        return out

    def public_dump(self) -> dict:
        """The block without secrets."""
        return self.model_dump(mode="json", exclude={"password", "oauth2"})


class AccountSpec(BaseModel):
    """What a client (or the static accounts file) says an account is."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(pattern=ACCOUNT_ID_PATTERN)] | None = None
    name: Annotated[SafeStr, Field(min_length=1, max_length=256)]
    email: EmailAddress
    imap: ServerConfig | None = None
    smtp: ServerConfig | None = None
    pop3: ServerConfig | None = None
    watch_mailboxes: list[Annotated[SafeStr, Field(max_length=1024)]] = Field(
        default_factory=list, max_length=100
    )
    aliases: Aliases = Field(default_factory=list)
    allow_any_from: StrictBool = Field(
        default=False, description="Send as any address (default: only email and aliases)"
    )
    daily_send_limit: DailySendLimit | None = None


class Account(AccountSpec):
    """A stored account."""

    id: str
    source: Literal["api", "file"] = "api"
    created_at: datetime
    updated_at: datetime

    def server(self, protocol: str) -> ServerConfig | None:
        return getattr(self, protocol)
