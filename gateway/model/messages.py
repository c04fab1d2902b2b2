"""Messages as the gateway's layers pass them around: addresses, drafts, parsed messages.

The bottom layer (no I/O, no protocol): ``protocols.mime`` builds and parses the bytes,
services and the API exchange these types. Address validation lives here because every
layer that takes an address from outside (account e-mail, senders, recipients) applies it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from ..errors import InvalidInput

# RFC 5322 §3.2.3 atext, §3.4.1 addr-spec; RFC 5321 §4.5.3.1 length limits.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LOCAL = rf"(?:{_ATEXT}+(?:\.{_ATEXT}+)*|\"(?:[^\"\\\x00-\x1f\x7f]|\\[\x20-\x7e])*\")"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = rf"(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9A-Fa-f:.]+\]|\[IPv6:[0-9A-Fa-f:.]+\])"
_ADDR_SPEC = re.compile(rf"^({_LOCAL})@({_DOMAIN})$")
_DOMAIN_ONLY = re.compile(_DOMAIN)
_NAME_ADDR = re.compile(r"^\s*(.*?)\s*<([^<>]*)>\s*$", re.S)
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # every C0 control but TAB, and DEL
DOMAIN_PATTERN = _DOMAIN_ONLY
# Not text in a header: C0 controls but TAB, DEL, C1 controls and unpaired surrogates.
# Each of CR, LF, VT, FF, FS, GS, RS and NEL (U+0085) ends a line for some parser (Python's
# str.splitlines among them). U+2028/U+2029 are text: being non-ASCII they always go out
# inside RFC 2047 encoded-words (or RFC 2231 parameters), never as a line break.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")
NOT_TEXT = _NOT_TEXT


@dataclass(frozen=True)
class Address:
    """A mailbox: an addr-spec and an optional display name."""

    address: str
    name: str | None = None


@dataclass(frozen=True)
class Attachment:
    filename: str | None
    content_type: str
    content: bytes
    content_id: str | None = None
    inline: bool = False


@dataclass
class Draft:
    """What a client asked to send, already decoded (attachments are bytes)."""

    sender: Address
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    bcc: list[Address] = field(default_factory=list)
    reply_to: list[Address] = field(default_factory=list)
    subject: str = ""
    text: str | None = None
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    in_reply_to: str | None = None  # the parent's Message-ID header value
    references: list[str] = field(default_factory=list)  # the parent's References, in order
    message_id: str | None = None
    date: datetime | None = None


@dataclass(frozen=True)
class BuiltMessage:
    """A message ready for SMTP: CRLF line endings, its Message-ID and its envelope."""

    raw: bytes
    message_id: str
    mail_from: str
    rcpt_to: list[str]


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    """An address as read from a header (never raises on broken input: may be odd)."""

    name: str | None
    address: str


@dataclass(slots=True)
class AttachmentInfo:
    id: str
    filename: str | None
    content_type: str
    size: int
    content_id: str | None
    inline: bool


@dataclass(frozen=True, slots=True)
class BounceRecipient:
    """One recipient of a delivery status notification (RFC 3464 section 2.3)."""

    recipient: str
    action: str  # failed, delayed, delivered, relayed or expanded
    status: str | None  # RFC 3463 enhanced status code, "5.1.1"
    diagnostic: str | None


@dataclass(frozen=True, slots=True)
class BounceReport:
    """What a bounce says: its recipients, and the Message-ID of the message that bounced."""

    recipients: tuple[BounceRecipient, ...]
    original_message_id: str | None


@dataclass(slots=True)
class ParsedMessage:
    message_id: str | None = None
    subject: str | None = None
    from_: list[ParsedAddress] = field(default_factory=list)
    to: list[ParsedAddress] = field(default_factory=list)
    cc: list[ParsedAddress] = field(default_factory=list)
    bcc: list[ParsedAddress] = field(default_factory=list)
    reply_to: list[ParsedAddress] = field(default_factory=list)
    date: datetime | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    text: str | None = None
    html: str | None = None
    attachments: list[AttachmentInfo] = field(default_factory=list)
    has_attachments: bool = False
    preview: str | None = None
    # Set by the IMAP service when it reads a message: the reply-only text (quoted history
    # and signature removed) and, for a delivery status notification, what it reports.
    reply_text: str | None = None
    bounce: BounceReport | None = None


# -- addresses ---------------------------------------------------------------------------------


def parse_address(value: str | Address, *, where: str = "address") -> Address:
    """Validate ``a@b``, ``Name <a@b>`` or an :class:`Address`; raise InvalidInput if bad.

    The domain is turned into its IDNA (punycode) form; a non-ASCII local part would need
    SMTPUTF8 (RFC 6531), which the gateway does not use, so it is refused.
    """
    if isinstance(value, Address):
        name, addr = value.name, value.address
    else:
        if not isinstance(value, str):
            raise InvalidInput(f"{where}: not an address")
        known = _PARSED.get(value)
        if known is not None:
            return known
        match = _NAME_ADDR.match(value)
        if match:
            name, addr = match.group(1).strip().strip('"') or None, match.group(2)
        else:
            name, addr = None, value
    if name is not None:
        check_header_value(name, where=f"{where}.name")
        if len(name) > 256:
            raise InvalidInput(f"{where}.name: longer than 256 characters")
    parsed = Address(address=validate_addr_spec(addr, where=where), name=name or None)
    if isinstance(value, str):
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[value] = parsed
    return parsed


# Valid addresses already parsed (a pure function of the string): senders and frequent
# recipients come back with every message. Bounded; errors are never kept.
_PARSED: dict[str, Address] = {}
_PARSED_MAX = 4096


def validate_addr_spec(addr: str, *, where: str = "address") -> str:
    """The addr-spec itself (``local@domain``), IDNA-encoding the domain."""
    if not isinstance(addr, str) or _CONTROL.search(addr) or "\t" in addr:
        raise InvalidInput(f"{where}: control characters (CR, LF, ...) are not allowed")
    addr = addr.strip()
    if "@" not in addr:
        raise InvalidInput(f"{where}: not an email address (no @)")
    local, domain = addr.rsplit("@", 1)
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise InvalidInput(f"{where}: not a valid domain") from None
    addr = f"{local}@{domain}"
    if not local.isascii():
        raise InvalidInput(f"{where}: non-ASCII local parts (SMTPUTF8) are not supported")
    if not _ADDR_SPEC.match(addr) or len(local) > 64 or len(addr) > 254:
        raise InvalidInput(f"{where}: not a valid email address")
    return addr


def check_header_value(value: str, *, where: str) -> str:
    """Refuse what is not text in anything that becomes a header (header injection): CR, LF
    and the other C0 and C1 controls (NEL among them) but TAB, and unpaired surrogates."""
    if not isinstance(value, str) or _NOT_TEXT.search(value):
        raise InvalidInput(
            f"{where}: control characters (CR, LF, NEL, ...) and unpaired "
            "surrogates are not allowed"
        )
    return value
