"""Account CRUD and validation over HTTP (no mail server needed)."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from tests.api.helpers import PASSWORD, spec
from tests.conftest import running_client


def assert_problem(resp: httpx.Response, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["title"] and body["detail"] and body["type"]
    return body


async def test_crud_roundtrip(client: httpx.AsyncClient) -> None:
    created = await client.post("/v1/accounts", json=spec())
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["id"] == "acct-a"
    assert body["imap"] == {
        "host": "127.0.0.1",
        "port": 1143,
        "security": "starttls",
        "username": "alice@example.test",
        "tls_verify": True,
        "ca_file": None,
        "has_password": True,
        "oauth2": False,
        "oauth2_grant": None,
        "max_connections": None,
    }
    assert body["smtp"]["tls_verify"] is False
    assert body["pop3"] is None

    listed = (await client.get("/v1/accounts")).json()
    assert [a["id"] for a in listed["items"]] == ["acct-a"]
    assert listed["total"] == 1 and listed["next_cursor"] is None

    got = await client.get("/v1/accounts/acct-a")
    assert got.status_code == 200 and got.json() == body

    patched = await client.patch(
        "/v1/accounts/acct-a",
        json={
            "name": "Alice B.",
            "pop3": {
                "host": "127.0.0.1",
                "port": 1110,
                "security": "none",
                "username": "alice",
                "password": "x",
            },
            "smtp": None,
        },
    )
    assert patched.status_code == 200, patched.text
    after = patched.json()
    assert after["name"] == "Alice B."
    assert after["smtp"] is None
    assert after["pop3"]["security"] == "none"
    assert after["imap"]["has_password"] is True
    assert after["updated_at"] >= body["updated_at"]

    status = (await client.get("/v1/accounts/acct-a/status")).json()
    assert status["account"] == "acct-a"
    assert status["smtp"] is None
    assert status["imap"]["state"] == "disconnected"
    assert status["pop3"]["state"] == "disconnected"

    deleted = await client.delete("/v1/accounts/acct-a")
    assert deleted.status_code == 204 and deleted.content == b""
    assert_problem(await client.get("/v1/accounts/acct-a"), 404, "account_not_found")
    assert_problem(await client.delete("/v1/accounts/acct-a"), 404, "account_not_found")


async def test_patch_keeps_password_when_block_has_none(client: httpx.AsyncClient) -> None:
    await client.post("/v1/accounts", json=spec())
    # The same server and user (TLS verification turned on): the stored password stays.
    resp = await client.patch(
        "/v1/accounts/acct-a",
        json={
            "imap": {
                "host": "127.0.0.1",
                "port": 1143,
                "security": "starttls",
                "username": "alice@example.test",
                "tls_verify": True,
            }
        },
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["imap"]["has_password"] is True
    account = await client.app.state.services.accounts.get("acct-a")
    assert account.imap.password.get_secret_value() == PASSWORD


async def test_generated_id_and_duplicates(client: httpx.AsyncClient) -> None:
    first = await client.post("/v1/accounts", json=spec(id=None))
    assert first.status_code == 201
    assert first.json()["id"].startswith("alice-")
    assert (await client.post("/v1/accounts", json=spec())).status_code == 201
    assert_problem(await client.post("/v1/accounts", json=spec()), 409, "already_exists")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": None}, "name"),
        ({"email": "not-an-address"}, "email"),
        ({"bogus": 1}, "bogus"),
        ({"id": "../etc"}, "id"),
        ({"name": "Evil\r\nBcc: x@y"}, "name"),
        (
            {
                "imap": {
                    "host": "127.0.0.1\r\nA1 LOGOUT",
                    "port": 143,
                    "security": "tls",
                    "username": "a",
                }
            },
            "host",
        ),
        (
            {
                "imap": {
                    "host": "127.0.0.1",
                    "port": 143,
                    "security": "tls",
                    "username": "a\r\nA1 DELETE INBOX",
                }
            },
            "username",
        ),
        (
            {
                "imap": {
                    "host": "127.0.0.1",
                    "port": 143,
                    "security": "tls",
                    "username": "a",
                    "password": "p\nass",
                }
            },
            "password",
        ),
        (
            {"imap": {"host": "127.0.0.1", "port": "abc", "security": "tls", "username": "a"}},
            "port",
        ),
        (
            {"imap": {"host": "127.0.0.1", "port": 70000, "security": "tls", "username": "a"}},
            "port",
        ),
        (
            {"imap": {"host": "127.0.0.1", "port": 993, "security": "ssl", "username": "a"}},
            "security",
        ),
        (
            {
                "imap": {
                    "host": "127.0.0.1",
                    "port": 993,
                    "security": "tls",
                    "username": "a",
                    "extra": True,
                }
            },
            "extra",
        ),
        ({"smtp": "mail.example.test"}, "smtp"),
    ],
)
async def test_validation_errors(client: httpx.AsyncClient, overrides: dict, field: str) -> None:
    resp = await client.post("/v1/accounts", json=spec(**overrides))
    body = assert_problem(resp, 422, "validation_error")
    assert any(field in [str(p) for p in err["loc"]] for err in body["errors"]), body
    assert PASSWORD not in resp.text
    assert (await client.get("/v1/accounts")).json()["items"] == []


async def test_malformed_json_and_wrong_content(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/v1/accounts", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_problem(resp, 422, "validation_error")
    resp = await client.post("/v1/accounts", json=[1, 2, 3])
    assert_problem(resp, 422, "validation_error")
    resp = await client.patch("/v1/accounts/acct-a", json={"name": None})
    assert_problem(resp, 404, "account_not_found")
    await client.post("/v1/accounts", json=spec())
    assert_problem(
        await client.patch("/v1/accounts/acct-a", json={"name": None}), 422, "validation_error"
    )
    assert_problem(await client.get("/v1/accounts/bad%20id"), 422, "validation_error")


async def test_huge_body_is_413(client: httpx.AsyncClient) -> None:
    big = spec(name="x" * (3 * 1024 * 1024))
    assert_problem(await client.post("/v1/accounts", json=big), 413, "payload_too_large")

    async def chunks():  # no Content-Length: counted while streaming
        for _ in range(40):
            yield b"x" * 100_000

    resp = await client.post(
        "/v1/accounts", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_problem(resp, 413, "payload_too_large")
    assert (await client.get("/v1/accounts")).json()["items"] == []


async def test_secrets_never_returned_logged_or_stored_in_clear(
    client: httpx.AsyncClient, settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    texts = []
    texts.append((await client.post("/v1/accounts", json=spec())).text)
    texts.append((await client.get("/v1/accounts")).text)
    texts.append((await client.get("/v1/accounts/acct-a")).text)
    texts.append((await client.patch("/v1/accounts/acct-a", json={"name": "B"})).text)
    texts.append((await client.post("/v1/accounts/acct-a/verify")).text)
    texts.append((await client.get("/v1/accounts/acct-a/status")).text)
    for text in texts:
        assert PASSWORD not in text
        assert "password" not in text.replace("has_password", "")
    assert PASSWORD not in caplog.text
    db = Path(settings.database_url.split("///", 1)[1])
    stored = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    assert b"alice@example.test" in stored  # the file is the one we think it is
    assert PASSWORD.encode() not in stored


async def test_static_accounts_file(settings, tmp_path: Path) -> None:
    accounts_file = tmp_path / "accounts.yaml"
    accounts_file.write_text(
        "accounts:\n"
        "  - id: static-1\n"
        "    name: Static\n"
        "    email: static@example.test\n"
        "    imap: {host: 127.0.0.1, port: 143, security: starttls, username: s, password: pw}\n"
    )
    settings.accounts_file = accounts_file
    async with running_client(settings) as client:
        listed = (await client.get("/v1/accounts")).json()["items"]
        assert [(a["id"], a["source"]) for a in listed] == [("static-1", "file")]
        assert listed[0]["imap"]["has_password"] is True
        assert_problem(
            await client.patch("/v1/accounts/static-1", json={"name": "x"}), 409, "invalid_state"
        )
        assert_problem(await client.delete("/v1/accounts/static-1"), 409, "invalid_state")
    # A second start with the same file keeps one copy, same creation time.
    async with running_client(settings) as client:
        again = (await client.get("/v1/accounts")).json()["items"]
        assert len(again) == 1 and again[0]["created_at"] == listed[0]["created_at"]
