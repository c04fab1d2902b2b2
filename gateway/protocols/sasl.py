"""SASL for OAuth 2.0 bearer tokens, shared by IMAP, SMTP and POP3 (pure: no I/O).

Two mechanisms carry a token:

- ``OAUTHBEARER`` (RFC 7628): a GS2 header naming the user, then key/value pairs
  separated by ``%x01``. On failure the server sends one challenge, a JSON object with
  ``status`` (an RFC 6750 error code such as ``invalid_token``), ``scope`` and
  ``openid-configuration`` (section 3.2.2); the client answers with a single ``%x01``
  (section 3.2.3) and the server then ends the exchange with its failure reply.
- ``XOAUTH2`` (Google's and Microsoft's profile, no RFC): ``user=...^Aauth=Bearer ...^A^A``.
  Its failure challenge is JSON with an HTTP-like ``status`` (``"401"``), ``schemes`` and
  ``scope``; the client answers with an empty response.

Which one: the server block's ``oauth2.mechanism``, by default OAUTHBEARER when the server
offers it and XOAUTH2 otherwise. OAUTHBEARER is the standard one and its errors are
specified; Gmail and Dovecot offer both, while Microsoft 365 offers only XOAUTH2 (so
servers that do not say what they offer get XOAUTH2, which every provider takes).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ..errors import InvalidInput, UpstreamAuthFailed

Mechanism = Literal["OAUTHBEARER", "XOAUTH2"]
MechanismChoice = Literal["auto", "oauthbearer", "xoauth2"]

# RFC 6750 section 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*\Z")
_PRINTABLE = re.compile(r"[^\x20-\x7e]")


@dataclass(frozen=True)
class OAuthChallenge:
    """What a server said in its SASL failure challenge (never the token)."""

    status: str | None = None
    scope: str | None = None
    schemes: str | None = None

    def describe(self) -> str:
        parts = [
            f"{name} {value}"
            for name, value in (
                ("status", self.status),
                ("scope", self.scope),
                ("schemes", self.schemes),
            )
            if value
        ]
        return ", ".join(parts)


def choose_mechanism(offered: Iterable[str], choice: MechanismChoice = "auto") -> Mechanism:
    """The mechanism to use: the configured one, else OAUTHBEARER if offered, else XOAUTH2."""
    if choice == "oauthbearer":
        return "OAUTHBEARER"
    if choice == "xoauth2":
        return "XOAUTH2"
    return "OAUTHBEARER" if "OAUTHBEARER" in {m.upper() for m in offered} else "XOAUTH2"


def initial_response(
    mechanism: Mechanism,
    username: str,
    access_token: str,
    *,
    host: str | None = None,
    port: int | None = None,
) -> bytes:
    """The client's first message (not yet base64) for ``mechanism``.

    Raises ``InvalidInput`` for a token that is not an RFC 6750 b64token or a user name
    with control characters: either would break the message's framing.
    """
    if not _B64TOKEN.match(access_token):
        raise InvalidInput(
            "the OAuth2 access token is not a bearer token (RFC 6750 "
            "section 2.1: letters, digits and -._~+/ only)"
        )
    if not username.isprintable():
        raise InvalidInput("the user name holds control characters")
    if mechanism == "XOAUTH2":
        return f"user={username}\x01auth=Bearer {access_token}\x01\x01".encode()
    # RFC 7628 section 3.1; the authzid is a GS2 saslname (RFC 5801 section 4: "," and "="
    # are escaped as =2C and =3D).
    saslname = username.replace("=", "=3D").replace(",", "=2C")
    pairs = ""
    if host:
        pairs += f"host={host}\x01"
    if port:
        pairs += f"port={port}\x01"
    return f"n,a={saslname},\x01{pairs}auth=Bearer {access_token}\x01\x01".encode()


def encoded_initial_response(
    mechanism: Mechanism,
    username: str,
    access_token: str,
    *,
    host: str | None = None,
    port: int | None = None,
) -> str:
    """``initial_response`` in base64, as every protocol sends it."""
    raw = initial_response(mechanism, username, access_token, host=host, port=port)
    return base64.b64encode(raw).decode("ascii")


def abort_response(mechanism: Mechanism) -> str:
    """The base64 answer to a failure challenge: ``%x01`` for OAUTHBEARER (RFC 7628 section
    3.2.3), empty for XOAUTH2 (Google's profile)."""
    return "AQ==" if mechanism == "OAUTHBEARER" else ""


def parse_challenge(data: str | bytes) -> OAuthChallenge:
    """Decode a failure challenge (base64 JSON); what cannot be read gives empty fields."""
    try:
        raw = base64.b64decode(data.strip(), validate=True)
        doc = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return OAuthChallenge()
    if not isinstance(doc, dict):
        return OAuthChallenge()
    return OAuthChallenge(
        status=_field(doc.get("status")),
        scope=_field(doc.get("scope")),
        schemes=_field(doc.get("schemes")),
    )


def _field(value: object) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = _PRINTABLE.sub("", str(value)).strip()
    return text[:200] or None


def auth_failure(
    protocol: str,
    mechanism: Mechanism,
    reply: str,
    challenge: OAuthChallenge | None,
    access_token: str,
) -> UpstreamAuthFailed:
    """The error for a refused token: the server's final reply and what its challenge said
    (status, scope), with the token cut out should the server have repeated it."""
    text = reply.replace(access_token, "[...]") if access_token else reply
    detail = f"{mechanism} refused: {text.strip()[:300]}"
    if challenge is not None and challenge.describe():
        detail += f" (server reported {challenge.describe()})"
    exc = UpstreamAuthFailed(detail, protocol=protocol)
    if challenge is not None:
        exc.oauth_status = challenge.status
        exc.oauth_scope = challenge.scope
    return exc
