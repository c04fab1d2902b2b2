"""Properties of what the IMAP side accepts from callers (pure, bounded hypothesis runs):
ids that decode name a real UID, strings that are sent cannot split a command, refusals
that blame the input are told apart, and no server text quotes the caller's strings."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.errors import InvalidInput, MailboxNotFound, MessageNotFound
from gateway.imap.ids import (
    MAX_UID,
    decode_cursor,
    decode_mailbox_id,
    decode_message_id,
    encode_message_id,
)
from gateway.protocols.imap.connection import _rejected
from gateway.protocols.imap.encoding import Literal, astring, encode_mailbox, flag_list, mailbox_arg
from gateway.protocols.imap.wire import Completion

SETTINGS = settings(max_examples=300, deadline=None)
MARK = "zq4711"  # in no error text of the gateway: an error that holds it echoed its input
BREAKS = [
    MARK,
    "\r",
    "\n",
    "\v",
    "\f",
    "\x1c",
    "\x85",
    "\u2028",
    "\u2029",
    "\x00",
    "\ud800",
    '"',
    "\\",
    "{3}",
    "&",
    "é",
    " ",
    "INBOX",
    "/",
]
TEXT = st.lists(
    st.one_of(st.sampled_from(BREAKS), st.characters(codec="utf-8"), st.text(max_size=6)),
    max_size=10,
).map("".join)
NUMBER = st.one_of(
    st.integers(-5, 2**70),
    st.sampled_from(["+1", "01", "1_0", " 1", "1 ", "٣", "0x1", "", "4294967295", "4294967296"]),
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@SETTINGS
@given(validity=NUMBER, uid=NUMBER, mailbox=TEXT)
def test_a_message_id_decodes_to_a_32_bit_uid_or_is_not_found(validity, uid, mailbox) -> None:
    raw = f"{validity}.{uid}.{mailbox}".encode("utf-8", "surrogatepass")
    try:
        ref = decode_message_id(_b64(raw))
    except MessageNotFound as exc:
        assert "." not in str(exc) or str(exc) == "no message with this id"
        return
    assert 1 <= ref.uid <= MAX_UID and 1 <= ref.uidvalidity <= MAX_UID
    assert ref.mailbox and not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in ref.mailbox)
    assert encode_message_id(ref.mailbox, ref.uidvalidity, ref.uid) == _b64(raw)  # canonical


@SETTINGS
@given(text=st.one_of(st.text(max_size=40), TEXT))
def test_any_string_as_an_id_or_cursor_is_a_clean_4xx(text: str) -> None:
    for decode, error in (
        (decode_message_id, MessageNotFound),
        (decode_mailbox_id, MailboxNotFound),
        (lambda t: decode_cursor(t, "abc"), InvalidInput),
    ):
        try:
            decode(text)
        except error as exc:
            assert MARK not in str(exc)


@SETTINGS
@given(value=TEXT)
def test_a_sent_string_never_splits_a_command(value: str) -> None:
    try:
        arg = astring(value)
    except InvalidInput as exc:
        assert "\x00" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value), exc
        return
    if not isinstance(arg, Literal):
        assert arg[:1] == arg[-1:] == b'"' and b"\r" not in arg and b"\n" not in arg


@SETTINGS
@given(name=TEXT)
def test_a_mailbox_name_is_refused_or_sent_as_one_argument(name: str) -> None:
    try:
        arg = mailbox_arg(name)
    except InvalidInput as exc:
        assert MARK not in str(exc)
        return
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in name)
    assert b"\r" not in arg and b"\n" not in arg and arg.isascii()  # modified UTF-7


@SETTINGS
@given(
    before=TEXT,
    after=TEXT,
    status=st.sampled_from(["NO", "BAD"]),
    quoted=st.sampled_from(["plain", "utf7", "upper"]),
)
def test_server_texts_never_quote_the_mailbox_name(
    before: str, after: str, status: str, quoted: str
) -> None:
    name = before + MARK + after
    try:
        arg = mailbox_arg(name)
    except InvalidInput:
        return
    shown = {"plain": name, "utf7": encode_mailbox(name).decode(), "upper": name.upper()}[quoted]
    text = f"[NONEXISTENT] Mailbox doesn't exist: {shown} (0.001 + 0.000 secs).".encode(
        "utf-8", "surrogatepass"
    )
    exc = _rejected((b"SELECT", arg), Completion(status, text, []))
    assert MARK not in exc.detail.lower()
    assert "secs" not in exc.reason and exc.response_code == ["NONEXISTENT"]


@pytest.mark.parametrize(
    ("status", "text", "blames_input"),
    [
        ("NO", b"[CANNOT] Keyword length too long", True),
        ("BAD", b"Invalid system flag \\FOO", True),
        ("NO", b"[LIMIT] Too many keywords", True),
        ("NO", b"[SERVERBUG] Internal error occurred", False),
        ("NO", b"[OVERQUOTA] Quota exceeded", False),
        ("NO", b"Mailbox is locked", False),
    ],
)
def test_refusals_that_blame_the_input_are_told_apart(
    status: str, text: bytes, blames_input: bool
) -> None:
    exc = _rejected(
        (b"UID", b"STORE", b"1", b"+FLAGS", flag_list(["\\Foo", "kw"])),
        Completion(status, text, []),
    )
    assert exc.refuses_input is blames_input
    assert "FOO" not in exc.detail.upper()
