"""A read message's text, html and attachments, cut and numbered as the IMAP server does.

One numbering for reading and downloading: the attachment ids are the server's body
part numbers (RFC 3501 section 6.4.5, from its BODYSTRUCTURE; ``structure.plan_body``),
and each part's content and declared size come from the server's ``BODY[<part>]``,
decoded by the decoder the download streams through (``decoders``). So every attachment
a message lists downloads with exactly its declared size and bytes, also where the
server splits a malformed message differently than Python's ``email`` package would
(Dovecot ends a part at any line that starts with the boundary; Python and Cyrus do
not), and an attached message (message/rfc822) is the encapsulated message as stored,
not Python's re-serialisation of it (which wrote bare LF line ends: one byte short per
line).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model.messages import AttachmentInfo, ParsedMessage
from ..protocols.mime.parse import decode_bytes, make_preview, parse_message
from .decoders import decoder_for
from .structure import BodyPlan, PartInfo

__all__ = ["SECTIONS_PER_FETCH", "decode_part", "fetch_batches", "parsed_from_parts"]

# Part sections per FETCH command: keeps the command line short (servers cap it near 8 kB
# to 64 kB) for messages with hundreds of parts.
SECTIONS_PER_FETCH = 100


def fetch_batches(plan: BodyPlan, *, labels: bool = False) -> Iterator[bytes]:
    """FETCH item lists for the message's header and every part ``plan`` shows; the first
    also asks for the flags (and with ``labels``, Gmail's X-GM-LABELS)."""
    sections = [b"BODY.PEEK[%s]" % p.number.encode() for p in plan.parts()]
    changing = [b"UID", b"FLAGS", b"X-GM-LABELS"] if labels else [b"UID", b"FLAGS"]
    first = [*changing, b"BODY.PEEK[HEADER]"] + sections[:SECTIONS_PER_FETCH]
    yield b"(" + b" ".join(first) + b")"
    for start in range(SECTIONS_PER_FETCH, len(sections), SECTIONS_PER_FETCH):
        yield b"(UID " + b" ".join(sections[start : start + SECTIONS_PER_FETCH]) + b")"


def decode_part(part: PartInfo, data: bytes) -> bytes:
    """The part's content as its download streams it (RFC 2045 section 6 decoding)."""
    decoder = decoder_for(part.encoding)
    return decoder.feed(data) + decoder.finish()


def _text(part: PartInfo, data: bytes) -> str:
    return decode_bytes(decode_part(part, data), part.charset).replace("\r\n", "\n")


def parsed_from_parts(header: bytes, plan: BodyPlan, contents: dict[str, bytes]) -> ParsedMessage:
    """The parsed message: header fields from ``header``, the rest from the server's parts
    (``contents``: the raw ``BODY[<number>]`` of each part, by number)."""
    parsed = parse_message(header, headers_only=True)
    if plan.text is not None:
        parsed.text = _text(plan.text, contents.get(plan.text.number, b""))
    if plan.html is not None:
        parsed.html = _text(plan.html, contents.get(plan.html.number, b""))
    parsed.attachments = [
        AttachmentInfo(
            id=p.number,
            filename=p.filename,
            content_type=p.content_type,
            size=len(decode_part(p, contents.get(p.number, b""))),
            content_id=p.content_id,
            inline=p.inline,
        )
        for p in plan.attachments
    ]
    parsed.has_attachments = bool(parsed.attachments)
    parsed.preview = make_preview(parsed.text, parsed.html)
    return parsed
