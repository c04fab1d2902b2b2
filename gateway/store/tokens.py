"""API tokens at rest: only their SHA-256 is kept."""

from __future__ import annotations

import secrets
import time

import sqlalchemy as sa

from ..errors import TokenNotFound
from ..model.records import TOKEN_PREFIX, TokenRecord, hash_token
from .db import Store
from .schema import api_tokens, utcnow


class TokenRepo:
    """Tokens by hash. Lookups are cached for ``cache_seconds``: a token revoked on this
    instance stops at once, one revoked on another instance within that time."""

    def __init__(self, store: Store, *, cache_seconds: float = 5.0) -> None:
        self._store = store
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, TokenRecord | None]] = {}
        self._alive: dict[str, tuple[float, bool]] = {}

    @property
    def recheck_seconds(self) -> float:
        """How often a long-lived request (an SSE stream) asks :meth:`is_active`: together
        with that answer's own cache it notices a revocation within ``cache_seconds``."""
        return self._cache_seconds / 2

    async def create(
        self, *, description: str, scopes: list[str], accounts: list[str] | None
    ) -> tuple[TokenRecord, str]:
        """Make a token; the clear token is returned once and never stored."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        record = TokenRecord(
            id="tok_" + secrets.token_hex(8),
            description=description,
            scopes=sorted(set(scopes)),
            accounts=None if accounts is None else sorted(set(accounts)),
            prefix=token[: len(TOKEN_PREFIX) + 4],
            created_at=utcnow(),
            last_used_at=None,
        )
        async with self._store.engine.begin() as conn:
            await conn.execute(
                api_tokens.insert().values(
                    id=record.id,
                    token_hash=hash_token(token),
                    prefix=record.prefix,
                    description=record.description,
                    scopes=record.scopes,
                    accounts=record.accounts,
                    created_at=record.created_at,
                )
            )
        return record, token

    async def lookup(self, token: str) -> TokenRecord | None:
        digest = hash_token(token)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        async with self._store.engine.begin() as conn:
            row = (
                await conn.execute(sa.select(api_tokens).where(api_tokens.c.token_hash == digest))
            ).first()
            if row is not None:  # at most once per cache period and token
                await conn.execute(
                    api_tokens.update()
                    .where(api_tokens.c.id == row.id)
                    .values(last_used_at=utcnow())
                )
        record = None if row is None else _record(row)
        if len(self._cache) >= 10_000:
            self._cache.clear()
        self._cache[digest] = (now + self._cache_seconds, record)
        return record

    async def is_active(self, token_id: str) -> bool:
        """Does the token still exist? Answers are cached for half the cache time, so that
        the streams of one token share one read and a revocation shows within the cache
        time (another instance's revocation included)."""
        now = time.monotonic()
        cached = self._alive.get(token_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        async with self._store.engine.connect() as conn:
            found = (
                await conn.execute(sa.select(api_tokens.c.id).where(api_tokens.c.id == token_id))
            ).first()
        if len(self._alive) >= 10_000:
            self._alive.clear()
        self._alive[token_id] = (now + self.recheck_seconds, found is not None)
        return found is not None

    async def list(self) -> list[TokenRecord]:
        async with self._store.engine.connect() as conn:
            query = sa.select(api_tokens).order_by(api_tokens.c.created_at)
            rows = (await conn.execute(query)).all()
        return [_record(row) for row in rows]

    async def get(self, token_id: str) -> TokenRecord:
        async with self._store.engine.connect() as conn:
            row = (
                await conn.execute(sa.select(api_tokens).where(api_tokens.c.id == token_id))
            ).first()
        if row is None:
            raise TokenNotFound(f"no token {token_id!r}")
        return _record(row)

    async def delete(self, token_id: str) -> None:
        async with self._store.engine.begin() as conn:
            result = await conn.execute(api_tokens.delete().where(api_tokens.c.id == token_id))
        if result.rowcount == 0:
            raise TokenNotFound(f"no token {token_id!r}")
        self._cache = {k: v for k, v in self._cache.items() if v[1] is None or v[1].id != token_id}
        self._alive[token_id] = (time.monotonic() + self.recheck_seconds, False)


def _record(row) -> TokenRecord:
    return TokenRecord(
        id=row.id,
        description=row.description,
        scopes=list(row.scopes),
        accounts=None if row.accounts is None else list(row.accounts),
        prefix=row.prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
    )
