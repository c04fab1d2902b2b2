"""OAuth2 apps and states at rest, on SQLite and PostgreSQL: a state is used once (of ten
concurrent callbacks exactly one wins), unknown and expired ones are told apart, the client
secret and the PKCE verifier are stored encrypted and the state only as its hash."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from gateway.errors import OAuth2StateGone, OAuth2StateRefused
from gateway.model.records import OAuth2App
from gateway.secrets import SecretBox, load_or_create_key
from gateway.store.oauth2 import OAuth2Repo
from gateway.store.schema import oauth2_apps, oauth2_states


@pytest.fixture
def repo(any_store) -> OAuth2Repo:
    return OAuth2Repo(any_store, SecretBox(load_or_create_key("k" * 32, None)))


async def test_state_is_used_once_even_by_concurrent_callbacks(repo, any_store) -> None:
    await repo.add_state(
        "the-state", app_id="oa_1", account_id="acc", verifier="v" * 50, token_id="tok", ttl=600
    )
    outcomes = await asyncio.gather(
        *(repo.consume_state("the-state") for _ in range(10)), return_exceptions=True
    )
    won = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(won) == 1 and won[0].account_id == "acc" and won[0].verifier == "v" * 50
    assert all(
        isinstance(o, OAuth2StateGone) and o.code == "oauth2_state_used"
        for o in outcomes
        if isinstance(o, BaseException)
    )
    with pytest.raises(OAuth2StateRefused) as forged:
        await repo.consume_state("never-issued")
    assert forged.value.code == "oauth2_state_invalid"
    async with any_store.engine.connect() as conn:
        row = (await conn.execute(oauth2_states.select())).one()
    assert "the-state" not in str(tuple(row)) and "v" * 50 not in str(tuple(row))


async def test_expired_state_is_refused_as_expired(repo) -> None:
    await repo.add_state(
        "old", app_id="oa_1", account_id="acc", verifier="v", token_id=None, ttl=-1
    )
    with pytest.raises(OAuth2StateGone) as gone:
        await repo.consume_state("old")
    assert gone.value.code == "oauth2_state_expired"


async def test_client_secret_is_encrypted_at_rest(repo, any_store) -> None:
    app = OAuth2App(
        id="oa_1",
        provider="google",
        name="g",
        client_id="cid",
        client_secret="very-secret-value",
        config={"redirect_url": "https://x/cb"},
        created_by=None,
        created_at=datetime.now(UTC),
    )
    await repo.insert_app(app)
    async with any_store.engine.connect() as conn:
        row = (await conn.execute(oauth2_apps.select())).one()
    assert "very-secret-value" not in str(tuple(row))
    assert (await repo.get_app("oa_1")).client_secret == "very-secret-value"
