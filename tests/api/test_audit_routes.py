"""Which requests the audit middleware records, and how it names a request refused before
routing (pure functions, no I/O)."""

from __future__ import annotations

import pytest

from gateway.api.audit import is_audited, match_route, route_table


@pytest.mark.parametrize(
    ("method", "route"),
    [
        ("POST", "/v1/accounts"),
        ("PATCH", "/v1/accounts/{account}"),
        ("DELETE", "/v1/accounts/{account}"),
        ("POST", "/v1/accounts/{account}/verify"),
        ("POST", "/v1/accounts/{account}/send"),
        ("POST", "/v1/accounts/{account}/send/raw"),
        ("POST", "/v1/accounts/{account}/messages/{message}/reply"),
        ("POST", "/v1/accounts/{account}/messages/{message}/forward"),
        ("POST", "/v1/tokens"),
        ("DELETE", "/v1/tokens/{token_id}"),
        ("POST", "/v1/webhooks"),
        ("DELETE", "/v1/webhooks/{webhook_id}"),
        ("DELETE", "/v1/outbox/{queue_id}"),
        ("POST", "/v1/oauth2/apps"),
        ("PUT", "/v1/oauth2/apps/{app_id}"),
        ("DELETE", "/v1/oauth2/apps/{app_id}/secret"),
    ],
)
def test_changes_verifies_and_sends_are_audited(method: str, route: str) -> None:
    assert is_audited(method, route)


@pytest.mark.parametrize(
    ("method", "route"),
    [
        ("GET", "/v1/accounts"),
        ("GET", "/v1/tokens"),
        ("GET", "/v1/audit"),
        ("HEAD", "/v1/accounts/{account}"),
        ("GET", "/v1/oauth2/apps"),
        ("PATCH", "/v1/accounts/{account}/messages/{message}"),
        ("POST", "/v1/accounts/{account}/messages/batch"),
        ("POST", "/v1/accounts/{account}/mailboxes"),
        ("DELETE", "/v1/accounts/{account}/pop3/messages/{uidl}"),
        ("POST", "/healthz"),
    ],
)
def test_reads_and_mail_content_operations_are_not(method: str, route: str) -> None:
    assert not is_audited(method, route)


def test_a_request_refused_before_routing_is_named_by_its_template() -> None:
    table = route_table(
        {
            "paths": {
                "/v1/tokens": {"get": {}, "post": {}},
                "/v1/tokens/{token_id}": {"delete": {}},
                "/v1/accounts/{account}/send": {"post": {}},
            }
        }
    )
    assert match_route(table, "POST", "/v1/accounts/a-1/send") == (
        "/v1/accounts/{account}/send",
        {"account": "a-1"},
    )
    assert match_route(table, "DELETE", "/v1/tokens/tok_1") == (
        "/v1/tokens/{token_id}",
        {"token_id": "tok_1"},
    )
    assert match_route(table, "POST", "/v1/tokens") == ("/v1/tokens", {})
    assert match_route(table, "PUT", "/v1/tokens/tok_1") is None
    assert match_route(table, "POST", "/v1/tokens/tok_1/extra") is None
    assert match_route(table, "POST", "/v1/nothing") is None
