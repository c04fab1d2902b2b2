"""Parsing IMAP responses with imapclient's ``response_parser`` (a real tokenizer, no regexes).

Input is what ``wire`` produces: untagged responses as lists of pieces in
imaplib's shape, which imapclient's lexer reads directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from imapclient.datetime_util import parse_to_datetime
from imapclient.exceptions import ProtocolError

# imapclient's public converter is parse_fetch_response, which runs its slow lexer (see
# tokens.py); its ENVELOPE converter alone is private: pinned (imapclient <4.2) and
# checked against parse_fetch_response in tests/test_library_contracts.py.
from imapclient.response_parser import _convert_ENVELOPE, parse_response
from imapclient.response_types import BodyData

from . import gmail
from .encoding import decode_mailbox, parse_sequence_set
from .tokens import parse_pieces
from .wire import Piece, Untagged

__all__ = [
    "ListEntry",
    "parse_fetch",
    "parse_fetch_numbered",
    "parse_list",
    "parse_status",
    "parse_esearch",
    "parse_search",
    "parse_capabilities",
    "response_code",
]


def _words(pieces: list[Piece], skip: int) -> list[Piece]:
    """The pieces with the first ``skip`` words of the first text segment removed."""
    first = pieces[0]
    text = first if isinstance(first, bytes) else first[0]
    rest = text.split(b" ", skip)[skip] if text.count(b" ") >= skip else b""
    head: Piece = rest if isinstance(first, bytes) else (rest, first[1])
    return [head, *pieces[1:]]


# The commonest FETCH of all (a listing's or a get's current flags): ``n FETCH (UID u FLAGS
# (...))``, in either item order. A flag is an atom or ``\\atom`` (RFC 3501 ``flag``), so
# the list holds no parentheses, quotes, braces or brackets.
_UID_FLAGS = re.compile(rb"(\d+) FETCH \(UID (\d+) FLAGS \(([^()\"{\[\]\r\n]*)\)\)")
_FLAGS_UID = re.compile(rb"(\d+) FETCH \(FLAGS \(([^()\"{\[\]\r\n]*)\) UID (\d+)\)")


def _uid_flags_only(fetches: list[Untagged]) -> dict[int, dict[bytes, Any]] | None:
    """``parse_fetch`` for responses that are all exactly ``(UID u FLAGS (...))``: one
    regex match each instead of the tokenizer. None when any response is anything else
    (the general path then parses them all)."""
    out: dict[int, dict[bytes, Any]] = {}
    for response in fetches:
        pieces = response.pieces
        if len(pieces) != 1 or type(pieces[0]) is not bytes:
            return None
        match = _UID_FLAGS.fullmatch(pieces[0])
        if match is not None:
            seq, uid, flags = match.groups()
        else:
            match = _FLAGS_UID.fullmatch(pieces[0])
            if match is None:
                return None
            seq, flags, uid = match.groups()
        flag_list = tuple(flags.split())
        if any(f.isdigit() for f in flag_list):
            return None  # the tokenizer makes numbers of such atoms: leave it to it
        uid_number = int(uid)
        if uid_number in out:
            return None
        out[uid_number] = {b"SEQ": int(seq), b"UID": uid_number, b"FLAGS": flag_list}
    return out


def parse_fetch(responses: Iterable[Untagged]) -> dict[int, dict[bytes, Any]]:
    """FETCH responses keyed by UID; responses without a UID (unsolicited) are left out.

    Values as imapclient gives them: ``FLAGS`` a tuple of bytes, ``ENVELOPE`` an
    ``Envelope``, ``BODYSTRUCTURE`` a ``BodyData``, ``BODY[...]`` bytes, ... The
    tokens come from ``tokens.parse_pieces`` (fast); imapclient converts the values.
    Gmail's items (``gmail``): ``X-GM-LABELS`` a tuple of str, ``X-GM-THRID`` and
    ``X-GM-MSGID`` an int (None when not a 64-bit unsigned number).
    """
    fetches = [r for r in responses if r.kind == b"FETCH"]
    quick = _uid_flags_only(fetches)
    return quick if quick is not None else _parse_fetch_tokens(fetches)


def parse_fetch_numbered(responses: Iterable[Untagged]) -> dict[int, dict[bytes, Any]]:
    """FETCH responses keyed by message sequence number, with or without a UID (a FETCH by
    numbers that did not ask for UID, an unsolicited flag change); values as ``parse_fetch``."""
    out: dict[int, dict[bytes, Any]] = {}
    for data in _fetch_items([r for r in responses if r.kind == b"FETCH"]):
        out.setdefault(data[b"SEQ"], {}).update(data)
    return out


def _parse_fetch_tokens(fetches: list[Untagged]) -> dict[int, dict[bytes, Any]]:
    """The general path of ``parse_fetch``: the tokenizer, then imapclient's converters."""
    out: dict[int, dict[bytes, Any]] = {}
    for data in _fetch_items(fetches):
        uid = data.get(b"UID")
        if isinstance(uid, int):
            out.setdefault(uid, {}).update(data)
    return out


