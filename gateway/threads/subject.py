"""The base subject of a message (RFC 5256 section 2.1), for grouping threads by subject (pure).

``Re: [list] Fwd: Hello (fwd)`` -> ``hello``: reply and forward prefixes (``re``, ``fw``,
``fwd``, each with an optional ``[blob]`` before the colon), leading ``[blob]``s (mailing
list tags) when something is left after them, trailing ``(fwd)`` and ``[fwd: ...]``
wrappers are removed, whitespace is collapsed, and the result is casefolded so that
subjects compare as equal regardless of case. The subject is expected already decoded
(RFC 2047 encoded words to text, step 1 of the RFC).
"""

from __future__ import annotations

MAX_SUBJECT = 2000


def base_subject(subject: str | None) -> tuple[str, bool]:
    """The base subject, and whether the subject marked a reply or forward (a
    ``subj-refwd`` prefix, a ``(fwd)`` trailer or a ``[fwd: ...]`` wrapper)."""
    text = " ".join((subject or "")[:MAX_SUBJECT].split())  # step 1: WSP runs -> one space
    refwd = False
    while True:
        while True:  # step 2: subj-trailer = "(fwd)" / WSP
            if text.endswith(" "):
                text = text[:-1]
            elif text.lower().endswith("(fwd)"):
                text, refwd = text[:-5], True
            else:
                break
        while True:  # step 5: repeat steps 3 and 4
            before = text
            text = text.lstrip(" ")
            after_leader = _leader_end(text)  # step 3: subj-leader
            if after_leader is not None:
                text, refwd = text[after_leader:], True
            after_blob = _blob_end(text, 0)  # step 4: a subj-blob, unless nothing is left
            if after_blob is not None and text[after_blob:].strip():
                text = text[after_blob:]
            if text == before:
                break
        # step 6: subj-fwd = "[fwd:" subject "]"
        if text.lower().startswith("[fwd:") and text.endswith("]"):
            text, refwd = text[5:-1], True
            continue
        return text.strip().casefold(), refwd


def _blob_end(text: str, at: int) -> int | None:
    """Where ``subj-blob = "[" *BLOBCHAR "]" *WSP`` starting at ``at`` ends, or None."""
    if not text.startswith("[", at):
        return None
    close = text.find("]", at + 1)
    if close < 0 or "[" in text[at + 1 : close]:
        return None
    end = close + 1
    while text.startswith(" ", end):
        end += 1
    return end


def _leader_end(text: str) -> int | None:
    """Where ``subj-leader = *subj-blob subj-refwd`` ends, or None;
    ``subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"``."""
    at = 0
    while (end := _blob_end(text, at)) is not None:
        at = end
    low = text[at : at + 3].lower()
    if low.startswith("re"):
        at += 2
    elif low == "fwd":
        at += 3
    elif low.startswith("fw"):
        at += 2
    else:
        return None
    while text.startswith(" ", at):
        at += 1
    at = _blob_end(text, at) or at
    return at + 1 if text.startswith(":", at) else None
