"""Webhook SSRF through DNS: the address checked is the address connected to.

The gateway gets a resolver the test controls (no hosts file, no DNS server):
a name that answered a public address when the webhook was created and answers
loopback at delivery time is refused at delivery (nothing is posted), and a name
that answers a loopback address (webhook_allow_private) is delivered to that very
address with the name kept in the Host header, over a fresh connection when the
answer changes. The public address the resolver names is never connected to.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from gateway.settings import Settings
from tests.conftest import running_client

from .receiver import receiver
from .resolver import StaticResolver

NAME = "hooks.rebind.test"
PUBLIC = "93.184.216.34"  # only ever answered to the creation check, which does not connect


async def _deliveries_until(client: httpx.AsyncClient, hook_id: str, done, within: float = 15):
    """The webhook's deliveries once ``done(deliveries)`` holds (polled, with a deadline)."""
    async with asyncio.timeout(within):
        while True:
            items = (await client.get(f"/v1/webhooks/{hook_id}/deliveries")).json()["items"]
            if done(items):
                return items
            await asyncio.sleep(0.05)


async def test_rebinding_to_loopback_after_creation_is_refused_at_delivery(
    settings: Settings,
) -> None:
    strict = settings.model_copy(update={"webhook_allow_private": False})
    resolver = StaticResolver({NAME: [PUBLIC]})
    async with receiver() as rec, running_client(strict, webhook_resolver=resolver) as client:
        url = f"http://{NAME}:{rec.port}/hook"
        created = await client.post("/v1/webhooks", json={"url": url, "events": ["*"]})
        assert created.status_code == 201, created.text
        assert resolver.asked[NAME] == 1

        resolver.answers[NAME] = ["127.0.0.1"]  # the name now points at the gateway's host
        await client.app.state.services.events.publish("message.new", "a", {"n": 1})
        hook_id = created.json()["id"]
        (delivery,) = await _deliveries_until(
            client, hook_id, lambda items: items and len(items[0]["history"]) >= 2
        )

        assert rec.requests == []  # nothing reached the loopback receiver
        assert delivery["status"] == "pending" and delivery["status_code"] is None
        for attempt in delivery["history"]:
            assert attempt["status_code"] is None
            assert attempt["error"].startswith("webhook url refused: 127.0.0.1 is not a public")
        assert resolver.asked[NAME] >= 3  # looked up again at every attempt


@pytest.mark.parametrize(
    "host",
    [
        "[::127.0.0.1]",
        "[64:ff9b::7f00:1]",
        "[64:ff9b::a9fe:a9fe]",
        "[2002:7f00:1::]",
        "[::ffff:0:7f00:1]",
        "[2001:0:4136:e378:8000:63bf:80ff:fffe]",
        "[64:ff9b:1::7f00:1]",
    ],
)
async def test_ipv6_literals_carrying_loopback_or_metadata_are_refused_at_creation(
    settings: Settings, host: str
) -> None:
    strict = settings.model_copy(update={"webhook_allow_private": False})
    async with running_client(strict, webhook_resolver=StaticResolver({})) as client:
        resp = await client.post(
            "/v1/webhooks", json={"url": f"http://{host}:8080/x", "events": ["*"]}
        )
        assert resp.status_code == 422, resp.text
        assert resp.json()["code"] == "webhook_url_refused"
        assert "is not a public address" in resp.json()["detail"]


async def test_delivery_connects_to_the_checked_address_and_keeps_the_name(
    settings: Settings,
) -> None:
    resolver = StaticResolver({NAME: ["127.0.0.1"]})
    async with receiver() as rec, running_client(settings, webhook_resolver=resolver) as client:
        hook = (
            await client.post(
                "/v1/webhooks", json={"url": f"http://{NAME}:{rec.port}/hook", "events": ["*"]}
            )
        ).json()
        event = await client.app.state.services.events.publish("message.new", "a", {})
        (got,) = await rec.wait_for(1)
        assert got.headers["host"] == f"{NAME}:{rec.port}"
        assert got.headers["x-gateway-event-id"] == event.id
        (delivery,) = await _deliveries_until(
            client, hook["id"], lambda items: items and items[0]["status"] == "delivered"
        )
        assert delivery["attempts"] == 1
        assert resolver.asked[NAME] == 2  # once at creation, once for the one delivery


async def test_keep_alive_does_not_carry_a_delivery_to_the_previous_address(
    settings: Settings,
) -> None:
    """A pooled connection to the old address is not reused once the name answers another."""
    resolver = StaticResolver({NAME: ["127.0.0.1"]})
    async with (
        receiver() as first,
        receiver(host="127.0.0.2", port=first.port) as second,
        running_client(settings, webhook_resolver=resolver) as client,
    ):
        await client.post(
            "/v1/webhooks", json={"url": f"http://{NAME}:{first.port}/hook", "events": ["*"]}
        )
        bus = client.app.state.services.events
        one = await bus.publish("message.new", "a", {"n": 1})
        await first.wait_for(1)  # its connection stays open (keep-alive)

        resolver.answers[NAME] = ["127.0.0.2"]
        two = await bus.publish("message.new", "a", {"n": 2})
        (got,) = await second.wait_for(1)
        assert got.headers["x-gateway-event-id"] == two.id
        assert got.headers["host"] == f"{NAME}:{first.port}"
        assert [r.headers["x-gateway-event-id"] for r in first.requests] == [one.id]


async def test_redirects_are_not_followed(client: httpx.AsyncClient) -> None:
    """A 307 to another address is a failed attempt, not a second POST somewhere unchecked."""
    async with receiver() as elsewhere:

        async def redirecting(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(
                f"HTTP/1.1 307 Temporary Redirect\r\nLocation: {elsewhere.url}\r\n"
                "Content-Length: 0\r\n\r\n".encode()
            )
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(redirecting, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            hook = (
                await client.post(
                    "/v1/webhooks", json={"url": f"http://127.0.0.1:{port}/hook", "events": ["*"]}
                )
            ).json()
            await client.app.state.services.events.publish("message.new", "a", {})
            (delivery,) = await _deliveries_until(
                client, hook["id"], lambda items: items and items[0]["history"]
            )
            assert delivery["history"][0]["status_code"] == 307
            assert delivery["history"][0]["error"] == "HTTP 307"
            assert elsewhere.requests == []
        finally:
            server.close()
