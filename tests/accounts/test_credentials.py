"""When a changed server block keeps the stored secrets (pure rules, no I/O)."""

from __future__ import annotations

import pytest

from gateway.accounts.credentials import carry_secrets
from gateway.errors import CredentialsRequired
from gateway.model.accounts import ServerConfig

STORED = ServerConfig(
    host="mail.example.test",
    port=993,
    security="tls",
    username="alice@example.test",
    password="stored-pw",
    ca_file="/ca.pem",
)
SAME = {
    "host": "mail.example.test",
    "port": 993,
    "security": "tls",
    "username": "alice@example.test",
    "ca_file": "/ca.pem",
}


def test_same_block_without_password_keeps_it() -> None:
    merged = carry_secrets("imap", STORED, dict(SAME))
    assert merged["password"].get_secret_value() == "stored-pw"


def test_turning_tls_verification_on_keeps_the_password() -> None:
    unverified = STORED.model_copy(update={"tls_verify": False})
    merged = carry_secrets("imap", unverified, {**SAME, "tls_verify": True})
    assert merged["password"].get_secret_value() == "stored-pw"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("host", "evil.example.test"),
        ("port", 143),
        ("security", "none"),
        ("username", "bob@example.test"),
        ("tls_verify", False),
        ("ca_file", "/evil.pem"),
        ("ca_file", None),
    ],
)
def test_rebinding_without_password_is_refused(field: str, value: object) -> None:
    with pytest.raises(CredentialsRequired) as info:
        carry_secrets("smtp", STORED, {**SAME, field: value})
    assert field in info.value.detail and "stored-pw" not in info.value.detail


def test_defaults_count_as_given() -> None:
    """A block that leaves out ``security`` means the default (tls), not the stored value."""
    stored = STORED.model_copy(update={"security": "starttls"})
    with pytest.raises(CredentialsRequired):
        carry_secrets("imap", stored, {k: v for k, v in SAME.items() if k != "security"})


def test_a_given_password_is_used_and_nothing_is_carried() -> None:
    change = {**SAME, "host": "other.example.test", "password": "new-pw"}
    assert carry_secrets("imap", STORED, change) is change


def test_nothing_stored_nothing_to_protect() -> None:
    bare = STORED.model_copy(update={"password": None})
    change = {**SAME, "host": "other.example.test"}
    assert carry_secrets("imap", bare, change) is change
    assert carry_secrets("imap", None, change) is change


OAUTH = ServerConfig.model_validate(
    {
        **SAME,
        "oauth2": {
            "refresh_token": "rt",
            "client_secret": "cs",
            "token_url": "https://idp.example.test/t",
            "client_id": "app",
        },
    }
)


def test_oauth2_token_url_change_without_secrets_is_refused() -> None:
    for oauth2 in (
        {"token_url": "https://evil.example.test/t", "client_id": "app"},
        {"token_url": "https://idp.example.test/t", "client_id": "other"},
    ):
        with pytest.raises(CredentialsRequired):
            carry_secrets("imap", OAUTH, {**SAME, "oauth2": oauth2})


def test_oauth2_same_endpoint_keeps_the_tokens_and_null_removes_them() -> None:
    same = {"token_url": "https://idp.example.test/t", "client_id": "app"}
    merged = carry_secrets("imap", OAUTH, {**SAME, "oauth2": same})
    assert merged["oauth2"].refresh_token.get_secret_value() == "rt"
    assert carry_secrets("imap", OAUTH, {**SAME, "oauth2": None})["oauth2"] is None
