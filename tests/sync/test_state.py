"""Change-feed state strings: round trip, compact, URL-safe, and refused when forged (pure)."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.errors import CannotCalculateChanges, GatewayError
from gateway.sync.state import StateInvalid, SyncState, decode_state, encode_state

KEY = b"k" * 32
SCOPE = "mailbox:7:INBOX"

_field = st.integers(0, 2**64 - 1)


@given(state=st.builds(SyncState, _field, _field, _field, _field), scope=st.text(max_size=40))
def test_round_trip_of_any_state(state: SyncState, scope: str) -> None:
    token = encode_state(state, key=KEY, scope=scope)
    assert decode_state(token, key=KEY, scope=scope) == state
    assert len(token) <= 71
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_a_typical_state_is_short() -> None:
    token = encode_state(
        SyncState(epoch=1, uidvalidity=1700000000, modseq=123456, mailboxes=4), key=KEY, scope=SCOPE
    )
    assert len(token) <= 32


def test_the_error_is_the_domain_error_for_listing_again() -> None:
    assert issubclass(StateInvalid, CannotCalculateChanges)
    assert issubclass(StateInvalid, GatewayError)
    assert StateInvalid().code == "cannot_calculate_changes"


@pytest.mark.parametrize("scope", ["mailbox:7:Sent", "mailbox:8:INBOX", "account:7"])
def test_a_state_of_another_scope_is_refused(scope: str) -> None:
    token = encode_state(SyncState(1, 2, 3, 4), key=KEY, scope=SCOPE)
    with pytest.raises(StateInvalid):
        decode_state(token, key=KEY, scope=scope)


def test_a_state_under_another_key_is_refused() -> None:
    token = encode_state(SyncState(1, 2, 3, 4), key=KEY, scope=SCOPE)
    with pytest.raises(StateInvalid):
        decode_state(token, key=b"other" * 8, scope=SCOPE)


@given(data=st.data())
def test_every_changed_character_is_refused(data: st.DataObject) -> None:
    token = encode_state(SyncState(1, 1700000000, 99, 3), key=KEY, scope=SCOPE)
    at = data.draw(st.integers(0, len(token) - 1))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    new = data.draw(st.sampled_from(alphabet).filter(lambda c: c != token[at]))
    with pytest.raises(StateInvalid):
        decode_state(token[:at] + new + token[at + 1 :], key=KEY, scope=SCOPE)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "!",
        "a b",
        "AAAA",
        "=" * 8,
        "A" * 101,
        "é",
        "Zm9v",
        "AQ==",
    ],
)
def test_garbage_is_refused(token: str) -> None:
    with pytest.raises(StateInvalid):
        decode_state(token, key=KEY, scope=SCOPE)


def test_an_unknown_version_is_refused_even_when_signed() -> None:
    import hashlib
    import hmac

    body = bytes([2, 1, 2, 3, 4])
    scope = SCOPE.encode()
    tag = hmac.new(
        KEY, b"mailgate-state\x00" + bytes([len(scope)]) + scope + body, hashlib.sha256
    ).digest()[:12]
    token = base64.urlsafe_b64encode(body + tag).rstrip(b"=").decode()
    with pytest.raises(StateInvalid, match="version"):
        decode_state(token, key=KEY, scope=SCOPE)


def test_truncated_and_extended_tokens_are_refused() -> None:
    token = encode_state(SyncState(1, 2, 3, 4), key=KEY, scope=SCOPE)
    for bad in (token[:-1], token[:-4], token + "A", token + "AAAA", token[4:]):
        with pytest.raises(StateInvalid):
            decode_state(bad, key=KEY, scope=SCOPE)


def test_fields_out_of_range_and_no_key_are_programming_errors() -> None:
    with pytest.raises(ValueError):
        encode_state(SyncState(modseq=2**64), key=KEY, scope=SCOPE)
    with pytest.raises(ValueError):
        encode_state(SyncState(modseq=-1), key=KEY, scope=SCOPE)
    with pytest.raises(ValueError):
        encode_state(SyncState(), key=b"", scope=SCOPE)