def _fetch_items(fetches: list[Untagged]) -> list[dict[bytes, Any]]:
    """Each FETCH response's items (and ``SEQ``, its number), converted."""
    if all(len(r.pieces) == 1 and type(r.pieces[0]) is bytes for r in fetches):
        # No literals: all responses in one tokenizer pass, then cut into triples.
        flat = parse_pieces([b" ".join(r.pieces[0] for r in fetches)])  # type: ignore[misc]
        parsed = [flat[i : i + 3] for i in range(0, len(flat), 3)]
    else:
        parsed = [parse_pieces(r.pieces) for r in fetches]
    out: list[dict[bytes, Any]] = []
    for values in parsed:
        if (
            len(values) < 3
            or not isinstance(values[0], int)
            or not isinstance(values[1], bytes)
            or values[1].upper() != b"FETCH"
            or not isinstance(values[2], tuple)
            or len(values[2]) % 2
        ):
            raise ProtocolError("malformed FETCH response (not name/value pairs)")
        items = values[2]
        data: dict[bytes, Any] = {b"SEQ": values[0]}
        for i in range(0, len(items), 2):
            key = items[i].upper() if isinstance(items[i], bytes) else items[i]
            value = items[i + 1]
            if key == b"ENVELOPE" and isinstance(value, tuple):
                value = _convert_ENVELOPE(value, normalise_times=False)
            elif key in (b"BODYSTRUCTURE", b"BODY") and isinstance(value, tuple):
                value = BodyData.create(value)
            elif key == b"INTERNALDATE":
                value = _internaldate(value)
            elif key == b"X-GM-LABELS":
                value = gmail.labels(value)
            elif key in (b"X-GM-THRID", b"X-GM-MSGID"):
                value = gmail.gmail_id(value)
            data[key] = value
        out.append(data)
    return out


def _internaldate(value: Any) -> Any:
    """INTERNALDATE as imapclient's ``parse_fetch_response(normalise_times=False)`` gives
    it: an aware datetime, or None when missing or unreadable."""
    if not isinstance(value, bytes):
        return None
    try:
        return parse_to_datetime(value, normalise=False)
    except ValueError:
        return None


@dataclass(slots=True)
class ListEntry:
    """One ``* LIST`` line (RFC 3501 section 7.2.2, RFC 6154 special-use flags)."""

    name: str
    raw_name: bytes
    delimiter: str | None
    flags: list[str] = field(default_factory=list)


