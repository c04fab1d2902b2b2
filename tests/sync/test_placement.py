"""Watch placement without a store: fair shares, what to give up, what to take, and
instances that converge to an even spread from any start (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.sync import placement

NOW = datetime(2026, 1, 1, tzinfo=UTC)
LIVE, GONE = NOW + timedelta(seconds=10), NOW - timedelta(seconds=1)


def test_the_share_is_the_ceiling_of_accounts_per_live_instance() -> None:
    assert placement.fair_share(30, 2) == 15
    assert placement.fair_share(30, 3) == 10
    assert placement.fair_share(31, 3) == 11
    assert placement.fair_share(5, 0) == 5  # before the first heartbeat: this one alone
    assert placement.fair_share(0, 4) == 0


def test_an_instance_over_its_share_gives_up_failing_accounts_first() -> None:
    mine = [f"a{i}" for i in range(12)]
    out = placement.to_release(mine, 10, "i1", failing=lambda a: a in {"a3", "a7"})
    assert sorted(out) == ["a3", "a7"]
    out = placement.to_release(mine, 9, "i1", failing=lambda a: a == "a3")
    assert len(out) == 3 and out[0] == "a3" and len(set(out)) == 3
    assert placement.to_release(mine, 12, "i1", failing=lambda a: True) == []


def test_an_instance_under_its_share_takes_free_leases_only() -> None:
    holders = {
        "held": ("other#1", LIVE),  # another live instance's
        "expired": ("dead#1", GONE),  # a dead instance's, run out
        "earlier": ("me#0", LIVE),  # an earlier run of this instance
    }
    accounts = ["held", "expired", "earlier", "never", "mine", "stopping"]
    out = placement.to_take(
        accounts,
        {"mine"},
        10,
        "me",
        holders=holders,
        now=NOW,
        busy={"stopping"},
        ours=lambda owner: owner == "me#0",
    )
    assert sorted(out) == ["earlier", "expired", "never"]
    limited = placement.to_take(
        accounts, {"mine"}, 2, "me", holders=holders, now=NOW, ours=lambda owner: owner == "me#0"
    )
    assert len(limited) == 1  # one more makes the share of 2


def test_instances_prefer_different_accounts() -> None:
    accounts = [f"acct-{i}" for i in range(100)]
    first = placement.to_take(accounts, set(), 10, "host-a/w1", holders={}, now=NOW)
    second = placement.to_take(accounts, set(), 10, "host-a/w2", holders={}, now=NOW)
    assert len(set(first) & set(second)) <= 3  # racing for the same leases is rare


def _converge(
    accounts: list[str], instances: list[str], table: dict[str, str]
) -> dict[str, list[str]]:
    """Rounds of every instance releasing and taking against one lease table (name ->
    owner), as the sync service does, until nothing moves."""
    for _ in range(20):
        moved = False
        for me in instances:
            share = placement.fair_share(len(accounts), len(instances))
            mine = [a for a, owner in table.items() if owner == me]
            for account in placement.to_release(mine, share, me, failing=lambda _a: False):
                del table[account]
                moved = True
            mine = [a for a, owner in table.items() if owner == me]
            holders = {a: (owner, LIVE) for a, owner in table.items()}
            for account in placement.to_take(accounts, mine, share, me, holders=holders, now=NOW):
                table[account] = me
                moved = True
        if not moved:
            break
    return {me: [a for a, owner in table.items() if owner == me] for me in instances}


def test_a_joining_instance_gets_an_even_share_and_a_leaving_ones_are_spread() -> None:
    accounts = [f"acct-{i}" for i in range(30)]
    table: dict[str, str] = {}
    spread = _converge(accounts, ["one"], table)
    assert len(spread["one"]) == 30
    spread = _converge(accounts, ["one", "two"], table)
    assert sorted(map(len, spread.values())) == [15, 15]
    spread = _converge(accounts, ["one", "two", "three"], table)
    assert sorted(map(len, spread.values())) == [10, 10, 10]
    assert sorted(a for held in spread.values() for a in held) == sorted(accounts)
    table = {a: owner for a, owner in table.items() if owner != "two"}  # two dies
    spread = _converge(accounts, ["one", "three"], table)
    assert sorted(map(len, spread.values())) == [15, 15]
