"""Fast encoding of the common message: text and/or html, no attachments (pure, no I/O).

The stdlib ``EmailMessage`` with ``policy.SMTP`` parses every header it is given and
folds it again on output: about 1.3 ms for a one-line message, the largest CPU cost of
a sync send. Messages with attachments still go through it (``mime_build``); this
module writes the simple shape directly, with the same rules:

- header values: RFC 5322 §2.2.3 folding at whitespace, lines of at most 78
  characters where possible; non-ASCII text as RFC 2047 encoded-words (``B``), each
  at most 75 characters and holding whole characters only (RFC 2047 §5);
- display names: an atom sequence as is, else a quoted-string (RFC 5322 §3.2.4);
- bodies: 7bit when ASCII with lines of at most 998 octets (RFC 5322 §2.1.1), else
  quoted-printable (RFC 2045 §6.7), always ``charset="utf-8"``.
"""

from __future__ import annotations

import binascii
import re
import secrets
from base64 import b64encode

_ATOMS = re.compile(r"^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$")
_NEWLINES = re.compile(r"\r\n|\r|\n")
_PIECES = re.compile(r" +[^ ]+")  # a word with the spaces before it
_MAX_WORD_BYTES = 45  # 60 base64 characters: "=?utf-8?b?" + 60 + "?=" = 72 <= 75


def encoded_words(text: str) -> list[str]:
    """``text`` as RFC 2047 B encoded-words, none splitting a character."""
    words, chunk, size = [], [], 0
    for char in text:
        n = len(char.encode("utf-8"))
        if size + n > _MAX_WORD_BYTES and chunk:
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(char)
        size += n
    if chunk:
        words.append("".join(chunk))
    return [f"=?utf-8?b?{b64encode(w.encode('utf-8')).decode('ascii')}?=" for w in words]


def _needs_encoding(text: str) -> bool:
    return not text.isascii() or "=?" in text


def fold(name: str, tokens: list[str]) -> str:
    """``Name: tok1 tok2`` with a line break before a token that would pass column 78."""
    return _fold(f"{name}:", [" " + token for token in tokens])


def _fold(head: str, pieces: list[str]) -> str:
    """Join ``pieces`` (each starting with white space) after ``head``, breaking the line
    before a piece that would pass column 78 (RFC 5322 §2.2.3): unfolding (removing the
    CRLF) gives back exactly ``head + "".join(pieces)``, and no line is white space only."""
    lines: list[str] = []
    line = head
    for piece in pieces:
        if len(line) + len(piece) > 78 and line != head:
            lines.append(line)
            line = piece
        else:
            line += piece
    lines.append(line)
    return "\r\n".join(lines)


def unstructured(name: str, value: str) -> str:
    """An unstructured header (Subject, custom headers) that unfolds and decodes to ``value``.

    ASCII text is folded before a space (each piece keeps its spaces, so runs of spaces
    survive); text that is not ASCII, looks like an encoded-word, starts or ends with white
    space (parsers strip it) or has a run over 900 characters goes as encoded-words.
    """
    pieces = _PIECES.findall(" " + value)
    if (
        _needs_encoding(value)
        or value != value.strip(" \t")
        or "".join(pieces) != " " + value
        or max(map(len, pieces), default=0) > 900
    ):
        return fold(name, encoded_words(value)) if value else f"{name}: "
    return _fold(f"{name}:", pieces)


def phrase(name: str) -> list[str]:
    """A display name as header tokens (surrounding white space dropped, as the stdlib does)."""
    name = " ".join(name.split()) if name.isascii() else name.strip()
    if _needs_encoding(name):
        return encoded_words(name)
    if _ATOMS.match(name):
        return name.split(" ")
    return ['"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"']


def mailbox_tokens(address: str, name: str | None) -> list[str]:
    if not name or not name.strip():
        return [address]
    return [*phrase(name), f"<{address}>"]


def address_list(header: str, mailboxes: list[tuple[str, str | None]]) -> str:
    """``To: a, "B, C" <b@x>`` folded between and inside mailboxes."""
    tokens: list[str] = []
    for i, (address, name) in enumerate(mailboxes):
        parts = mailbox_tokens(address, name)
        if i < len(mailboxes) - 1:
            parts[-1] += ","
        tokens += parts
    return fold(header, tokens)


def body_part(text: str, subtype: str) -> tuple[list[str], bytes]:
    """Content headers and the encoded body (CRLF line endings) of a text part."""
    if "\r" in text:
        text = _NEWLINES.sub("\n", text)
    data = text.encode("utf-8")
    if data.isascii() and max(map(len, data.split(b"\n"))) <= 998:
        cte, body = "7bit", data
    else:
        cte = "quoted-printable"
        body = binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)
    body = body.replace(b"\n", b"\r\n")
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    headers = [
        f'Content-Type: text/{subtype}; charset="utf-8"',
        f"Content-Transfer-Encoding: {cte}",
    ]
    return headers, body


def simple_body(text: str | None, html: str | None) -> tuple[list[str], bytes]:
    """Content headers and body: one text part, or multipart/alternative (RFC 2046 §5.1.4)."""
    if text is None and html is None:
        text = ""
    if text is None or html is None:
        return body_part(
            text if text is not None else html,  # type: ignore[arg-type]
            "plain" if text is not None else "html",
        )
    parts = [body_part(text, "plain"), body_part(html, "html")]
    while True:
        boundary = "=_" + secrets.token_hex(16)
        marker = b"--" + boundary.encode()
        if not any(marker in body for _h, body in parts):
            break
    out = [b"This is a multi-part message in MIME format.\r\n"]
    for headers, body in parts:
        # RFC 2046 §5.1.1: the CRLF before a delimiter belongs to the delimiter.
        out.append(marker + b"\r\n" + "\r\n".join(headers).encode() + b"\r\n\r\n" + body + b"\r\n")
    out.append(marker + b"--\r\n")
    return [f'Content-Type: multipart/alternative; boundary="{boundary}"'], b"".join(out)
