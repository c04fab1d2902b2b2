"""The reply-only text of a message: the new text without quoted history or signature (pure).

Works line by line on the text/plain body (or on the HTML body already converted to text),
so its time is linear in the input whatever the input holds: no pattern here can backtrack
across lines, and only lines shorter than ``MAX_HEADER_LINE`` are tried as headers.

What is history:

- quoted lines (``>`` after optional spaces, RFC 3676 section 4.5), and the attribution line
  just above a block of them ("On <date>, X wrote:", "Am ... schrieb X:", "Le ... a écrit :",
  "El ... escribió:", "Op ... schreef X:"), also when the client wrapped it over two or three
  lines (Gmail and Apple Mail do). Between quoted blocks the answers of an inline (bottom
  posted) reply stay.
- everything from an unquoted history marker on: such an attribution line not followed by
  quoted lines (HTML converted to text has lost its ``>``), Outlook's
  ``-----Original Message-----`` (and its German, French, Spanish and Dutch forms), an
  Outlook header block (``From:`` followed within a few lines by ``Sent:``/``Date:`` and
  ``To:``/``Subject:``, localized as well), and forwarded-message markers
  (``---------- Forwarded message ---------``, ``Begin forwarded message:``, ...).

What is signature: everything after the last ``-- `` delimiter line (RFC 3676 section 4.3;
``--`` without its space too, as many clients strip trailing spaces), then the mobile lines
("Sent from my iPhone", "Get Outlook for iOS", "Von meinem iPhone gesendet", ...) at the end.

Never empty: when nothing is left (the whole message is a quote or a signature) the full
text is returned, with both flags false.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_HEADER_LINE = 400
"""A line (or wrapped attribution) longer than this is text, never a header."""

_OUTLOOK_BLOCK_SPAN = 6  # lines after ``From:`` in which ``Sent:`` and ``Subject:`` are looked for


@dataclass(frozen=True)
class ReplyText:
    """``text``: the reply-only text; the flags say what was taken away."""

    text: str
    quoted_removed: bool
    signature_removed: bool


# Attribution lines: (lowercase opener, text it must contain, lowercase ending).
_ATTRIBUTIONS = (
    ("on ", "", "wrote:"),
    ("am ", " schrieb ", ":"),
    ("le ", "", "a écrit :"),
    ("le ", "", "a écrit:"),
    ("el ", "", "escribió:"),
    ("op ", " schreef ", ":"),
)
# Endings that make a line an attribution when quoted lines follow it ("John <j@x> wrote:").
_WEAK_ENDINGS = ("wrote:", "schrieb:", "a écrit :", "a écrit:", "escribió:", "schreef:")
_WEAK_INFIXES = (" schrieb am ", " schreef op ", " escribió el ")
_OPENERS = frozenset(opener for opener, _, _ in _ATTRIBUTIONS)

_SEPARATOR_TITLES = frozenset(
    {
        "original message",
        "forwarded message",
        "ursprüngliche nachricht",
        "original-nachricht",
        "weitergeleitete nachricht",
        "message d'origine",
        "message transféré",
        "message original",
        "mensaje original",
        "mensaje reenviado",
        "oorspronkelijk bericht",
        "origineel bericht",
        "doorgestuurd bericht",
    }
)
_FORWARD_LINES = frozenset(
    {
        "begin forwarded message:",
        "anfang der weitergeleiteten nachricht:",
        "début du message réexpédié:",
        "début du message transféré:",
        "inicio del mensaje reenviado:",
        "begin doorgestuurd bericht:",
    }
)

_FROM_LABELS = frozenset({"from", "von", "de", "van", "da"})
_SENT_LABELS = frozenset(
    {
        "sent",
        "date",
        "gesendet",
        "datum",
        "envoyé",
        "enviado",
        "enviado el",
        "fecha",
        "verzonden",
        "verstuurd",
        "inviato",
    }
)
_TO_LABELS = frozenset(
    {
        "to",
        "subject",
        "an",
        "betreff",
        "à",
        "objet",
        "para",
        "asunto",
        "aan",
        "onderwerp",
        "cc",
        "oggetto",
        "a",
    }
)

_MOBILE_PREFIXES = (
    "sent from my ",
    "sent from ",
    "sent via ",
    "sent with ",
    "get outlook for ",
    "envoyé de mon ",
    "envoyé depuis ",
    "envoyé à partir de ",
    "von meinem ",
    "gesendet von ",
    "gesendet mit ",
    "enviado desde mi ",
    "enviado desde ",
    "enviado de meu ",
    "verzonden vanaf mijn ",
    "verzonden met ",
    "verstuurd vanaf mijn ",
    "inviato da ",
)
_MOBILE_MAX = 80


def reply_text(text: str | None, html_text: str | None = None) -> ReplyText:
    """The reply-only text of ``text`` (the text/plain body); ``html_text``, the HTML body
    converted to text, is used when there is no plain text."""
    source = text if text and text.strip() else (html_text or "")
    source = source.replace("\r\n", "\n").replace("\r", "\n")
    lines = source.split("\n")
    kept, quoted = _without_history(lines)
    kept, signed = _without_signature(kept)
    out = _join(kept)
    if not out.strip():
        return ReplyText(_join(lines), False, False)
    return ReplyText(out, quoted, signed)


def _clean(line: str) -> str:
    return line.replace("\u00a0", " ").strip()


def _is_quoted(line: str) -> bool:
    return line.lstrip(" \t").startswith(">")


def _is_blank(line: str) -> bool:
    return not line.strip()


_REMOVED = None  # marks where removed lines were, so blank lines around them collapse


def _without_history(lines: list[str]) -> tuple[list[str | None], bool]:
    """``lines`` without quoted blocks, their attributions and what follows a history marker."""
    kept: list[str | None] = []
    removed = False
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if _is_quoted(line):
            while i < n and _is_quoted(lines[i]):
                i += 1
            kept.append(_REMOVED)
            removed = True
            continue
        i += 1
        stripped = line.strip()
        # Most lines are text: only a line with a colon, a leading dash or an opener
        # ("On ", "Am ", ...) can be a header, and only a short one.
        if (
            not stripped
            or len(line) > MAX_HEADER_LINE
            or not (":" in stripped or stripped[0] == "-" or stripped[:3].lower() in _OPENERS)
        ):
            kept.append(line)
            continue
        if _is_history_marker(lines, i - 1):
            return _drop_trailing_rules(kept) + [_REMOVED], True
        span = _attribution_span(lines, i - 1)
        if not span:
            kept.append(line)
            continue
        after = i - 1 + span
        while after < n and _is_blank(lines[after]):
            after += 1
        if after < n and _is_quoted(lines[after]):
            kept.append(_REMOVED)
            removed = True
            i = after
            continue
        # Unquoted history (HTML converted to text loses its ">" marks).
        return _drop_trailing_rules(kept) + [_REMOVED], True
    return kept, removed


def _attribution_span(lines: list[str], i: int) -> int:
    """How many lines (1-3) from ``i`` form an attribution line, 0 if none."""
    low = _clean(lines[i]).lower()
    if low.endswith(_WEAK_ENDINGS) or (
        low.endswith(":") and any(infix in low for infix in _WEAK_INFIXES)
    ):
        if _followed_by_quote(lines, i + 1):
            return 1
    if low[:3] not in _OPENERS:
        return 0
    openers = [a for a in _ATTRIBUTIONS if low.startswith(a[0])]
    joined = low
    for span in range(1, 4):
        # A date has digits: "On Monday I said\nthey wrote:" is no attribution.
        if any(needle in joined and joined.endswith(end) for _, needle, end in openers) and any(
            c.isdigit() for c in joined
        ):
            return span
        nxt = i + span
        if span == 3 or nxt >= len(lines) or _is_blank(lines[nxt]) or _is_quoted(lines[nxt]):
            return 0
        joined = f"{joined} {_clean(lines[nxt]).lower()}"
        if len(joined) > MAX_HEADER_LINE:
            return 0
    return 0


def _followed_by_quote(lines: list[str], i: int) -> bool:
    while i < len(lines) and _is_blank(lines[i]):
        i += 1
    return i < len(lines) and _is_quoted(lines[i])


def _is_history_marker(lines: list[str], i: int) -> bool:
    """An Original Message / forwarded message separator or an Outlook header block at ``i``."""
    line = _clean(lines[i])
    if line.startswith("--") and line.endswith("--"):
        return " ".join(line.strip("- ").lower().split()) in _SEPARATOR_TITLES
    label = _label(line)
    if label not in _FROM_LABELS:
        return (
            line.endswith(":")
            and " ".join(line.lower().replace(" :", ":").split()) in _FORWARD_LINES
        )
    sent = to = False
    for nxt in lines[i + 1 : i + 1 + _OUTLOOK_BLOCK_SPAN]:
        label = _label(_clean(nxt))
        sent = sent or label in _SENT_LABELS
        to = to or label in _TO_LABELS
    return sent and to


def _label(line: str) -> str | None:
    """The header label of ``line`` ("From" of ``*From:* x``), lowercased, or None."""
    head, colon, _ = line[:40].partition(":")
    if not colon:
        return None
    label = head.strip("* \t").lower()
    if " " in label:
        label = " ".join(label.split())
    return label if 0 < len(label) <= 16 else None


def _drop_trailing_rules(kept: list[str | None]) -> list[str | None]:
    """Without the blank lines and the ``____``/``----`` rules that introduced the history."""
    end = len(kept)
    while end:
        line = kept[end - 1]
        if line is None or _is_blank(line):
            end -= 1
            continue
        rule = line.strip()
        if len(rule) >= 10 and (set(rule) == {"_"} or set(rule) == {"-"}):
            end -= 1
            continue
        break
    return kept[:end]


def _without_signature(kept: list[str | None]) -> tuple[list[str | None], bool]:
    removed = False
    for idx in range(len(kept) - 1, -1, -1):
        line = kept[idx]
        if line is not None and line.rstrip("\t") in ("-- ", "--"):
            kept = kept[:idx]
            removed = True
            break
    for _ in range(2):  # "Sent from my iPhone", sometimes above "Get Outlook for iOS"
        end = len(kept)
        while end and (kept[end - 1] is None or _is_blank(kept[end - 1] or "")):
            end -= 1
        if not end:
            break
        last = _clean(kept[end - 1] or "").lower()
        if len(last) > _MOBILE_MAX or not last.startswith(_MOBILE_PREFIXES):
            break
        kept = kept[: end - 1]
        removed = True
    return kept, removed


def _join(lines: list[str | None]) -> str:
    """The lines as text: no blank lines at either end, and where lines were removed the
    blank lines around them collapse into one."""
    out: list[str] = []
    gap = False
    for line in lines:
        if line is None or _is_blank(line):
            gap = gap or line is None
            if line is not None and not gap:
                out.append(line)
            continue
        if gap:
            while out and _is_blank(out[-1]):
                out.pop()
            if out:
                out.append("")
            gap = False
        out.append(line)
    while out and _is_blank(out[-1]):
        out.pop()
    start = 0
    while start < len(out) and _is_blank(out[start]):
        start += 1
    return "\n".join(out[start:])
