"""Who may see and cancel queued sends; accounts without SMTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.conftest import account_spec
from tests.mailstack import MailStack


async def _queue_one(client: httpx.AsyncClient, account_id: str, rcpt: str) -> str:
    resp = await client.post(
        f"/v1/accounts/{account_id}/send",
        json={
            "to": [rcpt],
            "subject": "later",
            "text": "x",
            "save_to_sent": False,
            "send_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        },
    )
    assert resp.status_code == 202, resp.text
    return resp.json()["queue_id"]


async def test_tokens_see_only_their_accounts_jobs(
    client: httpx.AsyncClient, mailstack: MailStack
) -> None:
    ids = []
    for prefix in ("own", "other"):
        user = mailstack.new_user(prefix)
        assert (
            await client.post("/v1/accounts", json=account_spec(mailstack, user))
        ).status_code == 201
        ids.append(user.split("@")[0])
    mine, theirs = ids
    my_job = await _queue_one(client, mine, mailstack.new_user("r"))
    their_job = await _queue_one(client, theirs, mailstack.new_user("r"))

    resp = await client.post(
        "/v1/tokens",
        json={"description": "limited", "scopes": ["read", "send"], "accounts": [mine]},
    )
    token = resp.json()["token"]
    limited = {"Authorization": f"Bearer {token}"}
    listed = (await client.get("/v1/outbox", headers=limited)).json()["items"]
    assert [i["queue_id"] for i in listed] == [my_job]
    assert (await client.get("/v1/outbox", params={"account": theirs}, headers=limited)).json()[
        "items"
    ] == []
    assert (await client.get(f"/v1/outbox/{their_job}", headers=limited)).status_code == 404
    assert (await client.delete(f"/v1/outbox/{their_job}", headers=limited)).status_code == 404
    assert (await client.get(f"/v1/outbox/{their_job}")).json()["status"] == "queued"
    resp = await client.post(
        f"/v1/accounts/{theirs}/send",
        headers=limited,
        json={"to": ["x@example.test"], "subject": "s"},
    )
    assert resp.status_code == 404  # another tenant's account is not even confirmed

    read_only = (await client.post("/v1/tokens", json={"scopes": ["read"]})).json()["token"]
    headers = {"Authorization": f"Bearer {read_only}"}
    assert (await client.delete(f"/v1/outbox/{my_job}", headers=headers)).status_code == 403
    resp = await client.post(
        f"/v1/accounts/{mine}/send",
        headers=headers,
        json={"to": ["x@example.test"], "subject": "s"},
    )
    assert resp.status_code == 403
    assert (await client.delete(f"/v1/outbox/{my_job}", headers=limited)).json()[
        "status"
    ] == "cancelled"


async def test_account_without_smtp_is_404(client: httpx.AsyncClient, mailstack: MailStack) -> None:
    user = mailstack.new_user("nosmtp")
    spec = account_spec(mailstack, user, protocols=("imap",))
    assert (await client.post("/v1/accounts", json=spec)).status_code == 201
    for mode in ("sync", "queue"):
        resp = await client.post(
            f"/v1/accounts/{spec['id']}/send",
            json={"to": ["x@example.test"], "subject": "s", "mode": mode},
        )
        assert resp.status_code == 404 and resp.json()["code"] == "protocol_not_configured"
