"""What autodiscovery finds: server blocks proposed for an address, and where each came from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ..errors import InvalidInput

Protocol = Literal["imap", "smtp", "pop3"]
Security = Literal["tls", "starttls", "none"]
Auth = Literal["password", "oauth2"]
SourceKind = Literal["preset", "autoconfig", "srv"]

# A DNS name of LDH labels (RFC 1035 section 2.3.1, RFC 5890 A-labels), 2 labels at least.
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"^{_LABEL}(?:\.{_LABEL})+$")
_HOST = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_LOCAL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}$")
# What ``parse_email`` takes, as a JSON Schema pattern for the API (at most 254 characters
# in all, RFC 5321 section 4.5.3.1.3, so the domain stays within 253): an IDN domain in its
# ASCII (xn--) form.
_LDH = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = rf"^[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]{{1,64}}@(?:{_LDH}\.)+{_LDH}$"
EMAIL_MAX = 254


@dataclass(frozen=True, slots=True)
class Address:
    """An email address split for discovery: ``domain`` is the ASCII (IDNA) form."""

    email: str
    local: str
    domain: str


def parse_email(email: str) -> Address:
    """The address to discover servers for; InvalidInput unless ``local@domain`` with a DNS
    domain (no IP literal, no quoted local part)."""
    local, at, domain = email.strip().rpartition("@")
    if not at or not _LOCAL.fullmatch(local):
        raise InvalidInput("email must be an address like alice@example.com")
    try:
        ascii_domain = domain.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidInput("the domain of the email address is not a valid DNS name") from None
    if len(ascii_domain) > 253 or not _DOMAIN.fullmatch(ascii_domain):
        raise InvalidInput("the domain of the email address is not a valid DNS name")
    return Address(email=f"{local}@{ascii_domain}", local=local, domain=ascii_domain)


def valid_host(host: str) -> str | None:
    """``host`` lower-cased without its final dot when it is a DNS name, else None."""
    host = host.strip().rstrip(".").lower()
    if not host or len(host) > 253 or not _HOST.fullmatch(host):
        return None
    return host


@dataclass(frozen=True, slots=True)
class ServerBlock:
    """One proposed server: the fields of an account's server block (without a secret)."""

    host: str
    port: int
    security: Security
    username: str
    auth: Auth = "password"
    origin: str = ""  # which record or element it came from


@dataclass(frozen=True, slots=True)
class Proposal:
    """A complete proposal from one source: its servers by protocol."""

    source: SourceKind
    origin: str  # the preset's name, the autoconfig URL, the SRV domain
    servers: dict[Protocol, ServerBlock]
    provider: str | None = None  # google / microsoft for a preset; the display name otherwise
    oauth2_provider: str | None = None  # a preset whose servers need OAuth2 (google, ...)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SourceReport:
    """What one source gave: ``ok`` false with why when it gave nothing usable."""

    source: SourceKind
    origin: str
    ok: bool
    detail: str


@dataclass(slots=True)
class Discovery:
    """Everything found for one address, the most trustworthy proposal first."""

    address: Address
    proposals: list[Proposal] = field(default_factory=list)
    reports: list[SourceReport] = field(default_factory=list)
