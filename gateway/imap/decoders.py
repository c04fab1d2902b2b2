"""Incremental Content-Transfer-Encoding decoders (RFC 2045 section 6), for streaming parts.

Each takes chunks cut anywhere and returns the decoded bytes available so far,
keeping what cannot be decoded yet (a partial base64 quantum, a partial line).
"""

from __future__ import annotations

import binascii

_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# Everything else, deleted with bytes.translate: ~1.4 ms per MB where a regex
# substitution took ~16 ms (a line break every 76 characters is a match each).
_NOT_B64 = bytes(b for b in range(256) if b not in _B64_ALPHABET)


class Base64Decoder:
    """Ignores line breaks and junk characters, as RFC 2045 section 6.8 asks."""

    def __init__(self) -> None:
        self._rest = b""
        self._ended = False  # padding seen: the rest is not part of the data

    def feed(self, chunk: bytes) -> bytes:
        if self._ended:
            return b""
        pad = chunk.find(b"=")
        if pad >= 0:
            chunk = chunk[:pad]
            self._ended = True
        data = chunk.translate(None, _NOT_B64)
        if self._rest:
            data = self._rest + data
        usable = len(data) - len(data) % 4
        self._rest = data[usable:]
        if not usable:
            return b""
        with memoryview(data) as view:
            # Only alphabet characters, whole quanta: strict mode is the fast path.
            return binascii.a2b_base64(view[:usable], strict_mode=True)

    def finish(self) -> bytes:
        rest, self._rest = self._rest, b""
        if len(rest) % 4 == 1:
            rest = rest[:-1]  # a lone sextet carries no whole byte
        if not rest:
            return b""
        return binascii.a2b_base64(rest + b"=" * (-len(rest) % 4))


class QuotedPrintableDecoder:
    """Decodes whole lines only, so a soft line break or ``=XX`` is never split."""

    def __init__(self) -> None:
        self._rest = b""

    def feed(self, chunk: bytes) -> bytes:
        data = self._rest + chunk if self._rest else chunk
        cut = data.rfind(b"\n") + 1
        self._rest = data[cut:]
        if not cut:
            return b""
        with memoryview(data) as view:
            return binascii.a2b_qp(view[:cut])

    def finish(self) -> bytes:
        rest, self._rest = self._rest, b""
        return binascii.a2b_qp(rest) if rest else b""


class IdentityDecoder:
    def feed(self, chunk: bytes) -> bytes:
        return chunk

    def finish(self) -> bytes:
        return b""


def decoder_for(encoding: str) -> Base64Decoder | QuotedPrintableDecoder | IdentityDecoder:
    encoding = encoding.lower()
    if encoding == "base64":
        return Base64Decoder()
    if encoding == "quoted-printable":
        return QuotedPrintableDecoder()
    return IdentityDecoder()
