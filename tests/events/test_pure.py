"""Pure pieces of the events layer: signatures, URL policy, SSE framing, type patterns."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from gateway.errors import InvalidInput
from gateway.events.signing import sign, verify
from gateway.events.sse import EventFilter, format_comment, format_event, parse_types
from gateway.events.types import EVENT_TYPES, is_valid_pattern
from gateway.events.url_policy import parse_url, refusal
from gateway.model.records import WebhookRecord, type_matches
from gateway.store.schema import utcnow


def test_signature_is_hmac_sha256_of_the_body() -> None:
    body = b'{"id":"evt_1"}'
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert sign("s3cret", body) == "sha256=" + expected
    assert verify("s3cret", body, "sha256=" + expected)
    assert not verify("other", body, "sha256=" + expected)
    assert not verify("s3cret", body + b" ", "sha256=" + expected)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://x.test/",
        "http:///nohost",
        "http://a b/",
        "http://x.test/\r\nHost: y",
        "http://x.test:99999/",
        "javascript:alert(1)",
        "http://x.test/" + "a" * 3000,
    ],
)
def test_bad_urls_are_invalid(url: str) -> None:
    with pytest.raises(InvalidInput):
        parse_url(url)


def test_parse_url_default_ports() -> None:
    assert parse_url("https://hooks.example.com/x") == ("https", "hooks.example.com", 443)
    assert parse_url("http://[::1]:8080/") == ("http", "::1", 8080)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.5",
        "192.168.1.1",
        "172.16.0.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "0.0.0.0",
        "::ffff:127.0.0.1",
        "100.64.0.1",
        "fc00::1",
    ],
)
def test_private_targets_are_refused_by_default(address: str) -> None:
    assert refusal([address], 443, allow_private=False, own_hosts={"127.0.0.1"}, own_port=8025)
    # Allowed when the setting says so, except the gateway itself.
    assert (
        refusal([address], 9999, allow_private=True, own_hosts={"127.0.0.1"}, own_port=8025) is None
    )


def test_the_gateway_itself_is_refused_even_when_private_is_allowed() -> None:
    for address in ("127.0.0.1", "0.0.0.0", "::1", "127.0.0.2", "192.168.5.5"):
        assert "gateway itself" in refusal(
            [address], 8025, allow_private=True, own_hosts={"192.168.5.5"}, own_port=8025
        )
    assert (
        refusal(["93.184.216.34"], 443, allow_private=False, own_hosts=set(), own_port=8025) is None
    )
    # One bad address among several is enough (DNS answers with many).
    assert refusal(
        ["93.184.216.34", "10.0.0.1"], 443, allow_private=False, own_hosts=set(), own_port=8025
    )


def test_sse_framing() -> None:
    chunk = format_event("evt_1", "message.new", {"id": "evt_1", "data": {"s": "a\nb"}})
    lines = chunk.decode().split("\n")
    assert lines[0] == "id: evt_1" and lines[1] == "event: message.new"
    assert json.loads(lines[2][len("data: ") :])["data"]["s"] == "a\nb"
    assert chunk.endswith(b"\n\n") and chunk.count(b"\n") == 4  # JSON kept on one line
    assert format_comment("x\ny") == b": x y\n\n"


def test_types_and_filters() -> None:
    assert parse_types(None, EVENT_TYPES) is None
    assert parse_types("*", EVENT_TYPES) is None
    assert parse_types("message.*, pop3.new", EVENT_TYPES) == {
        "message.new",
        "message.deleted",
        "message.flags",
        "message.bounce",
        "message.sent",
        "message.failed",
        "pop3.new",
    }
    for bad in ("message.nope", "nothing.*", "message.new\r\nX"):
        with pytest.raises(InvalidInput):
            parse_types(bad, EVENT_TYPES)
    f = EventFilter(
        accounts=frozenset({"a"}), types=frozenset({"message.new"}), include_global=False
    )
    assert f.matches("message.new", "a")
    assert not f.matches("message.new", "b") and not f.matches("message.flags", "a")
    assert not f.matches("message.new", None)
    assert is_valid_pattern("message.*") and is_valid_pattern("*")
    assert not is_valid_pattern("nothing.*") and not is_valid_pattern("message.nope")


def test_webhook_subscription_matching() -> None:
    hook = WebhookRecord("wh_1", "u", ["message.*", "pop3.new"], ["a"], None, utcnow())
    assert hook.wants("message.flags", "a") and hook.wants("pop3.new", "a")
    assert not hook.wants("message.flags", "b") and not hook.wants("account.error", "a")
    every = WebhookRecord("wh_2", "u", ["*"], None, None, utcnow())
    assert every.wants("account.error", None)
    assert type_matches("message.*", "message.new") and not type_matches("message.*", "messages")


def test_manager_state_changes_become_events_without_repeats() -> None:
    from types import SimpleNamespace

    from gateway.accounts.manager import ConnState, ProtocolStatus
    from gateway.events.account_state import state_change_publisher

    published: list[tuple[str, str, dict]] = []
    bus = SimpleNamespace(publish_soon=lambda *args: published.append(args))
    on_state = state_change_publisher(bus)  # type: ignore[arg-type]
    manager = SimpleNamespace(
        account=SimpleNamespace(id="acct"),
        protocol="imap",
        status=ProtocolStatus(ConnState.DISCONNECTED, None, utcnow()),
    )
    for state, error in [
        (ConnState.CONNECTING, None),
        (ConnState.ERROR, "refused"),
        (ConnState.CONNECTING, None),
        (ConnState.ERROR, "refused"),
        (ConnState.CONNECTED, None),
        (ConnState.DISCONNECTED, None),
        (ConnState.CONNECTED, None),
        (ConnState.AUTH_FAILED, "bad"),
    ]:
        manager.status.state, manager.status.last_error = state, error
        on_state(manager)  # type: ignore[arg-type]
    assert [(t, d.get("error")) for t, _a, d in published] == [
        ("account.error", "refused"),
        ("account.connected", None),
        ("account.error", "bad"),
    ]
    assert all(a == "acct" and d["protocol"] == "imap" for _t, a, d in published)
