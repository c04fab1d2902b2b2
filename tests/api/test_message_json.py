"""The JSON of a message read, memoised around its flags, equals the model's serialisation."""

from __future__ import annotations

from tests.mail.conftest import make_message


def test_message_json_memo_equals_the_model_serialisation() -> None:
    from types import SimpleNamespace

    from gateway.api.routes.messages import MessageJsonMemo
    from gateway.api.schemas.messages import MessageOut
    from gateway.protocols.mime.parse import parse_message
    from tests.mail.conftest import latin1_with_attachment

    memo = MessageJsonMemo(max_bytes=3000)
    ref = SimpleNamespace(uid=42)
    sources = [
        latin1_with_attachment(b"%PDF" * 100),
        make_message('"flags":["\\u0000"] in the subject', body='"flags":[] {"x": 1}'),
    ]
    for raw in sources:
        parsed = parse_message(raw)
        for flags in ([], ["\\Seen"], ["\\Seen", "$Label", "Ünïcode\ufffd", 'q"uote']):
            meta = {"flags": flags, "mailbox": "INBOX", "size": len(raw)}
            expected = (
                MessageOut.from_parsed(
                    parsed,
                    id="m1",
                    uid=42,
                    mailbox="INBOX",
                    flags=flags,
                    size=len(raw),
                    preview=parsed.preview,
                )
                .model_dump_json(by_alias=True)
                .encode()
            )
            assert memo.render("acct", "m1", ref, parsed, meta) == expected
            assert memo.render("acct", "m1", ref, parsed, meta) == expected  # from the memo
        other = parse_message(raw)  # the mail layer parsed it again: the entry is not used
        meta = {"flags": ["\\Answered"], "mailbox": "INBOX", "size": len(raw)}
        assert (
            memo.render("acct", "m1", ref, other, meta)
            == MessageOut.from_parsed(
                other,
                id="m1",
                uid=42,
                mailbox="INBOX",
                flags=["\\Answered"],
                size=len(raw),
                preview=other.preview,
            )
            .model_dump_json(by_alias=True)
            .encode()
        )
    assert memo._size <= 3000


def test_message_json_memo_writes_the_current_thread_id() -> None:
    """A thread id changes when threads merge: the memo writes the one of each read."""
    from types import SimpleNamespace

    from gateway.api.routes.messages import MessageJsonMemo
    from gateway.api.schemas.messages import MessageOut
    from gateway.model.messages import BounceRecipient, BounceReport
    from gateway.protocols.mime.parse import parse_message

    memo = MessageJsonMemo()
    raw = make_message("Re: plans", body="Yes.\n\n> Lunch?\n")
    parsed = parse_message(raw)
    parsed.reply_text = "Yes."
    parsed.bounce = BounceReport(
        (BounceRecipient("x@example.test", "failed", "5.1.1", "smtp; 550 5.1.1 unknown"),),
        "<o@example.test>",
    )
    for thread_id in ("Kq3v9yJ0b5mWZx1c", "gm.1194fb1d8f2d6390", None, "Kq3v9yJ0b5mWZx1c"):
        meta = {"flags": ["\\Seen"], "mailbox": "INBOX", "size": len(raw), "thread_id": thread_id}
        expected = (
            MessageOut.from_parsed(
                parsed,
                id="m1",
                uid=7,
                mailbox="INBOX",
                thread_id=thread_id,
                flags=["\\Seen"],
                size=len(raw),
                preview=parsed.preview,
            )
            .model_dump_json(by_alias=True)
            .encode()
        )
        assert memo.render("acct", "m1", SimpleNamespace(uid=7), parsed, meta) == expected
    body = MessageOut.model_validate_json(expected)
    assert body.reply_text == "Yes." and body.bounced_message_id == "<o@example.test>"
    assert body.bounce is not None and body.bounce[0].status == "5.1.1"
