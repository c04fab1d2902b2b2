"""The one IMAP string encoder: nothing a user typed can end or split a command."""

from __future__ import annotations

from datetime import date

import pytest
from imapclient import imap_utf7

from gateway.errors import InvalidInput
from gateway.protocols.imap.encoding import (
    Literal,
    astring,
    decode_mailbox,
    encode_mailbox,
    flag_list,
    mailbox_arg,
    parse_sequence_set,
    search_date,
    sequence_set,
)


def test_plain_strings_are_quoted_with_escapes() -> None:
    assert astring("hello") == b'"hello"'
    assert astring('a"b\\c') == b'"a\\"b\\\\c"'
    assert astring("") == b'""'
    assert not isinstance(astring("{3}"), Literal)
    assert astring("{3}") == b'"{3}"'


@pytest.mark.parametrize("value", ["a\r\nG1 LOGOUT", "line\n", "cr\r", "Grüße", "x" * 1001])
def test_crlf_8bit_and_long_strings_become_literals(value: str) -> None:
    arg = astring(value)
    assert isinstance(arg, Literal)
    assert bytes(arg) == value.encode("utf-8")


def test_nul_is_refused() -> None:
    with pytest.raises(InvalidInput):
        astring("a\x00b")


def test_mailbox_names_use_modified_utf7() -> None:
    name = 'Tëst "quoted" \\ {3}'
    assert encode_mailbox(name) == b'T&AOs-st "quoted" \\ {3}'
    assert mailbox_arg(name) == b'"T&AOs-st \\"quoted\\" \\\\ {3}"'
    assert decode_mailbox(encode_mailbox(name)) == name
    assert encode_mailbox("inbox") == b"INBOX"
    for sample in ("&", "日本語/メール", "a&b", "Ünïcödé ∑"):
        assert encode_mailbox(sample) == imap_utf7.encode(sample)
        assert decode_mailbox(encode_mailbox(sample)) == sample
    assert decode_mailbox(b"bad&-utf7&") == "bad&utf7&" or isinstance(
        decode_mailbox(b"bad&-utf7&"), str
    )


@pytest.mark.parametrize("name", ["a\r\nb", "tab\there", "", "x" * 1025])
def test_bad_mailbox_names(name: str) -> None:
    with pytest.raises(InvalidInput):
        mailbox_arg(name)


def test_flags_are_validated_atoms() -> None:
    assert flag_list(["\\Seen", "$Forwarded", "todo"]) == b"(\\Seen $Forwarded todo)"
    for bad in ["a b", "x)", "(", "{1}", 'q"', "\\", "", "\\Recent", "a\r\n", "a\n", "ä"]:
        with pytest.raises(InvalidInput):
            flag_list([bad])


def test_sequence_sets() -> None:
    assert sequence_set([7, 1, 2, 3, 9, 10]) == b"1:3,7,9:10"
    assert sequence_set([5]) == b"5"
    assert parse_sequence_set(b"1:3,7,10:9") == [(1, 3), (7, 7), (9, 10)]
    with pytest.raises(InvalidInput):
        sequence_set([0])


def test_search_date() -> None:
    assert search_date(date(1994, 2, 1)) == b"1-Feb-1994"
    assert search_date(date(953, 11, 8)) == b"8-Nov-0953"  # date-year is 4DIGIT
