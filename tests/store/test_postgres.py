"""The same gateway runs on PostgreSQL (several instances share one database)."""

from __future__ import annotations

from gateway.settings import Settings
from tests.conftest import ADMIN_TOKEN, running_client


async def test_two_instances_share_accounts_and_tokens(pg_database: str) -> None:
    def settings() -> Settings:
        return Settings(
            database_url=pg_database,
            admin_token=ADMIN_TOKEN,
            secret_key="shared-key",
            outbox_workers=0,
        )

    async with running_client(settings()) as one, running_client(settings()) as two:
        resp = await one.post(
            "/v1/accounts",
            json={
                "id": "pg-1",
                "name": "PG",
                "email": "pg@example.test",
                "imap": {
                    "host": "127.0.0.1",
                    "port": 9,
                    "security": "tls",
                    "username": "u",
                    "password": "pw-secret",
                },
            },
        )
        assert resp.status_code == 201, resp.text
        got = await two.get("/v1/accounts/pg-1")
        assert got.status_code == 200 and got.json()["imap"]["has_password"] is True

        token = (await two.post("/v1/tokens", json={"scopes": ["read"]})).json()["token"]
        seen = await one.get("/v1/accounts", headers={"Authorization": f"Bearer {token}"})
        assert [a["id"] for a in seen.json()["items"]] == ["pg-1"]

        # A change made through one instance is seen by the other within its cache window.
        await one.patch("/v1/accounts/pg-1", json={"name": "PG renamed"})
        services = two.app.state.services
        services.accounts._entries.clear()
        assert (await two.get("/v1/accounts/pg-1")).json()["name"] == "PG renamed"
        assert (await one.get("/readyz")).status_code == 200
