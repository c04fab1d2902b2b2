"""SASL messages for OAuth 2.0 tokens (RFC 7628, XOAUTH2) and their failure challenges."""

from __future__ import annotations

import base64

import pytest

from gateway.errors import InvalidInput
from gateway.protocols.sasl import (
    OAuthChallenge,
    abort_response,
    auth_failure,
    choose_mechanism,
    encoded_initial_response,
    initial_response,
    parse_challenge,
)


def test_auto_prefers_oauthbearer_when_offered_else_xoauth2() -> None:
    assert choose_mechanism(["PLAIN", "XOAUTH2", "oauthbearer"]) == "OAUTHBEARER"
    assert choose_mechanism(["PLAIN", "XOAUTH2"]) == "XOAUTH2"
    assert choose_mechanism([]) == "XOAUTH2"  # a server that does not say: every provider
    assert choose_mechanism(["OAUTHBEARER"], "xoauth2") == "XOAUTH2"
    assert choose_mechanism(["XOAUTH2"], "oauthbearer") == "OAUTHBEARER"


def test_oauthbearer_message_has_gs2_header_and_escaped_authzid() -> None:
    # RFC 7628 section 3.1 and its example in section 4.1; RFC 5801 escapes "," and "=".
    raw = initial_response(
        "OAUTHBEARER", "a,b=c@example.com", "vF9dft4qmT", host="server.example.com", port=143
    )
    assert raw == (
        b"n,a=a=2Cb=3Dc@example.com,\x01host=server.example.com\x01port=143\x01"
        b"auth=Bearer vF9dft4qmT\x01\x01"
    )


def test_xoauth2_message_matches_googles_profile() -> None:
    token = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"
    encoded = encoded_initial_response("XOAUTH2", "someuser@example.com", token)
    assert base64.b64decode(encoded) == (
        b"user=someuser@example.com\x01auth=Bearer " + token.encode() + b"\x01\x01"
    )


@pytest.mark.parametrize("token", ["", "tok en", "tok\x01en", "tok\r\nA1 LOGOUT", "t\u00e9"])
def test_token_that_would_break_the_framing_is_refused(token: str) -> None:
    with pytest.raises(InvalidInput) as err:
        initial_response("XOAUTH2", "u@example.test", token)
    assert token.strip() == "" or token not in err.value.detail


def test_user_with_control_characters_is_refused() -> None:
    with pytest.raises(InvalidInput):
        initial_response("OAUTHBEARER", "u@example.test\x01auth=Bearer x", "token")


def test_abort_response_per_mechanism() -> None:
    assert base64.b64decode(abort_response("OAUTHBEARER")) == b"\x01"  # RFC 7628 3.2.3
    assert abort_response("XOAUTH2") == ""


def test_failure_challenges_as_dovecot_and_google_send_them() -> None:
    xoauth2 = base64.b64encode(b'{"status":"401","schemes":"bearer","scope":"mail"}')
    assert parse_challenge(xoauth2) == OAuthChallenge(status="401", scope="mail", schemes="bearer")
    bearer = base64.b64encode(
        b'{"status":"invalid_token","scope":"https://mail.google.com/",'
        b'"openid-configuration":"https://x/.well-known"}'
    ).decode()
    assert parse_challenge(bearer + "\r\n").status == "invalid_token"
    assert parse_challenge(bearer).scope == "https://mail.google.com/"


@pytest.mark.parametrize(
    "junk",
    [
        b"",
        b"not base64!",
        base64.b64encode(b"[1,2]"),
        base64.b64encode(b"\xff\xfe"),
        base64.b64encode(b'{"status":{"x":1}}'),
    ],
)
def test_unreadable_challenge_gives_empty_fields(junk: bytes) -> None:
    assert parse_challenge(junk) == OAuthChallenge()


def test_challenge_fields_lose_control_characters_and_length() -> None:
    raw = base64.b64encode(b'{"status":"401\\r\\nX: y","scope":"' + b"s" * 500 + b'"}')
    parsed = parse_challenge(raw)
    assert parsed.status == "401X: y" and len(parsed.scope or "") == 200


def test_auth_failure_reports_the_server_and_never_the_token() -> None:
    exc = auth_failure(
        "imap",
        "XOAUTH2",
        "NO [AUTHENTICATIONFAILED] bad tok3n-xyz",
        OAuthChallenge(status="401", scope="mail"),
        "tok3n-xyz",
    )
    assert exc.code == "auth_failed" and exc.protocol == "imap"
    assert exc.oauth_status == "401" and exc.oauth_scope == "mail"
    assert "tok3n-xyz" not in exc.detail
    assert "status 401, scope mail" in exc.detail
