"""Search across accounts, its pure parts: which mailboxes, in what turn, the merge of their
matches into pages, and the cursor."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.errors import InvalidInput
from gateway.imap.drafts import drafts_by_name
from gateway.imap.search import (
    _Box,
    _position,
    count_below,
    merge_newest,
    searchable_mailboxes,
    take_turns,
)
from gateway.imap.search_cursor import EXHAUSTED, SearchCursor, mailbox_key, query_key
from gateway.protocols.imap.parsing import ListEntry

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _entry(name: str, *flags: str) -> ListEntry:
    return ListEntry(name, name.encode(), "/", list(flags))


def test_searchable_mailboxes_skip_trash_junk_and_unselectable_inbox_sent_first() -> None:
    entries = [
        _entry("Zoo"),
        _entry("Trash", "\\Trash"),
        _entry("Spam", "\\junk"),
        _entry("Archive", "\\Archive"),
        _entry("Sent", "\\Sent"),
        _entry("INBOX"),
        _entry("Folder", "\\Noselect"),
        _entry("Gone", "\\NonExistent"),
        _entry("Drafts", "\\Drafts"),
    ]
    assert searchable_mailboxes(entries) == ["INBOX", "Sent", "Archive", "Drafts", "Zoo"]
    # Gmail: All Mail holds every message once; searching the labels too would repeat them.
    gmail = [_entry("INBOX"), _entry("[Gmail]/All Mail", "\\All"), _entry("[Gmail]/Sent", "\\Sent")]
    assert searchable_mailboxes(gmail) == ["[Gmail]/All Mail"]


def test_accounts_take_turns_up_to_the_cap() -> None:
    per_account = [("a", ["INBOX", "Sent", "A1", "A2"]), ("b", ["INBOX"]), ("c", ["INBOX", "X"])]
    chosen, left = take_turns(per_account, 5)
    assert chosen == [("a", "INBOX"), ("b", "INBOX"), ("c", "INBOX"), ("a", "Sent"), ("c", "X")]
    assert left == {"a": 2}
    assert take_turns(per_account, 100) == (
        [
            ("a", "INBOX"),
            ("b", "INBOX"),
            ("c", "INBOX"),
            ("a", "Sent"),
            ("c", "X"),
            ("a", "A1"),
            ("a", "A2"),
        ],
        {},
    )
    assert take_turns([], 3) == ([], {})


def test_drafts_mailbox_by_name() -> None:
    def item(path: str, *flags: str, delim: str = ".") -> dict:
        return {"path": path, "delimiter": delim, "flags": list(flags)}

    assert drafts_by_name([item("INBOX"), item("INBOX.Drafts"), item("drafts")]) == "drafts"
    assert drafts_by_name([item("INBOX"), item("INBOX.Drafts")]) == "INBOX.Drafts"
    assert drafts_by_name([item("Drafts", "\\Noselect"), item("Work.Drafts")]) is None
    assert drafts_by_name([item("Drafts", delim=None)]) == "Drafts"


def _box(name: str, dates: list[int], account: str = "a") -> _Box:
    """A mailbox whose matches are UIDs 1..n received at the given minutes."""
    box = _Box(account, name, mailbox_key(account, name), validity=7)
    box.ranges = [(1, len(dates))] if dates else []
    box.candidates = [
        (uid, T0 + timedelta(minutes=dates[uid - 1])) for uid in range(len(dates), 0, -1)
    ]
    box.matched = True
    return box


def test_merge_takes_the_newest_head_and_keeps_each_mailbox_in_uid_order() -> None:
    inbox, archive = _box("INBOX", [1, 3, 5]), _box("Archive", [2, 4, 6])
    page = merge_newest([inbox, archive], 4)
    assert [(b.path, uid) for b, uid in page] == [
        ("Archive", 3),
        ("INBOX", 3),
        ("Archive", 2),
        ("INBOX", 2),
    ]
    assert _position(inbox) == (7, 2) and _position(archive) == (7, 2)
    # Arrival out of UID order (an APPEND with an old date): the mailbox still gives its
    # messages above some UID, so the next page cannot miss one.
    odd = _box("Odd", [9, 1, 5])  # UID 1 received last
    page = merge_newest([odd, _box("Other", [8])], 3)
    assert [(b.path, uid) for b, uid in page] == [("Other", 1), ("Odd", 3), ("Odd", 2)]
    assert odd.chosen == [3, 2] and _position(odd) == (7, 2)


def test_positions_of_mailboxes_done_or_untouched() -> None:
    done = _box("Done", [1, 2])
    merge_newest([done], 10)
    assert _position(done) == (7, EXHAUSTED)
    empty = _box("Empty", [])
    assert _position(empty) == (7, EXHAUSTED)
    untouched = _box("Untouched", [1, 2, 3])  # nothing of it on this page
    assert _position(untouched) == (7, 4)  # new mail (UID 4 on) is not for this search
    untouched.before = 3  # from the cursor
    assert _position(untouched) == (7, 3)


@settings(max_examples=200, deadline=None)
@given(
    boxes=st.lists(st.lists(st.integers(0, 50), max_size=12), min_size=1, max_size=5),
    limit=st.integers(1, 7),
)
def test_paging_shows_every_match_once(boxes: list[list[int]], limit: int) -> None:
    """Page after page, as the service does it: every match exactly once, then the end."""
    positions: dict[str, tuple[int, int]] = {}
    seen: list[tuple[str, int]] = []
    for _ in range(200):
        page_boxes = []
        for index, dates in enumerate(boxes):
            name = f"m{index}"
            known = positions.get(name)
            if known is not None and known[1] == EXHAUSTED:
                continue
            box = _box(name, dates)
            box.before = None if known is None else known[1]
            below = [c for c in box.candidates if box.before is None or c[0] < box.before]
            box.candidates = below[: limit + 1]
            page_boxes.append(box)
        page = merge_newest(page_boxes, limit)
        assert len(page) <= limit
        seen += [(box.path, uid) for box, uid in page]
        for box in page_boxes:
            positions[box.path] = _position(box)
        if all(p[1] == EXHAUSTED for p in positions.values()) and len(positions) == len(
            [d for d in boxes]
        ):
            break
    expected = sorted(
        (f"m{i}", uid) for i, dates in enumerate(boxes) for uid in range(1, len(dates) + 1)
    )
    assert sorted(seen) == expected


def test_count_below() -> None:
    assert count_below([(1, 3), (7, 9)], 8) == 4
    assert count_below([(1, 3)], 1) == 0 and count_below([], 5) == 0


def test_cursor_round_trips_and_refuses_what_it_did_not_make() -> None:
    key = query_key("filters", ["a", "b"])
    cursor = SearchCursor(
        key, {mailbox_key("a", "INBOX"): (7, 42), mailbox_key("b", "Sent"): (9, EXHAUSTED)}
    )
    text = cursor.encode()
    assert SearchCursor.decode(text, key).positions == cursor.positions
    assert len(text) == 47  # 7 bytes and 14 a mailbox, base64url: 4 characters per 3
    with pytest.raises(InvalidInput, match="other filters"):
        SearchCursor.decode(text, query_key("filters", ["a"]))
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    for bad in [
        "",
        "!!!",
        text[:-3],
        base64.urlsafe_b64encode(b"\x02" + raw[1:]).decode(),
        "x" * 5000,
    ]:
        with pytest.raises(InvalidInput, match="cursor"):
            SearchCursor.decode(bad, key)
