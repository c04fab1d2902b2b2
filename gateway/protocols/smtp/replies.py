"""Is this SMTP reply permanent or transient? A pure classifier (no I/O).

Modelled on EmailEngine's ``delivery-error.js``: the basic reply code decides
first (RFC 5321 §4.2.1: 4yz transient, 5yz permanent), the enhanced status
code (RFC 3463) and a few well-known texts refine it, because servers are not
always consistent (a "mailbox full" or greylisting 5xx is worth a retry).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# RFC 3463 §2: class.subject.detail, at the start of the reply text (RFC 2034 §4).
_ENHANCED = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")

_GREYLIST = re.compile(
    r"greylist|graylist|try again later|temporar(?:il)?y|please retry|deferred", re.I
)
_MAILBOX_FULL = re.compile(
    r"mailbox (?:is )?full|over ?quota|quota exceeded|insufficient storage", re.I
)
_RATE = re.compile(r"too many (?:messages|connections|recipients)|rate limit|throttl", re.I)


class Category(StrEnum):
    """Why a reply was an error; stable strings for logs and the outbox history."""

    OK = "ok"
    RECIPIENT = "recipient"  # no such user, mailbox unavailable (x.1.x)
    MAILBOX_FULL = "mailbox_full"  # x.2.2
    SIZE = "size"  # x.3.4, 552 message too big
    POLICY = "policy"  # x.7.x: relaying denied, spam, sender not allowed
    AUTH = "auth"  # 530, 534, 535, 538
    GREYLIST = "greylist"
    RATE_LIMIT = "rate_limit"
    SERVICE = "service"  # 421: the server is closing the channel
    SYNTAX = "syntax"  # 500-504: our command was not understood
    OTHER = "other"


@dataclass(frozen=True)
class ReplyClass:
    """The verdict on one SMTP reply."""

    code: int
    enhanced: str | None
    permanent: bool
    category: Category

    @property
    def ok(self) -> bool:
        return self.category is Category.OK

    @property
    def transient(self) -> bool:
        return not self.ok and not self.permanent


def enhanced_code(text: str) -> str | None:
    """The RFC 3463 enhanced status code at the start of a reply text, if any."""
    match = _ENHANCED.match(text or "")
    return ".".join(match.groups()) if match else None


def classify(code: int, text: str = "") -> ReplyClass:
    """Classify reply ``code`` with its ``text`` (the part after the code)."""
    enhanced = enhanced_code(text)
    if 200 <= code < 400:
        return ReplyClass(code, enhanced, False, Category.OK)
    category = _category(code, enhanced, text)
    if 400 <= code < 500:
        permanent = False
    elif 500 <= code < 600:
        # A 5xx is final unless the server tells us, in words or in the enhanced code, that
        # the condition is temporary (greylisting with a 5xx, "mailbox full": RFC 3463 §3.3
        # says X.2.2 is useful "for both permanent and persistent transient errors").
        permanent = category not in (Category.GREYLIST, Category.MAILBOX_FULL, Category.RATE_LIMIT)
        if enhanced is not None and enhanced.startswith("4."):
            permanent = False
    else:
        # Not a valid reply code (RFC 5321 §4.2): nothing to trust, try again later.
        permanent = False
    return ReplyClass(code, enhanced, permanent, category)


def _category(code: int, enhanced: str | None, text: str) -> Category:
    if code in (530, 534, 535, 538) or code == 454 and "auth" in text.lower():
        return Category.AUTH
    if code == 421:
        return Category.SERVICE
    if _GREYLIST.search(text) and not _MAILBOX_FULL.search(text):
        return Category.GREYLIST
    if _RATE.search(text):
        return Category.RATE_LIMIT
    if enhanced is not None:
        _cls, subject, detail = enhanced.split(".")
        if subject == "2" and detail == "2":
            return Category.MAILBOX_FULL
        if subject == "3" and detail == "4" or subject == "2" and detail == "3":
            return Category.SIZE
        if subject == "1":
            return Category.RECIPIENT
        if subject == "7":
            return Category.POLICY
        if subject == "5" and detail in ("1", "2", "4"):
            return Category.SYNTAX
    if _MAILBOX_FULL.search(text) or code == 452:
        return Category.MAILBOX_FULL
    if code == 552:
        return Category.SIZE
    if code in (550, 551, 553):
        return Category.RECIPIENT
    if code in (500, 501, 502, 503, 504, 555):
        return Category.SYNTAX
    return Category.OTHER


def describe(code: int, text: str) -> str:
    """The reply as one line for ``detail`` and logs: ``550 5.1.1 User unknown``."""
    return f"{code} {' '.join((text or '').split())}".strip()
