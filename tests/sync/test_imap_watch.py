"""IMAP watchers against the real Dovecot and Cyrus: new mail, flags, expunges, each reported
once."""

from __future__ import annotations

import asyncio
import smtplib

import httpx

from gateway.events.signing import verify
from gateway.settings import Settings
from tests.conftest import account_spec, running_client
from tests.events.receiver import receiver
from tests.events.sse_client import open_sse
from tests.mailstack import MailStack
from tests.sync.helpers import imap_client, message
from tests.waiting import quiet_for, until


def smtp_send(stack: MailStack, to: str, subject: str) -> None:
    """Through Postfix (submission, STARTTLS, AUTH), like any mail client."""
    with smtplib.SMTP(stack.host, stack.submission, timeout=30) as smtp:
        smtp.starttls(context=stack.ssl_context())
        smtp.login(to, stack.password)
        smtp.send_message(message(to, subject))


async def _watched_account(client: httpx.AsyncClient, stack: MailStack, **extra) -> str:
    user = stack.new_user("w")
    resp = await client.post("/v1/accounts", json=account_spec(stack, user, **extra))
    assert resp.status_code == 201, resp.text
    async with asyncio.timeout(20):
        await client.app.state.services.sync.wait_ready(resp.json()["id"])
    return user


async def test_smtp_delivery_gives_one_sse_event_and_one_signed_webhook(
    live: httpx.AsyncClient, mailstack: MailStack
) -> None:
    async with receiver() as rec:
        user = await _watched_account(live, mailstack)
        account = user.split("@")[0]
        hook = (
            await live.post(
                "/v1/webhooks",
                json={"url": rec.url, "events": ["message.new"], "accounts": [account]},
            )
        ).json()
        async with open_sse(live, {"account": account, "types": "message.new"}) as sse:
            await sse.wait_for(lambda _e: "connected" in sse.comments)
            if mailstack.server == "cyrus":
                # Postfix delivers example.test to Dovecot: hand Cyrus the same message
                # over its LMTP, as an MTA in front of it would.
                await asyncio.to_thread(mailstack.deliver, user, bytes(message(user, "Über news")))
            else:
                await asyncio.to_thread(smtp_send, mailstack, user, "Über news")
            (event,) = await sse.wait_for(lambda ev: len(ev) >= 1)
            (posted,) = await rec.wait_for(1)
            await quiet_for()  # nothing else may follow
            assert len(sse.events) == 1 and len(rec.requests) == 1

        data = event["data"]
        assert event["type"] == "message.new" and event["account"] == account
        assert data["subject"] == "Über news" and data["mailbox"] == "INBOX"
        assert data["from"] == {"name": "Sender Name", "address": "sender@example.test"}
        assert data["to"][0]["address"] == user and data["size"] > 0 and data["uid"] == 1
        assert "\\Recent" not in data["flags"] and data["date"]
        assert posted.headers["x-gateway-event-id"] == event["id"]
        assert verify(hook["secret"], posted.body, posted.headers["x-gateway-signature"])
        assert posted.json()["data"] == data


