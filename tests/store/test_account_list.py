"""AccountRepo.list, read every second by the watcher supervisor, decodes a row only when it
changed since the last call (issue #15); any change of a row, a secret's too, shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.model.accounts import Account
from gateway.secrets import SecretBox
from gateway.store.accounts import AccountRepo
from gateway.store.db import Store

KEY = "test-secret-key"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _account(account_id: str, password: str = "pw", name: str = "A") -> Account:
    block = {"host": "127.0.0.1", "port": 143, "username": account_id, "password": password}
    return Account.model_validate(
        {
            "id": account_id,
            "name": name,
            "email": f"{account_id}@example.test",
            "imap": block,
            "created_at": NOW,
            "updated_at": NOW,
        }
    )


async def test_unchanged_rows_are_not_decoded_again_and_changes_show(any_store: Store) -> None:
    repo = AccountRepo(any_store, SecretBox(KEY))
    await repo.insert(_account("a"))
    await repo.insert(_account("b"))
    decoded: list[str] = []
    from_row = repo._from_row

    def counting(row) -> Account:
        decoded.append(row.id)
        return from_row(row)

    repo._from_row = counting  # type: ignore[method-assign]
    first = await repo.list()
    assert [a.id for a in first] == ["a", "b"] and decoded == ["a", "b"]
    again = await repo.list()
    assert decoded == ["a", "b"]  # nothing decoded a second time
    assert [a.id for a in again] == ["a", "b"] and again[0] is first[0]

    # An edit (its updated_at moves), a secret changed alone (same updated_at), a new one,
    # a deleted one: each shows at the next call, and only those rows are decoded.
    await repo.update(
        _account("a", name="Renamed").model_copy(update={"updated_at": NOW + timedelta(seconds=1)})
    )
    await repo.update(_account("b", password="new secret"))
    await repo.insert(_account("c"))
    decoded.clear()
    changed = await repo.list()
    assert sorted(decoded) == ["a", "b", "c"]
    assert [a.id for a in changed] == ["a", "b", "c"]
    assert changed[0].name == "Renamed"
    assert changed[1].imap is not None
    assert changed[1].imap.password.get_secret_value() == "new secret"
    await repo.delete("a")
    decoded.clear()
    assert [a.id for a in await repo.list()] == ["b", "c"] and decoded == []
    assert set(repo._decoded) == {"b", "c"}  # a deleted account is not kept
