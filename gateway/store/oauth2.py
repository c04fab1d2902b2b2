"""OAuth2 apps (client secrets encrypted) and authorization states (hashed, single use)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ..errors import OAuth2AppNotFound, OAuth2StateGone, OAuth2StateRefused
from ..model.records import OAuth2App
from ..secrets import SecretBox
from .db import Store
from .schema import oauth2_apps, oauth2_states, utcnow


@dataclass(frozen=True)
class PendingAuthorization:
    """A consumed state: what the callback may do with its code."""

    app_id: str
    account_id: str
    verifier: str = field(repr=False)
    token_id: str | None


def hash_state(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


class OAuth2Repo:
    def __init__(self, store: Store, box: SecretBox) -> None:
        self._store = store
        self._box = box

    # -- apps --------------------------------------------------------------------------------

    async def insert_app(self, app: OAuth2App) -> None:
        async with self._store.engine.begin() as conn:
            await conn.execute(
                oauth2_apps.insert().values(
                    id=app.id,
                    provider=app.provider,
                    name=app.name,
                    client_id=app.client_id,
                    client_secret=self._box.encrypt(app.client_secret),
                    config=app.config,
                    created_by=app.created_by,
                    created_at=app.created_at,
                )
            )

    def _app(self, row: Any) -> OAuth2App:
        return OAuth2App(
            id=row.id,
            provider=row.provider,
            name=row.name,
            client_id=row.client_id,
            client_secret=self._box.decrypt(row.client_secret),
            config=dict(row.config),
            created_by=row.created_by,
            created_at=row.created_at,
        )

    async def list_apps(self) -> list[OAuth2App]:
        async with self._store.engine.connect() as conn:
            rows = (
                await conn.execute(
                    oauth2_apps.select().order_by(oauth2_apps.c.created_at, oauth2_apps.c.id)
                )
            ).all()
        return [self._app(r) for r in rows]

    async def get_app(self, app_id: str) -> OAuth2App:
        async with self._store.engine.connect() as conn:
            row = (
                await conn.execute(oauth2_apps.select().where(oauth2_apps.c.id == app_id))
            ).first()
        if row is None:
            raise OAuth2AppNotFound("no such OAuth2 app")
        return self._app(row)

    async def delete_app(self, app_id: str) -> None:
        async with self._store.engine.begin() as conn:
            result = await conn.execute(oauth2_apps.delete().where(oauth2_apps.c.id == app_id))
            await conn.execute(oauth2_states.delete().where(oauth2_states.c.app_id == app_id))
        if result.rowcount == 0:
            raise OAuth2AppNotFound("no such OAuth2 app")

    # -- states ------------------------------------------------------------------------------

    async def add_state(
        self,
        state: str,
        *,
        app_id: str,
        account_id: str,
        verifier: str,
        token_id: str | None,
        ttl: float,
    ) -> None:
        now = utcnow()
        async with self._store.engine.begin() as conn:
            # States a day past their expiry tell nothing any more (replays get 400 then).
            await conn.execute(
                oauth2_states.delete().where(oauth2_states.c.expires_at < now - timedelta(days=1))
            )
            await conn.execute(
                oauth2_states.insert().values(
                    state_hash=hash_state(state),
                    app_id=app_id,
                    account_id=account_id,
                    verifier=self._box.encrypt(verifier),
                    token_id=token_id,
                    created_at=now,
                    expires_at=now + timedelta(seconds=ttl),
                )
            )

    async def consume_state(self, state: str) -> PendingAuthorization:
        """Mark the state used (atomically: one callback wins) and return its request;
        a state never issued, used before or expired raises and changes nothing."""
        key = hash_state(state)
        now = utcnow()
        async with self._store.engine.begin() as conn:
            taken = await conn.execute(
                oauth2_states.update()
                .where(
                    oauth2_states.c.state_hash == key,
                    oauth2_states.c.used_at.is_(None),
                    oauth2_states.c.expires_at > now,
                )
                .values(used_at=now)
            )
            row = (
                await conn.execute(oauth2_states.select().where(oauth2_states.c.state_hash == key))
            ).first()
        if row is None:
            raise OAuth2StateRefused("this state was not issued by the gateway")
        if taken.rowcount != 1:
            if row.used_at is not None:
                raise OAuth2StateGone("this authorization request was used already")
            raise OAuth2StateGone(
                "this authorization request expired; start a new one", code="oauth2_state_expired"
            )
        return PendingAuthorization(
            app_id=row.app_id,
            account_id=row.account_id,
            verifier=self._box.decrypt(row.verifier),
            token_id=row.token_id,
        )
