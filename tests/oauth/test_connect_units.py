"""Pure parts of the consent flow: id_token claims, provider presets, PKCE."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from datetime import UTC, datetime

import pytest

from gateway.api.routes.oauth2 import REDACT_CALLBACK_QUERY
from gateway.errors import UpstreamError
from gateway.model.records import OAuth2App
from gateway.oauth2.connect import email_from_id_token, pkce_pair, provider_of
from tests.conftest import running_client


def id_token(claims: dict) -> str:
    def part(doc: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(doc).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2ln"


def test_id_token_email_is_read_when_issued_to_this_client() -> None:
    token = id_token({"aud": "me", "exp": 2000, "email": "a@example.test"})
    assert email_from_id_token(token, client_id="me", now=1000) == "a@example.test"


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "someone-else", "exp": 2000, "email": "a@example.test"},  # another client's
        {"aud": ["x", "y"], "exp": 2000, "email": "a@example.test"},
        {"aud": "me", "exp": 100, "email": "a@example.test"},  # expired
        {"aud": "me", "email": "a@example.test"},  # no expiry
    ],
)
def test_id_token_of_another_client_or_expired_is_refused(claims: dict) -> None:
    with pytest.raises(UpstreamError) as refused:
        email_from_id_token(id_token(claims), client_id="me", now=1000)
    assert refused.value.code == "oauth2_id_token_invalid"


def test_id_token_that_does_not_parse_is_refused() -> None:
    with pytest.raises(UpstreamError):
        email_from_id_token("not-a-jwt", client_id="me", now=1000)


def app(provider: str, **config) -> OAuth2App:
    return OAuth2App(
        id="oa_1",
        provider=provider,
        name="n",
        client_id="c",
        client_secret="s",
        config={"redirect_url": "https://gw.example/v1/oauth2/callback", **config},
        created_by=None,
        created_at=datetime.now(UTC),
    )


def test_provider_presets() -> None:
    google = provider_of(app("google"))
    assert google.token_url == "https://oauth2.googleapis.com/token"
    assert google.scopes == ("https://mail.google.com/", "openid", "email")
    assert (google.servers["smtp"].host, google.servers["smtp"].port) == ("smtp.gmail.com", 465)
    ms = provider_of(app("microsoft", tenant="contoso.example"))
    assert ms.authorization_url == (
        "https://login.microsoftonline.com/contoso.example/oauth2/v2.0/authorize"
    )
    assert "offline_access" in ms.scopes
    assert (ms.servers["smtp"].port, ms.servers["smtp"].security) == (587, "starttls")
    assert provider_of(app("microsoft")).token_url.startswith(
        "https://login.microsoftonline.com/common/"
    )
    assert provider_of(app("google", scopes=["x"])).scopes == ("x",)


def test_pkce_challenge_is_s256_of_the_verifier() -> None:
    verifier, challenge = pkce_pair()
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert challenge == digest.decode() and 43 <= len(verifier) <= 128


def test_callback_code_and_state_stay_out_of_the_access_log() -> None:
    record = logging.makeLogRecord(
        {
            "name": "uvicorn.access",
            "msg": '%s - "%s %s HTTP/%s" %d',
            "args": (
                "127.0.0.1:5",
                "GET",
                "/v1/oauth2/callback?code=SECRETCODE&state=STATE",
                "1.1",
                200,
            ),
        }
    )
    assert REDACT_CALLBACK_QUERY.filter(record) is True
    line = record.getMessage()
    assert "SECRETCODE" not in line and "STATE" not in line
    assert "/v1/oauth2/callback?[redacted]" in line
    other = logging.makeLogRecord(
        {
            "name": "uvicorn.access",
            "msg": '%s - "%s %s HTTP/%s" %d',
            "args": ("127.0.0.1:5", "GET", "/v1/accounts?limit=5", "1.1", 200),
        }
    )
    REDACT_CALLBACK_QUERY.filter(other)
    assert "/v1/accounts?limit=5" in other.getMessage()


async def test_app_installs_the_access_log_redactor(settings) -> None:
    async with running_client(settings):
        assert REDACT_CALLBACK_QUERY in logging.getLogger("uvicorn.access").filters
