"""Gmail's IMAP extensions, advertised as the capability ``X-GM-EXT-1``.

Documented by Google at https://developers.google.com/workspace/gmail/imap/imap-extensions:

- ``X-GM-MSGID`` and ``X-GM-THRID`` (FETCH items): the message's and its thread's ids, each
  "a 64-bit unsigned integer", written in decimal; the Gmail API and web interface write
  the same numbers in hexadecimal.
- ``X-GM-LABELS`` (FETCH and STORE item): "a list of ASTRINGs, encoded in UTF-7 as
  appropriate" (modified UTF-7, as mailbox names: RFC 3501 section 5.1.3). System labels
  are ``\\Inbox``-style: bare (``\\Inbox``) or quoted (``"\\\\Inbox"``), both meaning
  ``\\Inbox``. A ``NIL`` in the list is no label.
- ``X-GM-RAW`` (SEARCH key): one astring in Gmail's own search syntax.

Pure functions, no I/O; ``parsing.parse_fetch`` converts the FETCH items with them.
"""

from __future__ import annotations

import re
from typing import Any

from ...errors import InvalidInput
from .encoding import Arg, Literal, astring, decode_mailbox, encode_mailbox

__all__ = [
    "CAPABILITY",
    "FETCH_IDS",
    "FETCH_LABELS",
    "gmail_id",
    "hex_id",
    "label_list",
    "labels",
    "raw_search",
]

CAPABILITY = "X-GM-EXT-1"
FETCH_IDS = b"X-GM-THRID X-GM-MSGID"
FETCH_LABELS = b"X-GM-LABELS"
_U64 = 2**64
_MAX_LABEL = 1000  # quoted strings up to 1000 octets (encoding._MAX_QUOTED)
_MAX_RAW = 2048
# RFC 3501 section 9: ATOM-CHAR is any CHAR except atom-specials ( "(" ")" "{" SP CTL "%"
# "*" DQUOTE "\" "]" ).
_ATOM = re.compile(rb"[^\x00-\x20\x7f-\xff(){%*\"\\\]]+")


def gmail_id(value: Any) -> int | None:
    """An ``X-GM-MSGID``/``X-GM-THRID`` value as a number; None when it is not a 64-bit
    unsigned decimal (the tokenizer gives ints, or bytes for a zero-led atom)."""
    if isinstance(value, bytes) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _U64:
        return value
    return None


def hex_id(value: int) -> str:
    """The Gmail API's (and web interface's) spelling of an id: lowercase hexadecimal."""
    return format(value, "x")


def labels(value: Any) -> tuple[str, ...]:
    """An ``X-GM-LABELS`` value (a parenthesised list of astrings) as label names.

    Items come from the tokenizer: bytes (an atom, a quoted string unescaped, or a
    literal), an int (an atom of digits: a label named ``2024``), None (``NIL``: skipped).
    Names are decoded from modified UTF-7. Anything but a list is no labels.
    """
    if not isinstance(value, tuple):
        return ()
    out: list[str] = []
    for item in value:
        if isinstance(item, int) and not isinstance(item, bool):
            item = str(item).encode("ascii")
        if isinstance(item, bytes) and item:
            out.append(decode_mailbox(item))
    return tuple(out)


def _label_arg(label: str) -> bytes:
    if not label or any(c < " " or "\x7f" <= c <= "\x9f" for c in label):
        raise InvalidInput("labels: a label is 1 or more characters, no control characters")
    body = label[1:]
    if label[0] == "\\" and body.isascii() and _ATOM.fullmatch(body.encode("ascii")):
        return label.encode("ascii")  # a system label (\\Inbox), as Google's examples send it
    encoded = encode_mailbox(label)  # modified UTF-7: printable ASCII
    if len(encoded) > _MAX_LABEL:
        raise InvalidInput(f"labels: a label has at most {_MAX_LABEL} octets in modified UTF-7")
    if _ATOM.fullmatch(encoded) and encoded.upper() != b"NIL":
        return encoded  # an atom is an astring too (RFC 3501 section 9)
    arg = astring(encoded)  # printable ASCII of at most 1000 octets: a quoted string
    if isinstance(arg, Literal):
        raise InvalidInput("labels: this label cannot be sent")
    return arg


def label_list(names: list[str]) -> bytes:
    """The argument of ``STORE +X-GM-LABELS`` (and ``-``): ``(`` the labels, ``)``; each
    label an atom when it is one (``foo``, a system label ``\\Inbox``), else quoted."""
    return b"(" + b" ".join(_label_arg(n) for n in names) + b")"


def raw_search(query: str) -> list[Arg]:
    """The SEARCH key ``X-GM-RAW "<query>"``: Gmail's search syntax, sent as one string."""
    if not query or not query.strip():
        raise InvalidInput("x_gm_raw: an empty Gmail search")
    if len(query) > _MAX_RAW:
        raise InvalidInput(f"x_gm_raw: at most {_MAX_RAW} characters")
    if any(c < " " or c == "\x7f" for c in query):
        raise InvalidInput("x_gm_raw: control characters (CR, LF, ...) are not allowed")
    return [b"X-GM-RAW", astring(query)]
