"""The outbox on PostgreSQL: two gateway instances claim with SKIP LOCKED, none sends twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from gateway.settings import Settings
from tests.conftest import account_spec, running_client
from tests.mailstack import MailStack

from .conftest import settle

TOTAL = 120


async def test_two_instances_never_send_a_job_twice(
    pg_database: str, settings: Settings, mailstack: MailStack
) -> None:
    def instance(name: str) -> Settings:
        return settings.model_copy(
            update={
                "database_url": pg_database,
                "instance_id": name,
                "outbox_workers": 4,
                "watch_enabled": False,
            }
        )

    async with running_client(instance("pg-a")) as one, running_client(instance("pg-b")) as two:
        user = mailstack.new_user("pg")
        assert (
            await one.post("/v1/accounts", json=account_spec(mailstack, user))
        ).status_code == 201
        account_id = user.split("@")[0]
        rcpt = mailstack.new_user("pgin")
        due = (datetime.now(UTC) + timedelta(seconds=1.5)).isoformat()

        async def enqueue(i: int) -> str:
            client = one if i % 2 else two
            resp = await client.post(
                f"/v1/accounts/{account_id}/send",
                json={
                    "to": [rcpt],
                    "subject": f"pg {i}",
                    "text": "x",
                    "send_at": due,
                    "save_to_sent": False,
                },
            )
            assert resp.status_code == 202, resp.text
            return resp.json()["message_id"]

        ids = await asyncio.gather(*(enqueue(i) for i in range(TOTAL)))
        msgs = await settle(mailstack, rcpt, quiet=1.5, within=60)
        counts = Counter(m["Message-ID"] for m in msgs)
        assert not {k: n for k, n in counts.items() if n > 1}, "a message was sent twice"
        assert set(counts) == set(ids)

        items = (await one.get("/v1/outbox", params={"account": account_id, "limit": 500})).json()[
            "items"
        ]
        assert len(items) == TOTAL
        assert {i["status"] for i in items} == {"sent"}
        assert {i["attempts"] for i in items} == {1}, "a job was claimed twice"
        workers = Counter(i["history"][0]["worker"].split(":")[0] for i in items)
        assert set(workers) == {"pg-a", "pg-b"}, workers  # both instances took part
