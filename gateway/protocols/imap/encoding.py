"""The one encoder for everything the gateway sends inside an IMAP command.

Strings become quoted strings or literals (RFC 3501 section 4.3 and 9: a quoted
string cannot hold CR, LF or 8-bit characters, so those go out as literals);
mailbox names are first turned into modified UTF-7 (RFC 3501 section 5.1.3).
Atoms (flags, keywords) are validated, never escaped: an atom that is not one is
refused. Nothing the user typed is ever pasted into a command line as is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from imapclient import imap_utf7

from ...errors import InvalidInput

__all__ = [
    "Literal",
    "Arg",
    "astring",
    "mailbox_arg",
    "encode_mailbox",
    "decode_mailbox",
    "flag_atom",
    "flag_list",
    "sequence_set",
    "search_date",
    "parse_sequence_set",
]

_MAX_QUOTED = 1000  # longer strings go as literals: some servers cap quoted strings
# \Z, not $: "$" also matches before a final "\n", which would let a LF through.
_QUOTED_SAFE = re.compile(rb"[\x01-\x09\x0b\x0c\x0e-\x7f]*\Z")
# RFC 3501 section 9: atom-char is any CHAR except atom-specials
# ( "(" / ")" / "{" / SP / CTL / "%" / "*" / DQUOTE / "\" / "]" ).
_ATOM = re.compile(r"[^\x00-\x20\x7f-\U0010ffff(){%*\"\\\]]+\Z")
# C0 and C1 controls (NEL among them), DEL and unpaired surrogates are no part of a name.
_NOT_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Literal(bytes):
    """Bytes that must be sent as an IMAP literal (``{n}`` or ``{n+}`` then the data)."""

    __slots__ = ()


Arg = bytes | Literal


def astring(value: str | bytes) -> Arg:
    """A string argument: a quoted string when that is safe, else a literal.

    NUL can be sent in neither (RFC 3501 section 4.3), so it is refused, and so is a
    string with an unpaired surrogate (it has no UTF-8 form).
    """
    try:
        data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    except UnicodeEncodeError:
        raise InvalidInput("unpaired surrogates cannot be sent to an IMAP server") from None
    if b"\x00" in data:
        raise InvalidInput("NUL characters cannot be sent to an IMAP server")
    if len(data) <= _MAX_QUOTED and _QUOTED_SAFE.match(data):
        return b'"' + data.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    return Literal(data)


def encode_mailbox(name: str) -> bytes:
    """A mailbox name in modified UTF-7 (RFC 3501 section 5.1.3); INBOX is case-insensitive."""
    if name.upper() == "INBOX":
        return b"INBOX"
    return imap_utf7.encode(name)


def decode_mailbox(raw: bytes | str) -> str:
    """The Unicode name of a mailbox as the server spelled it in modified UTF-7."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    try:
        return imap_utf7.decode(raw)
    except (ValueError, UnicodeError):
        # Servers with UTF8=ACCEPT or broken names: keep what we got, readable.
        return raw.decode("utf-8", "replace")


def mailbox_arg(name: str) -> Arg:
    """A mailbox argument: validated, modified UTF-7, then quoted or literal."""
    if not name or len(name) > 1024:
        raise InvalidInput("a mailbox name must have 1 to 1024 characters")
    if _NOT_NAME.search(name):
        raise InvalidInput(
            "a mailbox name must not contain control characters (CR, LF, NEL, "
            "...) or unpaired surrogates"
        )
    return astring(encode_mailbox(name))


def flag_atom(flag: str) -> bytes:
    """One flag or keyword (``\\Seen``, ``$Forwarded``, ``todo``) as its atom."""
    body = flag[1:] if flag.startswith("\\") else flag
    # At most 50 characters: Dovecot's default mail_max_keyword_length (longer ones would
    # pass here and come back as the server's NO, a 502).
    if not body or len(body) > 50 or not _ATOM.match(body):
        # The flag is not quoted back: it is the caller's text, and may hold anything.
        raise InvalidInput(
            "flags: a flag is \\Name or a keyword of 1 to 50 ASCII characters "
            'without spaces, controls or ( ) { % * " \\ ]'
        )
    if flag.startswith("\\") and body.lower() == "recent":
        raise InvalidInput("\\Recent cannot be set by a client (RFC 3501 section 2.3.2)")
    return flag.encode("ascii")


def flag_list(flags: Iterable[str]) -> bytes:
    """A parenthesised flag list, e.g. ``(\\Seen $Forwarded)``."""
    return b"(" + b" ".join(flag_atom(f) for f in flags) + b")"


def sequence_set(uids: Iterable[int]) -> bytes:
    """Compress UIDs into an IMAP sequence set: ``[1, 2, 3, 7]`` -> ``1:3,7``."""
    ordered = sorted(set(uids))
    if not ordered:
        raise ValueError("empty sequence set")
    if ordered[0] < 1:
        raise InvalidInput("UIDs start at 1")
    ranges: list[str] = []
    start = prev = ordered[0]
    for uid in ordered[1:]:
        if uid == prev + 1:
            prev = uid
            continue
        ranges.append(f"{start}:{prev}" if prev != start else str(start))
        start = prev = uid
    ranges.append(f"{start}:{prev}" if prev != start else str(start))
    return ",".join(ranges).encode("ascii")


def parse_sequence_set(text: bytes | str) -> list[tuple[int, int]]:
    """``1:3,7`` -> ``[(1, 3), (7, 7)]`` (ranges ascending; ``*`` is not expected here)."""
    if isinstance(text, bytes):
        text = text.decode("ascii")
    out: list[tuple[int, int]] = []
    for part in text.split(","):
        if not part:
            continue
        lo, _, hi = part.partition(":")
        a, b = int(lo), int(hi or lo)
        out.append((min(a, b), max(a, b)))
    out.sort()
    return out


def search_date(day: date) -> bytes:
    """A SEARCH date (RFC 3501 section 9, ``date``): ``1-Feb-1994``."""
    # date-year is 4DIGIT: year 953 is "0953".
    return f"{day.day}-{_MONTHS[day.month - 1]}-{day.year:04d}".encode("ascii")
