"""POST /v1/webhooks/{id}/deliveries/{delivery}/retry: a failed delivery attempted again now."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa

from gateway.settings import Settings
from gateway.store.schema import webhook_deliveries
from tests.api.helpers import make_token
from tests.waiting import until

from .receiver import receiver


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A failed attempt is final at once (no retry window): only a manual retry sends again."""
    return settings.model_copy(update={"webhook_retry_window": 0.0})


async def _deliveries(client: httpx.AsyncClient, hook: str) -> list[dict]:
    return (await client.get(f"/v1/webhooks/{hook}/deliveries")).json()["items"]


async def test_a_failed_delivery_is_retried_once_on_request(client: httpx.AsyncClient) -> None:
    async with receiver(statuses=[500]) as rec:
        hook = (
            await client.post("/v1/webhooks", json={"url": rec.url, "events": ["message.new"]})
        ).json()["id"]
        event = await client.app.state.services.events.publish("message.new", "a", {"n": 1})
        await until(lambda: _failed(client, hook), within=10, what="the first attempt failing")
        (failed,) = await _deliveries(client, hook)
        assert failed["attempts"] == 1 and failed["status_code"] == 500

        resp = await client.post(f"/v1/webhooks/{hook}/deliveries/{failed['id']}/retry")
        assert resp.status_code == 200, resp.text
        assert resp.json()["id"] == failed["id"] and resp.json()["status"] == "pending"
        got = await rec.wait_for(2)
        assert [r.headers["x-gateway-event-id"] for r in got] == [event.id] * 2

        async def delivered() -> dict | None:
            (row,) = await _deliveries(client, hook)
            return row if row["status"] == "delivered" else None

        row = await until(delivered, within=10, what="the retry delivered")
        assert row["attempts"] == 2
        assert [h["status_code"] for h in row["history"]] == [500, 200]

        again = await client.post(f"/v1/webhooks/{hook}/deliveries/{failed['id']}/retry")
        assert again.status_code == 409 and again.json()["code"] == "invalid_state"
        assert len(rec.requests) == 2  # a delivered one is not sent again

        missing = await client.post(f"/v1/webhooks/{hook}/deliveries/dlv_nope/retry")
        assert missing.status_code == 404 and missing.json()["code"] == "delivery_not_found"
        no_hook = await client.post(f"/v1/webhooks/wh_nope/deliveries/{failed['id']}/retry")
        assert no_hook.status_code == 404 and no_hook.json()["code"] == "webhook_not_found"
        bad = await client.post(f"/v1/webhooks/{hook}/deliveries/{'x' * 65}/retry")
        assert bad.status_code == 422

        # Only admins; a token limited to some accounts does not see an all-accounts webhook.
        reader = await make_token(client, ["read"])
        limited = await make_token(client, ["admin"], accounts=["a"])
        for token, status in ((reader, 403), (limited, 404)):
            resp = await client.post(
                f"/v1/webhooks/{hook}/deliveries/{failed['id']}/retry",
                headers={"Authorization": f"Bearer {token}"},
            )
            assert resp.status_code == status, resp.text


async def test_a_delivery_being_attempted_is_not_retried(client: httpx.AsyncClient) -> None:
    async with receiver(delay=1.5) as rec:
        hook = (
            await client.post("/v1/webhooks", json={"url": rec.url, "events": ["message.new"]})
        ).json()["id"]
        await client.app.state.services.events.publish("message.new", "a", {"n": 1})
        store = client.app.state.services.store

        async def leased() -> str | None:  # claimed by the dispatcher, its POST under way
            async with store.engine.connect() as conn:
                row = (
                    await conn.execute(
                        sa.select(webhook_deliveries.c.id).where(
                            webhook_deliveries.c.webhook_id == hook,
                            webhook_deliveries.c.lease_until.is_not(None),
                        )
                    )
                ).first()
            return row.id if row else None

        delivery = await until(leased, within=10, what="the attempt under way")
        resp = await client.post(f"/v1/webhooks/{hook}/deliveries/{delivery}/retry")
        assert resp.status_code == 409 and resp.json()["code"] == "invalid_state"
        await rec.wait_for(1)
        await until(lambda: _status(client, hook, "delivered"), within=10, what="delivered")
        assert len(rec.requests) == 1


async def _failed(client: httpx.AsyncClient, hook: str) -> bool:
    return await _status(client, hook, "failed")


async def _status(client: httpx.AsyncClient, hook: str, status: str) -> bool:
    items = await _deliveries(client, hook)
    return bool(items) and items[0]["status"] == status
