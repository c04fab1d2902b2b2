"""Accounts at rest: configuration in the clear, secrets encrypted."""

from __future__ import annotations

import json
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..errors import AccountNotFound, AlreadyExists
from ..model.accounts import PROTOCOLS, Account
from ..secrets import SecretBox
from .db import Store
from .schema import accounts
from .threads import forget_threads


class AccountRepo:
    def __init__(self, store: Store, box: SecretBox) -> None:
        self._store = store
        self._box = box
        self._decoded: dict[str, tuple[tuple, Account]] = {}  # ``list``: id -> (row, Account)

    def _to_row(self, account: Account) -> dict:
        config: dict = {
            "watch_mailboxes": account.watch_mailboxes,
            "aliases": account.aliases,
            "allow_any_from": account.allow_any_from,
            "daily_send_limit": account.daily_send_limit,
        }
        secrets: dict = {}
        for proto in PROTOCOLS:
            server = account.server(proto)
            if server is not None:
                config[proto] = server.public_dump()
                secrets[proto] = server.secret_dump()
        return {
            "id": account.id,
            "name": account.name,
            "email": account.email,
            "config": config,
            "secrets": self._box.encrypt(json.dumps(secrets)),
            "source": account.source,
            "created_at": account.created_at,
            "updated_at": account.updated_at,
        }

    def _from_row(self, row) -> Account:
        secrets = json.loads(self._box.decrypt(row.secrets))
        data = {
            "id": row.id,
            "name": row.name,
            "email": row.email,
            "source": row.source,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
            "watch_mailboxes": row.config.get("watch_mailboxes", []),
            "aliases": row.config.get("aliases", []),
            "allow_any_from": row.config.get("allow_any_from", False),
            "daily_send_limit": row.config.get("daily_send_limit"),
        }
        for proto in PROTOCOLS:
            block = row.config.get(proto)
            if block is not None:
                data[proto] = {**block, **secrets.get(proto, {})}
        return Account.model_validate(data)

    async def insert(self, account: Account) -> None:
        try:
            async with self._store.engine.begin() as conn:
                await conn.execute(accounts.insert().values(**self._to_row(account)))
        except IntegrityError as exc:
            raise AlreadyExists(f"account {account.id!r} already exists") from exc

    async def upsert(self, account: Account) -> None:
        row = self._to_row(account)
        async with self._store.engine.begin() as conn:
            existing = await conn.execute(
                sa.select(accounts.c.created_at).where(accounts.c.id == account.id)
            )
            created = existing.scalar_one_or_none()
            if created is None:
                await conn.execute(accounts.insert().values(**row))
            else:
                row["created_at"] = created
                await conn.execute(
                    accounts.update().where(accounts.c.id == account.id).values(**row)
                )

    async def update(self, account: Account) -> None:
        async with self._store.engine.begin() as conn:
            result = await conn.execute(
                accounts.update().where(accounts.c.id == account.id).values(**self._to_row(account))
            )
        if result.rowcount == 0:
            raise AccountNotFound(f"no account {account.id!r}")

    async def rotate_oauth2(
        self, account_id: str, used_refresh_token: str, tokens: dict[str, str | None]
    ) -> bool:
        """Store a refresh's result in every server block of the account that holds
        ``used_refresh_token`` (one grant usually serves IMAP, SMTP and POP3), in one
        transaction that re-reads the row (locked on PostgreSQL): a block whose refresh
        token changed meanwhile is left alone. ``tokens`` holds ``access_token``,
        ``expires_at`` (ISO 8601 or None) and ``refresh_token`` (the rotated one, or the
        same). Returns whether any block was updated; ``updated_at`` stays (no new config).
        """

        def update(oauth2: dict) -> bool:
            if oauth2.get("refresh_token") != used_refresh_token:
                return False
            oauth2.update({k: v for k, v in tokens.items() if v is not None})
            if tokens.get("expires_at") is None:
                oauth2.pop("expires_at", None)
            return True

        return await self._update_oauth2_blocks(account_id, update)

    async def store_app_token(
        self, account_id: str, client_id: str, token_url: str, tokens: dict[str, str | None]
    ) -> bool:
        """Store an access token obtained with the client credentials grant (no refresh
        token) in every block of the account that gets its tokens from ``client_id`` at
        ``token_url`` that way, in one transaction (the row locked on PostgreSQL).
        ``tokens``: ``access_token`` and ``expires_at`` (ISO 8601 or None). Returns whether
        any block was updated; ``updated_at`` stays."""

        def update(oauth2: dict) -> bool:
            if not (
                oauth2.get("grant") == "client_credentials"
                and oauth2.get("client_id") == client_id
                and oauth2.get("token_url") == token_url
            ):
                return False
            oauth2["access_token"] = tokens["access_token"]
            if tokens.get("expires_at") is None:
                oauth2.pop("expires_at", None)
            else:
                oauth2["expires_at"] = tokens["expires_at"]
            return True

        return await self._update_oauth2_blocks(account_id, update)

    async def _update_oauth2_blocks(self, account_id: str, update: Callable[[dict], bool]) -> bool:
        """``update`` each server block's ``oauth2`` secrets in one transaction that re-reads
        the row (locked on PostgreSQL); written back when it changed any (True)."""
        async with self._store.engine.begin() as conn:
            query = sa.select(accounts.c.secrets).where(accounts.c.id == account_id)
            if self._store.dialect == "postgresql":
                query = query.with_for_update()
            row = (await conn.execute(query)).first()
            if row is None:
                raise AccountNotFound(f"no account {account_id!r}")
            secrets = json.loads(self._box.decrypt(row.secrets))
            changed = False
            for block in secrets.values():
                oauth2 = block.get("oauth2") if isinstance(block, dict) else None
                if oauth2 and update(oauth2):
                    changed = True
            if changed:
                await conn.execute(
                    accounts.update()
                    .where(accounts.c.id == account_id)
                    .values(secrets=self._box.encrypt(json.dumps(secrets)))
                )
        return changed

    async def delete(self, account_id: str) -> None:
        async with self._store.engine.begin() as conn:
            result = await conn.execute(accounts.delete().where(accounts.c.id == account_id))
            await forget_threads(conn, account_id)  # what its messages' threads were
        if result.rowcount == 0:
            raise AccountNotFound(f"no account {account_id!r}")

    async def get(self, account_id: str) -> Account | None:
        async with self._store.engine.connect() as conn:
            row = (
                await conn.execute(sa.select(accounts).where(accounts.c.id == account_id))
            ).first()
        return None if row is None else self._from_row(row)

    async def list(self) -> list[Account]:
        """Every account, by id. Called every second by the watcher supervisor: a row is
        decrypted, decoded and validated only when it differs from the row the last call
        read (any column: a token refresh changes the secrets alone); an unchanged one
        gives the same ``Account`` again (issue #15: decoding 1,000 accounts each second
        held up the event loop)."""
        async with self._store.engine.connect() as conn:
            rows = (await conn.execute(sa.select(accounts).order_by(accounts.c.id))).all()
        cache = self._decoded
        out = []
        for row in rows:
            key = tuple(row)
            hit = cache.get(row.id)
            if hit is None or hit[0] != key:
                hit = cache[row.id] = (key, self._from_row(row))
            out.append(hit[1])
        if len(cache) > len(out):
            present = {a.id for a in out}
            for gone in [a for a in cache if a not in present]:
                del cache[gone]
        return out
