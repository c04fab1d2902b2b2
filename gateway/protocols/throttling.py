"""Is this refusal a mail server asking us to slow down? A pure classifier (no I/O).

    imap_throttle("[UNAVAILABLE] Maximum number of connections from user+IP exceeded")
        -> Throttle(kind="too_many_connections", retry_after=None)
    smtp_throttle(454, "4.7.0 Temporary authentication failure")
        -> Throttle(kind="unavailable", retry_after=None)

What servers say when an account connects too often or keeps too many connections:

- IMAP response codes: ``[THROTTLED]`` (Microsoft 365, Yahoo), ``[UNAVAILABLE]`` (RFC 5530
  section 3: "a subsystem is down"; Dovecot's temporary authentication failure, and its
  ``mail_max_userip_connections`` refusal), Gmail's ``[ALERT] Too many simultaneous
  connections`` and ``[ALERT] Account exceeded command or bandwidth limits``; Microsoft's
  "Request is throttled. Suggested Backoff Time: N milliseconds" (the delay is kept).
- POP3 (RFC 2449 section 8, RFC 3206): ``[LOGIN-DELAY]`` (logins too close together), a
  ``[SYS/TEMP]`` that names a connection limit. A plain ``[SYS/TEMP]`` is left to the
  caller (Cyrus answers a racing first login with it: a quick retry helps), and
  ``[IN-USE]`` is the maildrop lock, not a limit.
- SMTP (RFC 5321 section 4.2, RFC 3463): 421 (closing: "Try again later", too many
  connections), 454 4.7.0 (a temporary authentication failure, Gmail's "Too many login
  attempts"), and 4.7.0 / 4.3.2 / 4.7.500 replies that talk of limits or load.

Only refusals of a connection or login are meant: a 4xx to RCPT is a per-message deferral
(``smtp.replies``), an IMAP NO to a command is the command's failure. The kinds:
``throttled`` (a rate), ``too_many_connections`` (a concurrency cap) and ``unavailable``
(temporary; try later).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

ThrottleKind = Literal["throttled", "too_many_connections", "unavailable"]

_CODE = re.compile(r"^\s*\[([A-Za-z0-9/._-]+)[^\]]*\]\s*")
_CONNECTIONS = re.compile(
    r"too many (?:[a-z0-9]+ ){0,2}(?:connections|sessions)\b|too many logins\b"
    r"|maximum (?:number of )?(?:simultaneous |concurrent )?connections"
    r"|connection (?:count |)limit|max(?:imum)?_?userip_connections",
    re.I,
)
_RATE = re.compile(
    r"throttl|rate limit|too many (?:login attempts|requests|commands|authentication)"
    r"|exceeded (?:the )?(?:command|bandwidth|imap|pop)\b[^.]*limits?|server (?:is )?busy"
    r"|thread limit exceeded|too many (?:errors|failed)",
    re.I,
)
_LATER = re.compile(r"try again later|temporar(?:il)?y|please retry|retry later", re.I)
# Microsoft: "Request is throttled. Suggested Backoff Time: 297 milliseconds".
_SUGGESTED = re.compile(r"backoff time:?\s*(\d{1,9})\s*(milliseconds|ms|seconds|s)\b", re.I)
_ENHANCED = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")


@dataclass(frozen=True)
class Throttle:
    """The server asks to slow down: how (``kind``) and, when it said so, for how long."""

    kind: ThrottleKind
    retry_after: float | None = None  # seconds the server suggested


def _suggested(text: str) -> float | None:
    match = _SUGGESTED.search(text)
    if match is None:
        return None
    value = int(match.group(1))
    return value / 1000 if match.group(2).lower() in ("milliseconds", "ms") else float(value)


def _by_text(text: str) -> ThrottleKind | None:
    if _CONNECTIONS.search(text):
        return "too_many_connections"
    if _RATE.search(text):
        return "throttled"
    return None


def response_code(text: str) -> str | None:
    """The bracketed response code at the start of an IMAP or POP3 reply text, upper-cased
    (``[SYS/TEMP] ...`` -> ``SYS/TEMP``)."""
    match = _CODE.match(text or "")
    return match.group(1).upper() if match else None


def imap_throttle(text: str) -> Throttle | None:
    """An IMAP refusal of a connection or login (the text of its BYE or tagged NO, response
    code included) that asks to slow down, else None."""
    code = response_code(text)
    kind = _by_text(text)
    if code == "THROTTLED":
        kind = kind or "throttled"
    elif code == "UNAVAILABLE":
        kind = kind or "unavailable"
    elif code not in (None, "ALERT", "LIMIT", "INUSE", "SERVERBUG"):
        return None  # AUTHENTICATIONFAILED, PRIVACYREQUIRED, ...: not about load
    if kind is None:
        return None
    return Throttle(kind, _suggested(text))


def pop3_throttle(text: str) -> Throttle | None:
    """A POP3 ``-ERR`` text that asks to slow down, else None (see the module doc)."""
    code = response_code(text)
    if code == "LOGIN-DELAY":
        return Throttle("throttled", _suggested(text))
    if code == "IN-USE":
        return None
    kind = _by_text(text)
    if kind is None or code not in (None, "SYS/TEMP", "SYS/PERM", "AUTH"):
        return None
    return Throttle(kind, _suggested(text))


def smtp_throttle(code: int, text: str) -> Throttle | None:
    """An SMTP reply to the greeting, EHLO or AUTH that asks to slow down, else None."""
    if not 400 <= code < 500:
        return None  # a 5xx is final; a 2xx/3xx is no refusal
    kind = _by_text(text)
    enhanced = _ENHANCED.match(text or "")
    detail = enhanced.group(0).strip() if enhanced else None
    if kind is None:
        if code == 421 or code == 454 or detail in ("4.7.0", "4.3.2", "4.7.500"):
            kind = "throttled" if _LATER.search(text) and code != 454 else "unavailable"
        else:
            return None
    return Throttle(kind, _suggested(text))
