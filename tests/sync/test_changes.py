"""Pure change detection: what is new, gone, or flagged differently, and summaries."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from imapclient.response_types import Address, Envelope

from gateway.imap.ids import decode_message_id
from gateway.store.sync_state import MailboxState, flags_from_json
from gateway.sync.changes import apply, compare, diff_names, diff_uidls, normalise_flags
from gateway.sync.summary import message_summary


def test_normalise_drops_recent_and_sorts() -> None:
    assert normalise_flags([b"\\Seen", b"\\Recent", "$Label"]) == ("$Label", "\\Seen")


def test_compare_finds_new_deleted_and_flag_changes() -> None:
    known = {1: ("\\Seen",), 2: (), 3: ("\\Flagged",)}
    present = {1, 3, 4, 5}
    changed = {1: ("\\Seen",), 3: (), 4: ("\\Seen",)}  # 4 is new: not a flag change
    changes = compare(known, present, changed)
    assert changes.new == [4, 5] and changes.deleted == [2] and changes.flags == {3: ()}
    after = apply(known, changes, {4: ("\\Seen",), 5: ()})
    assert after == {1: ("\\Seen",), 3: (), 4: ("\\Seen",), 5: ()}
    assert not compare(after, {1, 3, 4, 5}, {1: ("\\Seen",)})


def test_nothing_known_means_everything_present_is_new() -> None:
    assert compare({}, {7, 8}, {}).new == [7, 8]


def test_name_and_uidl_diffs() -> None:
    assert diff_names(["INBOX", "Old"], ["INBOX", "New"]) == (["New"], ["Old"])
    assert diff_uidls(["a", "b"], ["b", "c", "a", "d"]) == ["c", "d"]


def test_summary_from_envelope() -> None:
    env = Envelope(
        date=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        subject=b"=?utf-8?q?Gr=C3=BC=C3=9Fe?=",
        from_=(Address(b"=?utf-8?q?J=C3=B6rg?=", None, b"joerg", b"example.test"),),
        sender=None,
        reply_to=None,
        to=(
            Address(None, None, b"undisclosed", None),
            Address(None, None, b"a", b"b.test"),
            Address(None, None, None, None),
        ),
        cc=None,
        bcc=None,
        in_reply_to=None,
        message_id=b"<m1@example.test>",
    )
    data = {b"UID": 9, b"FLAGS": (b"\\Seen", b"\\Recent"), b"RFC822.SIZE": 1234, b"ENVELOPE": env}
    out = message_summary("Work/Ä", 77, 9, data)
    assert out["subject"] == "Grüße"
    assert out["from"] == {"name": "Jörg", "address": "joerg@example.test"}
    assert out["to"] == [{"name": None, "address": "a@b.test"}]  # group markers skipped
    assert out["flags"] == ["\\Seen"] and out["size"] == 1234 and out["uid"] == 9
    assert out["date"] == "2026-01-02T03:04:05Z" and out["message_id"] == "<m1@example.test>"
    ref = decode_message_id(out["id"])
    assert (ref.mailbox, ref.uidvalidity, ref.uid) == ("Work/Ä", 77, 9)


def test_summary_survives_a_missing_envelope() -> None:
    out = message_summary("INBOX", 1, 2, {b"UID": 2})
    assert out["subject"] is None and out["from"] is None and out["to"] == []


def test_sync_state_round_trips_compactly() -> None:
    flags = {uid: ("\\Seen",) for uid in range(1, 5001)}
    flags.update({7: (), 9000: ("$Work", "\\Flagged"), 9001: ("$Work", "\\Flagged")})
    state = MailboxState("INBOX", 1, 9002, 5, flags)
    data = state.to_json()
    assert len(json.dumps(data)) < 200
    assert flags_from_json(json.loads(json.dumps(data))) == flags
    assert flags_from_json({"3": ["\\Seen"]}) == {3: ("\\Seen",)}  # the older form
    assert flags_from_json(MailboxState("X").to_json()) == {}
