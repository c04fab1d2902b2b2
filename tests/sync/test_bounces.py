"""``message.bounce``: Postfix's own bounce of a message sent through the gateway to a mailbox
that does not exist, reported by the watcher and shown on the message (Dovecot and Cyrus).

The test mail stack's Postfix accepts mail to local parts starting with ``gone`` and hands it
to its local(8) delivery agent, which has no such user (scripts/mailstack.sh): Postfix writes a
delivery status notification (RFC 3464) to the sender, as any MTA does for a recipient it
accepted but could not deliver to.
"""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import account_spec
from tests.events.sse_client import open_sse
from tests.mailstack import MailStack
from tests.outbox.conftest import maildir_messages, wait_for_mail
from tests.waiting import quiet_for


async def test_postfix_bounce_gives_message_bounce_and_the_parsed_report(
    live: httpx.AsyncClient, mailstack: MailStack, dovecot: MailStack
) -> None:
    user = mailstack.new_user("b")
    gone = f"gone-{user.split('@')[0]}@example.test"
    resp = await live.post(
        "/v1/accounts", json=account_spec(mailstack, user, protocols=("imap", "smtp"))
    )
    assert resp.status_code == 201, resp.text
    account = resp.json()["id"]
    async with asyncio.timeout(20):
        await live.app.state.services.sync.wait_ready(account)
    async with open_sse(live, {"account": account, "types": "message.new,message.bounce"}) as sse:
        await sse.wait_for(lambda _e: "connected" in sse.comments)
        sent = await live.post(
            f"/v1/accounts/{account}/send",
            json={
                "to": [gone],
                "subject": "Quarterly numbers",
                "text": "See attached.",
                "save_to_sent": False,
            },
        )
        assert sent.status_code == 200, sent.text
        assert sent.json()["accepted"] == [gone]  # Postfix took it: the bounce comes later
        message_id = sent.json()["message_id"]
        if mailstack.server == "cyrus":
            # Postfix delivers example.test to Dovecot: hand Cyrus that same bounce over
            # its LMTP, as the MTA in front of a Cyrus server would.
            (bounce,) = await wait_for_mail(dovecot, user, within=30)
            raw = maildir_messages(dovecot, user)[0]
            assert "MAILER-DAEMON@" in bounce["From"]
            await asyncio.to_thread(mailstack.deliver, user, raw)
        await sse.wait_for(lambda _e: sse.of_type("message.bounce"), within=30)
        await quiet_for()
        assert len(sse.of_type("message.bounce")) == 1 and len(sse.of_type("message.new")) == 1

    event = sse.of_type("message.bounce")[0]
    new = sse.of_type("message.new")[0]
    data = event["data"]
    assert data["id"] == new["data"]["id"] and data["mailbox"] == "INBOX"
    assert data["from"]["address"].lower().startswith("mailer-daemon@")
    assert data["bounced_message_id"] == message_id
    assert data["bounce"] == [
        {
            "recipient": gone,
            "action": "failed",
            "status": "5.1.1",
            "diagnostic": data["bounce"][0]["diagnostic"],
        }
    ]
    assert data["bounce"][0]["diagnostic"] == f'unknown user: "{gone.split("@")[0]}"'

    read = (await live.get(f"/v1/accounts/{account}/messages/{data['id']}")).json()
    assert read["bounce"] == data["bounce"]
    assert read["bounced_message_id"] == message_id
    assert read["subject"] == "Undelivered Mail Returned to Sender"
    assert read["reply_text"]  # the notification's own words
    assert read["thread_id"]
