"""The wording of non-standard bounces: who bounced and why, read from the text (pure).

Each reader knows one family of mail systems and returns ``(recipient, action,
diagnostic)`` triples; ``gateway.protocols.mime.dsn`` turns them into ``Bounce`` records.
The text after a "copy of the message" marker is never read: the bounced message itself
may hold anything. Line based, so linear in the text whatever it holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

Found = tuple[str, str, str | None]  # recipient, action ("failed"/"delayed"), diagnostic

MAX_LINES = 5000
_MAX_LINE = 2000

COPY_MARKERS = (
    "this is a copy of the message",  # Exim
    "below this line is a copy of the message",  # qmail
    "----- original message -----",  # Gmail
    "original message headers",  # Exchange
    "----- message header follows -----",  # Gmail
    "undelivered message headers",
    "unsent message below",  # sendmail
    "original message follows",
    "----- the header of the original message",
)

_DELAY_WORDS = (
    "has not yet been delivered",
    "have not yet been delivered",
    "has been delayed",
    "this is a warning only",
    "still being retried",
    "will continue to try",
    "will keep trying",
    "will retry",
    "temporary failure",
    "delivery is delayed",
)
_PERMANENT_WORDS = (
    "permanent error",
    "failed permanently",
    "permanent fatal error",
    "i've given up",
    "permanent failure",
    "could not be delivered",
)
_ENHANCED_OR_CODE = re.compile(r"(?<![\d.])(?:[245]\.\d{1,3}\.\d{1,3}|[245][0-5]\d)(?![\d.])")
_SPLIT = re.compile(r"[\s<>()\[\],;\"']+")


def parse_bounce_text(text: str, failed: Sequence[str] = ()) -> list[Found]:
    """The recipients the bounce text names; ``failed``: the ``X-Failed-Recipients``."""
    lines = [line[:_MAX_LINE] for line in text.split("\n", MAX_LINES)[:MAX_LINES]]
    for idx, line in enumerate(lines):
        low = line.lower()
        if any(marker in low for marker in COPY_MARKERS):
            lines = lines[:idx]
            break
    wording = "\n".join(lines).lower()
    action = (
        "delayed"
        if any(w in wording for w in _DELAY_WORDS)
        and not any(w in wording for w in _PERMANENT_WORDS)
        else "failed"
    )
    readers: tuple[Callable[[list[str], str], list[Found]], ...] = (
        _exim,
        _gmail,
        _exchange,
        _sentence,
        _angle,
    )
    for reader in readers:
        found = reader(lines, action)
        if found:
            return _unique(found)
    addresses = [a for a in (address_in(f) for f in failed) if a]
    if addresses:
        diagnostic = next(
            (line.strip() for line in lines if len(line) < 500 and _ENHANCED_OR_CODE.search(line)),
            None,
        )
        return _unique([(a, action, diagnostic) for a in addresses])
    return []


def address_in(text: str) -> str | None:
    """The first e-mail address in ``text`` (``mailto:``, brackets and quotes dropped)."""
    for piece in _SPLIT.split(text[:_MAX_LINE]):
        piece = piece.strip(".:")
        if piece.lower().startswith("mailto:"):
            piece = piece[7:]
        local, at, domain = piece.rpartition("@")
        if (
            at
            and local
            and domain
            and "." in domain
            and len(piece) <= 320
            and "@" not in local.strip('"')
        ):
            return piece
    return None


def _unique(found: list[Found]) -> list[Found]:
    seen: set[str] = set()
    out = []
    for recipient, action, diagnostic in found:
        if recipient.lower() not in seen:
            seen.add(recipient.lower())
            out.append((recipient, action, diagnostic))
    return out


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _joined(parts: list[str]) -> str | None:
    text = " ".join(" ".join(parts).split())
    return text or None


def _exim(lines: list[str], action: str) -> list[Found]:
    """Exim: addresses indented under "The following address(es) failed:", each followed
    by its more indented reason."""
    start = next(
        (
            i + 1
            for i, line in enumerate(lines)
            if line.strip()
            .lower()
            .endswith(
                (
                    "address(es) failed:",
                    "addresses failed:",
                    "not yet been delivered is:",
                    "not yet been delivered are:",
                )
            )
        ),
        None,
    )
    if start is None:
        return []
    found: list[Found] = []
    level = None
    current: str | None = None
    reason: list[str] = []
    for line in lines[start:]:
        if not line.strip():
            continue
        indent = _indent(line)
        if indent == 0:
            break
        if level is None or indent <= level:
            if current:
                found.append((current, action, _joined(reason)))
            level = indent if level is None else level
            first, _, rest = line.strip().partition(" ")
            current = address_in(first)
            reason = [rest]
        else:
            reason.append(line)
    if current:
        found.append((current, action, _joined(reason)))
    return found


def _gmail(lines: list[str], action: str) -> list[Found]:
    """Gmail: "Delivery to the following recipient(s) failed permanently:", the addresses
    indented, then "Technical details of permanent failure:" and the reason."""
    start = next(
        (
            i
            for i, line in enumerate(lines)
            if line.strip().lower().startswith("delivery to the following recipient")
        ),
        None,
    )
    if start is None:
        return []
    if "delayed" in lines[start].lower():
        action = "delayed"
    recipients: list[str] = []
    reason: list[str] = []
    in_reason = False
    for line in lines[start + 1 :]:
        low = line.strip().lower()
        if in_reason:
            if not low or low.startswith("-----"):
                break
            reason.append(line)
        elif low.startswith("technical details of"):
            in_reason = True
            reason.append(line.strip().partition(":")[2])
        elif low and _indent(line) and (address := address_in(line)):
            recipients.append(address)
    return [(r, action, _joined(reason)) for r in recipients]


def _exchange(lines: list[str], action: str) -> list[Found]:
    """Exchange: "Delivery has failed to these recipients or distribution lists:", and
    under "Diagnostic information for administrators:" each address with its ``#550 ...``
    reason."""
    start = next(
        (
            i
            for i, line in enumerate(lines)
            if line.strip().lower().startswith("delivery has failed to these recipients")
        ),
        None,
    )
    if start is None:
        return []
    recipients: list[str] = []
    notes: dict[str, list[str]] = {}
    for line in lines[start + 1 :]:
        low = line.strip().lower()
        if low.startswith(("diagnostic information", "_____", "sent by microsoft")):
            break
        address = address_in(line) if "@" in line else None
        if address:
            recipients.append(address)
            notes[address.lower()] = []
        elif low and recipients:
            notes[recipients[-1].lower()].append(line)
    reasons: dict[str, str] = {}
    current = None
    for line in lines[start:]:
        stripped = line.strip()
        if stripped.startswith("#") or stripped.lower().startswith("remote server returned"):
            if current and current not in reasons:
                text = stripped[22:] if stripped[0] != "#" else stripped
                reasons[current] = text.strip("#' ")
        elif "@" in stripped and " " not in stripped:
            current = (address_in(stripped) or "").lower() or None
    return [
        (r, action, _joined([reasons.get(r.lower(), "")]) or _joined(notes[r.lower()]))
        for r in recipients
    ]


_SENTENCES = (
    # (lowercase phrase before the address, phrase after it or "")
    ("your message wasn't delivered to ", ""),
    ("your message was not delivered to ", ""),
    ("there was a problem delivering your message to ", ""),
    ("your message to ", "couldn't be delivered"),
    ("your message to ", "could not be delivered"),
)


def _sentence(lines: list[str], action: str) -> list[Found]:
    """Gmail's and Office 365's prose: "Your message wasn't delivered to x@y because ...",
    the reason under "The response from the remote server was:"."""
    recipients: list[str] = []
    reason: list[str] = []
    for idx, line in enumerate(lines):
        low = line.lower()
        for before, after in _SENTENCES:
            at = low.find(before)
            if at >= 0 and after in low[at:]:
                address = address_in(line[at + len(before) :])
                if address:
                    recipients.append(address)
                    reason = reason or [line]
        if low.strip().startswith(
            (
                "the response from the remote server was:",
                "the response was:",
                "remote server returned",
            )
        ):
            tail = line.strip().partition(":")[2] if low.strip().endswith(":") else line
            following = []
            for nxt in lines[idx + 1 : idx + 20]:
                if not nxt.strip():
                    if following:
                        break
                    continue
                following.append(nxt)
            reason = [tail, *following]
    return [(r, action, _joined(reason)) for r in recipients]


def _angle(lines: list[str], action: str) -> list[Found]:
    """Postfix, qmail, sendmail: ``<x@y>: reason`` (Postfix adds ``(expanded from <z>)``),
    the reason going on over the following lines up to a blank one."""
    found: list[Found] = []
    current: str | None = None
    reason: list[str] = []
    for line in lines:
        stripped = line.strip()
        address = _angle_address(stripped) if stripped.startswith("<") else None
        if address or not stripped:
            if current:
                found.append((current, action, _joined(reason)))
                current = None
        if address:
            current = address[0]
            reason = [address[1]]
        elif current:
            reason.append(stripped)
    if current:
        found.append((current, action, _joined(reason)))
    return found


def _angle_address(line: str) -> tuple[str, str] | None:
    """``<x@y> (expanded from <z>): reason`` -> (``x@y``, ``reason``)."""
    end = line.find(">")
    inside = line[1:end]
    if end < 0 or "@" not in inside or any(c.isspace() or c == "<" for c in inside):
        return None
    rest = line[end + 1 :].lstrip()
    if rest.startswith("("):
        close = rest.find(")")
        rest = rest[close + 1 :].lstrip() if close >= 0 else ""
    rest = rest[1:] if rest.startswith(":") else rest.lstrip(".")
    return inside, rest.strip()
