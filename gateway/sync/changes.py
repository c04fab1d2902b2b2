"""Change detection between what a watcher knew and what the server holds now (pure).

IMAP (RFC 3501 section 2.3.1.1): a UID names one message for as long as the
mailbox's UIDVALIDITY stays the same; when it changes, every stored UID is
meaningless, so the mailbox is re-read silently and one ``mailbox.reset`` is
reported instead of a flood of ``message.new``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# \Recent belongs to one session (RFC 3501 section 2.3.2) and would look like a change.
_SESSION_FLAGS = {"\\recent"}

Flags = tuple[str, ...]


def normalise_flags(flags: Iterable[str | bytes]) -> Flags:
    """Flags as sorted strings without session-only ones."""
    out = {f.decode("utf-8", "replace") if isinstance(f, bytes) else str(f) for f in flags}
    return tuple(sorted(f for f in out if f.lower() not in _SESSION_FLAGS))


@dataclass
class Changes:
    new: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    flags: dict[int, Flags] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.new or self.deleted or self.flags)


def compare(known: Mapping[int, Flags], present: set[int], changed: Mapping[int, Flags]) -> Changes:
    """``known``: UID -> flags stored; ``present``: the UIDs in the mailbox now;
    ``changed``: current flags of the messages whose flags may have changed
    (all of them without CONDSTORE, those past the stored HIGHESTMODSEQ with it)."""
    return Changes(
        new=sorted(present - known.keys()),
        deleted=sorted(known.keys() - present),
        flags={
            uid: flags
            for uid, flags in sorted(changed.items())
            if uid in known and uid in present and flags != known[uid]
        },
    )


def apply(
    known: Mapping[int, Flags], changes: Changes, new_flags: Mapping[int, Flags]
) -> dict[int, Flags]:
    """The UID -> flags map after ``changes`` (``new_flags``: flags of the new messages)."""
    deleted = set(changes.deleted)
    out = {uid: flags for uid, flags in known.items() if uid not in deleted}
    out.update(changes.flags)
    for uid in changes.new:
        out[uid] = new_flags.get(uid, ())
    return out


def diff_names(known: Iterable[str], current: Iterable[str]) -> tuple[list[str], list[str]]:
    """Mailboxes ``(created, deleted)`` between two LIST results."""
    old, new = set(known), set(current)
    return sorted(new - old), sorted(old - new)


def diff_uidls(known: Iterable[str], current: Iterable[str]) -> list[str]:
    """POP3 UIDLs that are new, in the server's order (RFC 1939 section 7: UIDL is stable)."""
    old = set(known)
    return [u for u in current if u not in old]
