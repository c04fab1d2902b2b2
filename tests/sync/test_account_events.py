"""account.error / account.connected from the connection managers and the watcher."""

from __future__ import annotations

import httpx

from tests.conftest import account_spec
from tests.events.receiver import receiver
from tests.mailstack import MailStack


async def test_wrong_password_reports_account_error_once(
    client: httpx.AsyncClient, mailstack: MailStack
) -> None:
    user = mailstack.new_user("bad")
    spec = account_spec(mailstack, user, protocols=("imap",))
    spec["imap"]["password"] = "wrong-password"
    async with receiver() as rec:
        await client.post("/v1/webhooks", json={"url": rec.url, "events": ["account.*"]})
        account = (await client.post("/v1/accounts", json=spec)).json()["id"]
        verify = (await client.post(f"/v1/accounts/{account}/verify")).json()
        assert verify["ok"] is False
        got = await rec.wait_until(
            lambda reqs: {r.json()["data"]["source"] for r in reqs} >= {"pool", "watcher"}
        )
    errors = [r.json() for r in got if r.json()["type"] == "account.error"]
    assert {e["data"]["source"] for e in errors} == {"pool", "watcher"}
    assert all(e["account"] == account and e["data"]["protocol"] == "imap" for e in errors)
    watcher = next(e for e in errors if e["data"]["source"] == "watcher")
    assert watcher["data"]["code"] == "auth_failed"
    assert all(b"wrong-password" not in r.body for r in got)  # secrets never leave
    assert not [r for r in got if r.json()["type"] == "account.connected"]


async def test_good_account_reports_connected(
    client: httpx.AsyncClient, mailstack: MailStack
) -> None:
    user = mailstack.new_user("good")
    async with receiver() as rec:
        await client.post("/v1/webhooks", json={"url": rec.url, "events": ["account.connected"]})
        resp = await client.post("/v1/accounts", json=account_spec(mailstack, user))
        (got,) = await rec.wait_for(1)
    assert got.json()["account"] == resp.json()["id"]
    assert got.json()["data"]["protocol"] == "imap"
