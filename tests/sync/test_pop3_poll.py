"""POP3-only accounts: new UIDLs become ``pop3.new`` events, once each."""

from __future__ import annotations

import asyncio

from gateway.settings import Settings
from tests.conftest import account_spec, running_client
from tests.events.receiver import receiver
from tests.mailstack import MailStack
from tests.sync.helpers import message
from tests.waiting import quiet_for


async def test_pop3_only_account_is_polled(settings: Settings, mailstack: MailStack) -> None:
    user = mailstack.new_user("p")
    account = user.split("@")[0]
    await asyncio.to_thread(mailstack.deliver, user, bytes(message(user, "already there")))
    async with receiver() as rec, running_client(settings) as client:
        spec = account_spec(mailstack, user, protocols=("pop3",))
        assert (await client.post("/v1/accounts", json=spec)).status_code == 201
        await client.post("/v1/webhooks", json={"url": rec.url, "events": ["pop3.new"]})
        async with asyncio.timeout(20):
            await client.app.state.services.sync.wait_ready(account)
        for subject in ("one", "two"):
            await asyncio.to_thread(mailstack.deliver, user, bytes(message(user, subject)))
        got = await rec.wait_for(2, within=10)
        await quiet_for()  # more polls: nothing repeated
        listed = (await client.get(f"/v1/accounts/{account}/pop3/messages")).json()["items"]
    assert len(rec.requests) == 2
    uidls = [r.json()["data"]["uidl"] for r in got]
    by_uidl = {item["uidl"]: item for item in listed}
    assert len(set(uidls)) == 2 and set(uidls) <= set(by_uidl)
    assert all(r.json()["account"] == account for r in got)
    assert all(r.json()["data"]["size"] == by_uidl[r.json()["data"]["uidl"]]["size"] for r in got)
    assert len(listed) == 3  # the message there before watching was not reported
