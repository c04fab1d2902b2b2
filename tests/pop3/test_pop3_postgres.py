"""POP3 "seen" tracking on PostgreSQL (ON CONFLICT DO NOTHING, pruning)."""

from __future__ import annotations

from gateway.settings import Settings
from tests.conftest import ADMIN_TOKEN, account_spec, running_client
from tests.pop3.helpers import message


async def test_seen_tracking_on_postgres(pg_database, mailstack):
    settings = Settings(
        database_url=pg_database, admin_token=ADMIN_TOKEN, secret_key="pg-key", outbox_workers=0
    )
    async with running_client(settings) as client:
        user = mailstack.new_user("p3pg")
        acc = (
            await client.post(
                "/v1/accounts", json=account_spec(mailstack, user, protocols=("pop3",))
            )
        ).json()["id"]
        mailstack.seed_maildir(user, [message(i) for i in range(5)])
        url = f"/v1/accounts/{acc}/pop3/retrieve"
        first = (await client.post(url, json={"format": "raw"})).json()
        assert len(first["items"]) == 5
        assert (await client.post(url, json={})).json()["items"] == []
        again = (await client.post(url, json={"only_new": False, "format": "raw"})).json()
        assert [i["seen"] for i in again["items"]] == [True] * 5
        # deleting through the API forgets the UIDL; the rest stay seen
        uidl = again["items"][0]["uidl"]
        assert (await client.delete(f"/v1/accounts/{acc}/pop3/messages/{uidl}")).status_code == 204
        listing = (await client.get(f"/v1/accounts/{acc}/pop3/messages")).json()
        assert listing["total"] == 4 and all(m["seen"] for m in listing["items"])
        await client.post(url, json={"delete": True, "only_new": False, "format": "raw"})
        assert mailstack.maildir_count(user) == 0
        repo_seen = await client.app.state.services.pop3._seen.seen(acc)
        assert len(repo_seen) == 4  # pruned at the next retrieval that no longer sees them
        assert (await client.post(url, json={})).json() == {
            "items": [],
            "complete": True,
            "reason": None,
            "delivered": 0,
            "deleted": 0,
            "remaining": 0,
            "summary": "0 messages delivered (nothing new), 0 deleted, 0 left",
        }
        assert await client.app.state.services.pop3._seen.seen(acc) == set()
