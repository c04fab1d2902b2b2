"""Which addresses an account may send as (pure: no I/O).

An account sends as its own email and its ``aliases``; an alias ``*@example.com`` stands
for every address of that domain (not its subdomains). ``allow_any_from`` lifts the rule.
Addresses compare case-insensitively, domains in their IDNA form. The rule covers the
From header and the envelope sender (MAIL FROM); ``Sender`` and ``Reply-To`` are free.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.errors import InvalidHeaderDefect
from email.headerregistry import HeaderRegistry
from email.utils import getaddresses
from typing import TYPE_CHECKING

from ..errors import FromNotAllowed, InvalidInput

if TYPE_CHECKING:
    from ..model.accounts import Account


def normal_address(address: str) -> str:
    """``local@domain`` lower-cased, the domain in IDNA (punycode) form when it can be."""
    local, _, domain = address.strip().rpartition("@")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            pass
    return f"{local}@{domain}".lower()


def may_send_as(account: Account, address: str) -> bool:
    """True when ``account`` may put ``address`` in From or MAIL FROM."""
    if account.allow_any_from:
        return True
    wanted = normal_address(address)
    if wanted == normal_address(account.email):
        return True
    domain = "*@" + wanted.rpartition("@")[2]
    return any(normal_address(alias) in (wanted, domain) for alias in account.aliases)


def check_senders(account: Account, senders: Iterable[tuple[str, str]]) -> None:
    """Raise :class:`FromNotAllowed` for the first ``(where, address)`` the account may not use.

    The message does not repeat the address (it is the caller's message content).
    """
    for where, address in senders:
        if not may_send_as(account, address):
            raise FromNotAllowed(
                f"{where}: this account may not send as that address; it may use its own "
                "email and its aliases (an admin can add aliases or set allow_any_from)"
            )


def check_raw_senders(account: Account, envelope: str, from_fields: Iterable[str]) -> None:
    """A raw message: its envelope sender and every address of its From header(s)."""
    if account.allow_any_from:
        return
    senders = [("envelope sender (mail_from, else the Sender or From header)", envelope)]
    senders += [("From header", address) for address in from_header_addresses(from_fields)]
    check_senders(account, senders)


_HEADERS = HeaderRegistry()
_FOLD = re.compile(r"\r\n|\r|\n")


def from_header_addresses(fields: Iterable[str]) -> list[str]:
    """Every address the From header values name; InvalidInput when one cannot be read.

    Read twice, by the strict RFC 5322 parser of ``email.headerregistry`` and by the lenient
    ``getaddresses``, and both readings are returned: a value the two parsers (or a mail
    reader) could understand differently must not slip a foreign address past the check.
    """
    out: list[str] = []
    for value in fields:
        value = _FOLD.sub("", value)  # RFC 5322 §2.2.3: unfolding removes the CRLF only
        try:
            header = _HEADERS("From", value)
            addresses = [a.addr_spec for a in header.addresses]
        except Exception as exc:  # the parser's own errors are not one documented class
            raise InvalidInput("From header: not a valid address list") from exc
        if not addresses or any(isinstance(d, InvalidHeaderDefect) for d in header.defects):
            raise InvalidInput("From header: not a valid address list")
        out += addresses
        out += [address for _name, address in getaddresses([value]) if address]
    return out
