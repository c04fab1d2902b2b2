"""Who may send as what, the From header reading and the quota window (pure, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from gateway.errors import FromNotAllowed, InvalidInput
from gateway.model.accounts import AccountSpec
from gateway.outbox.quota import seconds_until_reset
from gateway.outbox.sender_policy import (
    check_raw_senders,
    from_header_addresses,
    may_send_as,
)


def account(**extra) -> AccountSpec:
    return AccountSpec(name="A", email="Alice@Example.test", **extra)


def test_own_address_any_case() -> None:
    assert may_send_as(account(), "alice@example.TEST")
    assert not may_send_as(account(), "bob@example.test")
    assert not may_send_as(account(), "alice@example.test.evil")


def test_aliases_and_domain_wildcard() -> None:
    acct = account(aliases=["Sales@Shop.test", "*@Bücher.test"])
    assert acct.aliases == ["Sales@Shop.test", "*@xn--bcher-kva.test"]
    assert may_send_as(acct, "sales@shop.test")
    assert may_send_as(acct, "anyone@bücher.test") and may_send_as(acct, "x@xn--bcher-kva.test")
    assert not may_send_as(acct, "x@sub.bücher.test")
    assert not may_send_as(acct, "other@shop.test")
    assert may_send_as(account(allow_any_from=True), "anyone@anywhere.test")


@pytest.mark.parametrize("alias", ["*", "*@", "a", "a@b c", "*@-bad-.test", "x@y\nz"])
def test_bad_aliases_are_refused(alias: str) -> None:
    with pytest.raises(ValidationError):
        account(aliases=[alias])


def test_from_header_reading() -> None:
    assert from_header_addresses(["Alice <alice@x.test>,\r\n bob@y.test"]) == [
        "alice@x.test",
        "bob@y.test",
        "alice@x.test",
        "bob@y.test",
    ]
    assert "bob@evil.test" in from_header_addresses(['"alice@x.test" <bob@evil.test>'])
    for bad in ["alice@x.test <bob@evil.test>", "undisclosed:;", "", "a@x.test@b@y.test"]:
        with pytest.raises(InvalidInput):
            from_header_addresses([bad])


def test_raw_envelope_and_every_from_are_checked() -> None:
    acct = account()
    check_raw_senders(acct, "alice@example.test", ["Alice <alice@example.test>"])
    check_raw_senders(acct, "alice@example.test", [])  # no From header: the envelope only
    with pytest.raises(FromNotAllowed):
        check_raw_senders(acct, "bob@example.test", ["alice@example.test"])
    with pytest.raises(FromNotAllowed):
        check_raw_senders(acct, "alice@example.test", ["alice@example.test", "b@example.test"])
    check_raw_senders(account(allow_any_from=True), "b@x.test", ["not even an address"])


def test_quota_window_ends_at_utc_midnight() -> None:
    assert seconds_until_reset(datetime(2026, 12, 6, 23, 59, 59, 500000, tzinfo=UTC)) == 1
    assert seconds_until_reset(datetime(2026, 12, 6, 0, 0, tzinfo=UTC)) == 86400
    assert seconds_until_reset(datetime(2026, 12, 6, 12, 0, tzinfo=UTC)) == 43200
