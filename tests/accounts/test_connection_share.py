"""GATEWAY_CONNECTION_SHARE: each of the processes sharing an account keeps its part of the
account's connection budget (no connection is made here)."""

from __future__ import annotations

from gateway.settings import Settings
from tests.conftest import running_client


async def test_pools_and_max_connections_are_divided_among_the_processes(
    settings: Settings,
) -> None:
    shared = settings.model_copy(
        update={"connection_share": 2, "imap_pool_size": 3, "smtp_pool_size": 5}
    )
    block = {"host": "127.0.0.1", "port": 9, "security": "none", "username": "u", "password": "p"}
    async with running_client(shared) as client:
        resp = await client.post(
            "/v1/accounts",
            json={
                "id": "shared",
                "name": "S",
                "email": "s@example.test",
                "imap": {**block, "max_connections": 5},
                "smtp": block,
            },
        )
        assert resp.status_code == 201, resp.text
        accounts = client.app.state.services.accounts
        imap = await accounts.manager("shared", "imap")
        smtp = await accounts.manager("shared", "smtp")
        assert imap.size == 1  # 3 // 2
        assert imap.cap.limit == 2  # 5 // 2: two processes never open more than 4
        assert smtp.size == 2 and smtp.cap.limit is None  # no max_connections: no cap


async def test_one_process_keeps_the_whole_budget(settings: Settings) -> None:
    async with running_client(settings) as client:
        resp = await client.post(
            "/v1/accounts",
            json={
                "id": "alone",
                "name": "A",
                "email": "a@example.test",
                "imap": {
                    "host": "127.0.0.1",
                    "port": 9,
                    "security": "none",
                    "username": "u",
                    "password": "p",
                    "max_connections": 1,
                },
            },
        )
        assert resp.status_code == 201, resp.text
        imap = await client.app.state.services.accounts.manager("alone", "imap")
        assert imap.size == settings.imap_pool_size and imap.cap.limit == 1
