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
    sources = [latin1_with_attachment(b"%PDF" * 100),
               make_message('"flags":["\\u0000"] in the subject', body='"flags":[] {"x": 1}')]
    for raw in sources:
        parsed = parse_message(raw)
        for flags in ([], ["\\Seen"], ["\\Seen", "$Label", "Ünïcode\ufffd", 'q"uote']):
            meta = {"flags": flags, "mailbox": "INBOX", "size": len(raw)}
            expected = MessageOut.from_parsed(
                parsed, id="m1", uid=42, mailbox="INBOX", flags=flags, size=len(raw),
                preview=parsed.preview).model_dump_json(by_alias=True).encode()
            assert memo.render("acct", "m1", ref, parsed, meta) == expected
            assert memo.render("acct", "m1", ref, parsed, meta) == expected  # from the memo
        other = parse_message(raw)  # the mail layer parsed it again: the entry is not used
        meta = {"flags": ["\\Answered"], "mailbox": "INBOX", "size": len(raw)}
        assert memo.render("acct", "m1", ref, other, meta) == MessageOut.from_parsed(
            other, id="m1", uid=42, mailbox="INBOX", flags=["\\Answered"], size=len(raw),
            preview=other.preview).model_dump_json(by_alias=True).encode()
    assert memo._size <= 3000
