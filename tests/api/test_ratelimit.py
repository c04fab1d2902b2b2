from __future__ import annotations

import httpx

from gateway.api.ratelimit import RateLimiter, TokenBucket
from tests.conftest import running_client


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_burst_then_refills_at_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)
    assert [bucket.take() for _ in range(3)] == [0, 0, 0]
    assert bucket.take() == 0.5
    clock.now += 0.5
    assert bucket.take() == 0
    assert bucket.take() > 0


def test_limiter_keeps_keys_apart_and_bounded() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=1, max_keys=2, clock=clock)
    assert limiter.check("a") == 0 and limiter.check("a") > 0
    assert limiter.check("b") == 0
    assert limiter.check("c") == 0  # evicts "a"
    assert limiter.check("a") == 0


async def test_api_answers_429_with_retry_after(settings) -> None:
    settings.rate_limit_per_minute = 60
    settings.rate_limit_burst = 3
    async with running_client(settings) as client:
        token = (await client.post("/v1/tokens", json={"scopes": ["read"]})).json()["token"]
        h = {"Authorization": f"Bearer {token}"}
        codes = [(await client.get("/v1/accounts", headers=h)).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        resp: httpx.Response = await client.get("/v1/accounts", headers=h)
        assert resp.json()["code"] == "rate_limited"
        assert int(resp.headers["retry-after"]) >= 1
        # Other tokens have their own bucket.
        assert (await client.get("/v1/accounts")).status_code == 200


async def test_listing_counts_each_request_once(settings, mailstack) -> None:
    from tests.conftest import account_spec

    settings.rate_limit_per_minute = 60
    settings.rate_limit_burst = 4
    async with running_client(settings) as client:
        user = mailstack.new_user("rl")
        spec = account_spec(mailstack, user, protocols=("imap",))
        assert (await client.post("/v1/accounts", json=spec)).status_code == 201
        token = (await client.post("/v1/tokens", json={"scopes": ["read"]})).json()["token"]
        h = {"Authorization": f"Bearer {token}"}
        url = f"/v1/accounts/{spec['id']}/mailboxes/INBOX/messages"
        codes = [
            (await client.get(url, headers=h)).status_code,
            (await client.get(url, headers=h, params={"unseen": "yes"})).status_code,
            (await client.get(url, headers=h, params={"limit": "0"})).status_code,  # 422
            (await client.get(url, headers=h)).status_code,
            (await client.get(url, headers=h)).status_code,  # the fifth: over the burst
        ]
        assert codes == [200, 200, 422, 200, 429]
