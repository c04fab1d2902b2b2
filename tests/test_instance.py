"""The instance's name: stable across restarts, distinct side by side (pure, no I/O)."""

from __future__ import annotations

from gateway.instance import MAX_IDENTITY, instance_name
from gateway.settings import Settings


def _settings(**kw) -> Settings:
    return Settings(database_url="sqlite+aiosqlite:///:memory:", secret_key="k", **kw)


def test_a_restart_keeps_the_identity_and_supersedes_the_earlier_run() -> None:
    first = instance_name(_settings(port=8025), hostname="mx1", started=1000.0)
    again = instance_name(_settings(port=8025), hostname="mx1", started=1001.0)
    assert first.identity == again.identity == "mx1/127.0.0.1:8025"
    assert again.supersedes(first.owner)
    assert not first.supersedes(again.owner)  # an older run never takes a newer one's leases
    assert first.superseded_by(again.owner) and not again.superseded_by(first.owner)
    assert not again.supersedes(again.owner)


def test_instances_side_by_side_get_distinct_identities() -> None:
    one = instance_name(_settings(port=8025), hostname="mx1", started=1000.0)
    other_port = instance_name(_settings(port=8026), hostname="mx1", started=1001.0)
    other_addr = instance_name(
        _settings(host="10.0.0.2", port=8025), hostname="mx1", started=1001.0
    )
    other_host = instance_name(_settings(port=8025), hostname="mx2", started=1001.0)
    for other in (other_port, other_addr, other_host):
        assert other.identity != one.identity
        assert not other.supersedes(one.owner) and not one.supersedes(other.owner)


def test_an_explicit_instance_id_wins_and_names_fit_the_owner_column() -> None:
    named = instance_name(_settings(instance_id="gw-a"), hostname="mx1", started=5.0)
    assert named.identity == "gw-a" and named.owner.startswith("gw-a#")
    long = instance_name(_settings(port=8025), hostname="h" * 300, started=5.0)
    again = instance_name(_settings(port=8025), hostname="h" * 300, started=6.0)
    assert len(long.identity) <= MAX_IDENTITY and len(long.owner) <= 64
    assert long.identity == again.identity and again.supersedes(long.owner)
    assert not named.supersedes("gw-a") and not named.supersedes("gw-a#zz")  # foreign shapes
