"""/v1/audit: changes, verifies and sends are recorded (who, route, outcome), never secrets."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from gateway.app import create_app
from gateway.settings import Settings
from gateway.store.schema import utcnow
from tests.api.helpers import create_account
from tests.conftest import ADMIN_TOKEN, running_client


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Not watching: the message the first test sends to the account's own INBOX would come
    # back as a message.new event with its subject, stored for the webhook that exists for a
    # moment (mail the gateway keeps by design; deleted with the webhook, its bytes stay in
    # the database files), where the test looks for what the audit log must not hold.
    return settings.model_copy(update={"webhook_allow_private": True, "watch_enabled": False})


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def _token(
    client: httpx.AsyncClient, scopes: list[str], accounts: list[str] | None = None
) -> dict:
    resp = await client.post("/v1/tokens", json={"scopes": scopes, "accounts": accounts})
    assert resp.status_code == 201, resp.text
    return resp.json()


async def _all_entries(client: httpx.AsyncClient, **params) -> list[dict]:
    resp = await client.get("/v1/audit", params={"limit": 500, **params})
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]


def _find(entries: list[dict], method: str, route: str, **fields) -> dict:
    found = [
        e
        for e in entries
        if e["method"] == method
        and e["route"] == route
        and all(e[k] == v for k, v in fields.items())
    ]
    assert len(found) == 1, (method, route, fields, entries)
    return found[0]


async def test_changes_verifies_and_sends_are_audited_without_secrets(
    client: httpx.AsyncClient, account: dict, settings: Settings
) -> None:
    acct = account["id"]
    admin = await _token(client, ["admin"])
    auth = _bearer(admin["token"])
    password = "pw-" + secrets.token_hex(8)
    subject, text = "subj-" + secrets.token_hex(8), "body-" + secrets.token_hex(8)
    hook_secret = "whsec-" + secrets.token_hex(12)

    other = await client.post(
        "/v1/accounts",
        headers=auth,
        json={
            "id": "side",
            "name": "side",
            "email": "side@example.test",
            "imap": {
                "host": "127.0.0.1",
                "port": 9,
                "security": "none",
                "username": "u",
                "password": password,
            },
        },
    )
    assert other.status_code == 201, other.text
    assert (
        await client.patch(f"/v1/accounts/{acct}", headers=auth, json={"name": "Renamed"})
    ).status_code == 200
    refused = await client.patch(f"/v1/accounts/{acct}", headers=auth, json={"name": 7})
    assert refused.status_code == 422
    assert (await client.post(f"/v1/accounts/{acct}/verify", headers=auth)).status_code == 200
    sent = await client.post(
        f"/v1/accounts/{acct}/send",
        headers=auth,
        json={"to": [account["email"]], "subject": subject, "text": text},
    )
    assert sent.status_code == 200, sent.text
    created = await _token(client, ["read"], [acct])
    assert (await client.delete(f"/v1/tokens/{created['id']}", headers=auth)).status_code == 204
    missing = await client.delete("/v1/tokens/tok_00000000deadbeef", headers=auth)
    assert missing.status_code == 404
    hook = await client.post(
        "/v1/webhooks",
        headers=auth,
        json={"url": "http://127.0.0.1:9/hook", "events": ["*"], "secret": hook_secret},
    )
    assert hook.status_code == 201, hook.text
    hook_id = hook.json()["id"]
    assert (await client.delete(f"/v1/webhooks/{hook_id}", headers=auth)).status_code == 204
    anonymous = await client.post(
        "/v1/tokens", headers={"Authorization": ""}, json={"scopes": ["admin"]}
    )
    assert anonymous.status_code == 401
    bad_token = await client.post(
        f"/v1/accounts/{acct}/send",
        headers=_bearer("mgt_nope"),
        json={"to": [account["email"]], "subject": subject},
    )
    assert bad_token.status_code == 401
    reader = await _token(client, ["read"])
    forbidden = await client.post(
        "/v1/tokens", headers=_bearer(reader["token"]), json={"scopes": ["read"]}
    )
    assert forbidden.status_code == 403
    assert (await client.get(f"/v1/accounts/{acct}", headers=auth)).status_code == 200

    audit = await client.get("/v1/audit", params={"limit": 500})
    assert audit.status_code == 200, audit.text
    entries = audit.json()["items"]
    me = admin["id"]
    _find(entries, "POST", "/v1/accounts", token=me, account="side", status=201)
    _find(entries, "PATCH", "/v1/accounts/{account}", token=me, account=acct, status=200)
    failed = _find(entries, "PATCH", "/v1/accounts/{account}", status=422)
    assert failed["code"] == "validation_error" and failed["token"] == me
    _find(entries, "POST", "/v1/accounts/{account}/verify", token=me, account=acct, status=200)
    _find(entries, "POST", "/v1/accounts/{account}/send", token=me, account=acct, status=200)
    _find(entries, "POST", "/v1/tokens", token="admin-env", target=created["id"], status=201)
    _find(entries, "DELETE", "/v1/tokens/{token_id}", token=me, target=created["id"], status=204)
    gone = _find(entries, "DELETE", "/v1/tokens/{token_id}", target="tok_00000000deadbeef")
    assert gone["status"] == 404 and gone["code"] == "token_not_found"
    _find(entries, "POST", "/v1/webhooks", token=me, target=hook_id, status=201)
    _find(entries, "DELETE", "/v1/webhooks/{webhook_id}", token=me, target=hook_id, status=204)
    unauth = _find(entries, "POST", "/v1/tokens", status=401)
    assert unauth["token"] is None and unauth["code"] == "unauthenticated"
    denied = _find(entries, "POST", "/v1/tokens", token=reader["id"])
    assert denied["status"] == 403 and denied["code"] == "forbidden"
    bad = _find(entries, "POST", "/v1/accounts/{account}/send", status=401)
    assert bad["token"] is None and bad["account"] == acct
    assert not [e for e in entries if e["method"] == "GET"]
    assert all(e["client_ip"] and e["at"] for e in entries)
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)

    leaks = [
        password,
        subject,
        text,
        hook_secret,
        admin["token"],
        created["token"],
        "mgt_nope",
        reader["token"],
        settings.admin_token.get_secret_value(),
    ]
    assert not [s for s in leaks if s in audit.text]
    await client.app.state.services.audit.flush()
    db = Path(settings.sqlite_path())
    stored = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*") if p.is_file())
    assert b"/v1/tokens/{token_id}" in stored  # the audit log is in these files ...
    assert not [s for s in leaks if s.encode() in stored]  # ... and no secret is


async def test_audit_pages_and_filters(client: httpx.AsyncClient) -> None:
    await create_account(client, "acct-a")
    await create_account(client, "acct-b")
    admin = await _token(client, ["admin"])
    for name in ("one", "two", "three"):
        for acct in ("acct-a", "acct-b"):
            resp = await client.patch(
                f"/v1/accounts/{acct}", headers=_bearer(admin["token"]), json={"name": name}
            )
            assert resp.status_code == 200

    everything = await _all_entries(client)
    pages, cursor = [], None
    while True:
        resp = await client.get(
            "/v1/audit", params={"limit": 2, **({"cursor": cursor} if cursor else {})}
        )
        assert resp.status_code == 200
        body = resp.json()
        assert len(body["items"]) <= 2
        pages += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert [e["id"] for e in pages] == [e["id"] for e in everything]
    assert len(everything) == 2 + 1 + 6  # two accounts, a token, six renames

    by_account = await _all_entries(client, account="acct-b")
    assert len(by_account) == 4 and {e["account"] for e in by_account} == {"acct-b"}
    by_token = await _all_entries(client, token=admin["id"])
    assert len(by_token) == 6 and {e["token"] for e in by_token} == {admin["id"]}
    both = await _all_entries(client, token=admin["id"], account="acct-a")
    assert [e["route"] for e in both] == ["/v1/accounts/{account}"] * 3
    bad = await client.get("/v1/audit", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422


async def test_a_limited_token_reads_only_its_accounts_entries(
    client: httpx.AsyncClient,
) -> None:
    await create_account(client, "acct-a")
    await create_account(client, "acct-b")
    for acct in ("acct-a", "acct-b"):
        assert (await client.patch(f"/v1/accounts/{acct}", json={"name": "x"})).status_code == 200
    limited = _bearer((await _token(client, ["admin"], ["acct-a"]))["token"])
    reader = _bearer((await _token(client, ["read", "send", "write"]))["token"])

    resp = await client.get("/v1/audit", headers=limited)
    assert resp.status_code == 200
    items = resp.json()["items"]
    assert items and {e["account"] for e in items} == {"acct-a"}
    foreign = await client.get("/v1/audit", params={"account": "acct-b"}, headers=limited)
    assert foreign.status_code == 404 and foreign.json()["code"] == "account_not_found"
    assert (await client.get("/v1/audit", headers=reader)).status_code == 403


async def test_audit_is_kept_on_postgres_across_a_restart_and_pruned(
    settings: Settings, pg_database: str
) -> None:
    pg = settings.model_copy(update={"database_url": pg_database})
    app = create_app(pg)
    app.state.services.audit.flush_interval = 3600  # nothing is written before the shutdown
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://gateway.test",
            headers=_bearer(ADMIN_TOKEN),
        ) as client,
    ):
        await create_account(client, "acct-a")
        token = await _token(client, ["read"])
        assert app.state.services.audit.pending == 2
    async with running_client(pg) as client:
        entries = await _all_entries(client)
        assert [(e["method"], e["route"], e["target"] or e["account"]) for e in entries] == [
            ("POST", "/v1/tokens", token["id"]),
            ("POST", "/v1/accounts", "acct-a"),
        ]
        audit = client.app.state.services.audit
        assert await audit.prune(now=utcnow() + timedelta(days=89)) == 0
        assert await audit.prune(now=utcnow() + timedelta(days=91)) == 2
        assert await _all_entries(client) == []