async def test_flag_change_and_expunge_by_another_client(
    live: httpx.AsyncClient, mailstack: MailStack
) -> None:
    user = await _watched_account(live, mailstack)
    account = user.split("@")[0]
    async with open_sse(live, {"account": account}) as sse:
        await sse.wait_for(lambda _e: "connected" in sse.comments)
        await asyncio.to_thread(mailstack.deliver, user, bytes(message(user, "one")))
        await asyncio.to_thread(mailstack.deliver, user, bytes(message(user, "two")))
        await sse.wait_for(lambda _e: len(sse.of_type("message.new")) >= 2)

        def other_client() -> None:
            imap = imap_client(mailstack, user)
            imap.select("INBOX")
            imap.uid("STORE", "1", "+FLAGS", "(\\Flagged $Important)")
            imap.uid("STORE", "2", "+FLAGS", "(\\Deleted)")
            imap.expunge()
            imap.logout()

        await asyncio.to_thread(other_client)
        await sse.wait_for(
            lambda _e: (
                sse.of_type("message.deleted")
                and any("\\Flagged" in e["data"]["flags"] for e in sse.of_type("message.flags"))
            )
        )
        await quiet_for()  # nothing else may follow
    new = {e["data"]["uid"]: e["data"]["id"] for e in sse.of_type("message.new")}
    assert sorted(new) == [1, 2]
    (deleted,) = sse.of_type("message.deleted")
    assert deleted["data"]["uid"] == 2 and deleted["data"]["id"] == new[2]
    flagged = [e for e in sse.of_type("message.flags") if e["data"]["uid"] == 1]
    assert flagged and flagged[-1]["data"]["id"] == new[1]
    assert {"\\Flagged", "$Important"} <= set(flagged[-1]["data"]["flags"])
    assert {"\\Flagged", "$Important"} <= set(flagged[-1]["data"]["added"])
    # The message being expunged may first get \Deleted as a flag change; never a new one.
    assert len(sse.of_type("message.new")) == 2


async def test_watched_mailbox_is_idled_and_a_deleted_account_is_forgotten(
    settings: Settings, mailstack: MailStack
) -> None:
    settings = settings.model_copy(update={"watch_poll_interval": 3600.0})  # no polling help
    user = mailstack.new_user("wm")

    def make_work() -> None:
        imap = imap_client(mailstack, user)
        assert imap.create("Work")[0] == "OK"
        imap.logout()

    await asyncio.to_thread(make_work)
    async with receiver() as rec, running_client(settings) as client:
        spec = account_spec(mailstack, user, watch_mailboxes=["Work"])
        account = (await client.post("/v1/accounts", json=spec)).json()["id"]
        await client.post("/v1/webhooks", json={"url": rec.url, "events": ["message.new"]})
        services = client.app.state.services
        async with asyncio.timeout(20):
            await services.sync.wait_ready(account)

        async def work_synced() -> bool:  # Work's own IDLE session has its baseline too
            return "Work" in await services.sync.repo.load(account)

        await until(work_synced, within=10, what="Work's baseline")

        def append_to_work() -> None:
            imap = imap_client(mailstack, user)
            imap.append("Work", None, None, bytes(message(user, "into work")))
            imap.logout()

        await asyncio.to_thread(append_to_work)
        (got,) = await rec.wait_for(1, within=5)
        assert got.json()["data"]["mailbox"] == "Work"
        assert got.json()["data"]["subject"] == "into work"

        assert (await client.delete(f"/v1/accounts/{account}")).status_code == 204
        async with asyncio.timeout(10):
            # polling the service's own state: there is no event for "stopped watching"
            while services.sync.watchers(account) or await services.sync.repo.load(account):  # noqa: ASYNC110, E501
                await asyncio.sleep(0.1)
        await asyncio.to_thread(mailstack.deliver, user, bytes(message(user, "after")))
        await quiet_for()  # a deleted account reports nothing
        assert len(rec.requests) == 1


async def test_idle_is_renewed_and_keeps_working(settings: Settings, mailstack: MailStack) -> None:
    settings = settings.model_copy(update={"watch_idle_renew": 0.3})
    user = mailstack.new_user("renew")
    async with receiver() as rec, running_client(settings) as client:
        account = (await client.post("/v1/accounts", json=account_spec(mailstack, user))).json()[
            "id"
        ]
        await client.post("/v1/webhooks", json={"url": rec.url, "events": ["message.new"]})
        async with asyncio.timeout(20):
            await client.app.state.services.sync.wait_ready(account)
        await asyncio.sleep(1.5)  # scenario: several DONE / IDLE rounds pass
        await asyncio.to_thread(mailstack.deliver, user, bytes(message(user, "after renewals")))
        (got,) = await rec.wait_for(1, within=5)
        await quiet_for()  # nothing else may follow
    assert got.json()["data"]["subject"] == "after renewals" and len(rec.requests) == 1