def parse_list(responses: Iterable[Untagged], kind: bytes = b"LIST") -> list[ListEntry]:
    out = []
    for response in responses:
        if response.kind != kind:
            continue
        parsed = parse_response(_words(response.pieces, 1))
        if len(parsed) < 3:
            continue
        flags, delimiter, name = parsed[0], parsed[1], parsed[2]
        raw = name if isinstance(name, bytes) else str(name).encode()
        out.append(
            ListEntry(
                name=decode_mailbox(raw),
                raw_name=raw,
                delimiter=(
                    delimiter.decode("utf-8", "replace") if isinstance(delimiter, bytes) else None
                ),
                flags=[f.decode("utf-8", "replace") for f in flags or () if isinstance(f, bytes)],
            )
        )
    return out


def parse_status(responses: Iterable[Untagged]) -> dict[bytes, dict[str, int]]:
    """``* STATUS name (MESSAGES 3 UNSEEN 1)`` -> ``{raw_name: {"MESSAGES": 3, ...}}``."""
    out: dict[bytes, dict[str, int]] = {}
    for response in responses:
        if response.kind != b"STATUS":
            continue
        parsed = parse_response(_words(response.pieces, 1))
        if len(parsed) < 2 or not isinstance(parsed[1], tuple):
            continue
        name = parsed[0] if isinstance(parsed[0], bytes) else str(parsed[0]).encode()
        items = parsed[1]
        out[name] = {
            items[i].decode().upper(): items[i + 1]
            for i in range(0, len(items) - 1, 2)
            if isinstance(items[i], bytes) and isinstance(items[i + 1], int)
        }
    return out


def parse_esearch(responses: Iterable[Untagged]) -> tuple[list[tuple[int, int]], int | None]:
    """``* ESEARCH (TAG "x") UID ALL 1:5,9 COUNT 6`` (RFC 4731) -> (ranges, count)."""
    ranges: list[tuple[int, int]] = []
    count: int | None = None
    for response in responses:
        if response.kind != b"ESEARCH":
            continue
        parsed = parse_response(_words(response.pieces, 1))
        i = 0
        while i < len(parsed):
            item = parsed[i]
            key = item.upper() if isinstance(item, bytes) else None
            if key == b"ALL" and i + 1 < len(parsed):
                value = parsed[i + 1]
                ranges = parse_sequence_set(str(value) if isinstance(value, int) else value)
                i += 2
            elif key == b"COUNT" and i + 1 < len(parsed):
                count = int(parsed[i + 1])
                i += 2
            else:
                i += 1
    if count is None:
        count = sum(hi - lo + 1 for lo, hi in ranges)
    return ranges, count


def parse_search(responses: Iterable[Untagged]) -> list[int]:
    """``* SEARCH 1 2 3`` (RFC 3501 section 7.2.5) -> UIDs, ascending."""
    out: list[int] = []
    for response in responses:
        if response.kind == b"SEARCH":
            out.extend(int(w) for w in response.text.split()[1:] if w.isdigit())
    out.sort()
    return out


def parse_capabilities(responses: Iterable[Untagged], tagged_text: bytes = b"") -> set[str] | None:
    """Capabilities from ``* CAPABILITY`` or an ``[CAPABILITY ...]`` response code."""
    for response in responses:
        if response.kind == b"CAPABILITY":
            return {w.decode("ascii", "replace").upper() for w in response.text.split()[1:]}
        code = response_code(response.text.split(b" ", 1)[1] if b" " in response.text else b"")
        if code and code[0] == "CAPABILITY":
            return {c.upper() for c in code[1:]}
    code = response_code(tagged_text)
    if code and code[0] == "CAPABILITY":
        return {c.upper() for c in code[1:]}
    return None


def response_code(text: bytes) -> list[str] | None:
    """The response code of a status text (RFC 3501 section 7.1): ``[APPENDUID 3 7] ...``
    -> ``["APPENDUID", "3", "7"]``; None when there is none."""
    if not text.startswith(b"["):
        return None
    end = text.find(b"]")
    if end < 0:
        return None
    inner = text[1:end].decode("utf-8", "replace")
    words = inner.replace("(", " ").replace(")", " ").split()
    if not words:
        return None
    return [words[0].upper(), *words[1:]]
