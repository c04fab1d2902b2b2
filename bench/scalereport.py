"""The figures of one ``bench/scale.py`` run, its tables and the probe comparison."""

from __future__ import annotations

import argparse
import dataclasses
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.procstat import Usage

TARGET_RSS_KB = 150  # per watched account at 1,000 accounts
TARGET_WATCH_S = 60  # all 1,000 watching
TARGET_OVER_FLOOR_MS = 200  # event p95 <= floor p95 + this


@dataclass
class Result:
    n: int
    limits: list[str]
    load_start: str
    load_end: str = ""
    gateway_code: str = ""  # the directory the gateway's package was imported from
    base_usage: Usage | None = None
    base_cpu: float = 0.0  # CPU seconds per second, 1 account
    base_busy: float = 0.0  # share of the whole machine busy meanwhile
    base_probe: dict | None = None
    add_failures: list[str] = field(default_factory=list)
    add_seconds: float = 0.0
    watch_after_add: dict[str, float | None] = field(default_factory=dict)
    watching: int = 0
    login_floor_seconds: float | None = None  # raw IDLE sessions, one per account
    login_floor_failed: int = 0
    errors_at_start: Counter[str] = field(default_factory=Counter)
    usage: Usage | None = None  # N + 1 accounts, after settling
    usage_end: Usage | None = None  # the same, after the idle window
    cpu: float = 0.0
    busy: float = 0.0
    connections: Counter[str] = field(default_factory=Counter)
    dovecot_usage: Usage | None = None
    dovecot_imap: int = 0
    probe: dict | None = None
    floor_sessions: int = 0
    deliveries: int = 0
    sent: int = 0
    schedule_late: float = 0.0
    gateway_ms: list[float] = field(default_factory=list)
    gateway_sampled_ms: list[float] = field(default_factory=list)
    floor_ms: list[float] = field(default_factory=list)
    floor_expected: int = 0
    gateway_by_slice: list[list[float]] = field(default_factory=list)  # per 10 s of sending
    duplicates: int = 0
    errors_later: Counter[str] = field(default_factory=Counter)
    cpu_per_event_ms: float = 0.0
    stop_seconds: float | None = None
    healthy_after_restart: float | None = None
    watch_after_restart: dict[str, float | None] = field(default_factory=dict)
    restart_errors: Counter[str] = field(default_factory=Counter)
    usage_restart: Usage | None = None
    gateway_log: list[str] = field(default_factory=list)
    dovecot_log: list[str] = field(default_factory=list)
    analysis: list[str] = field(default_factory=list)
    profiles: dict[str, Path | None] = field(default_factory=dict)  # py-spy output by phase

    def as_dict(self) -> dict:
        """The figures for JSON (``Usage`` as dicts; the probes left out)."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name not in ("base_probe", "probe"):
                out[f.name] = dataclasses.asdict(value) if isinstance(value, Usage) else value
        return out

    # -- per watched account ---------------------------------------------------------------

    def per_account(self, name: str, usage: Usage | None = None) -> float | None:
        """(figure with N + 1 accounts - figure with 1) / N."""
        usage = usage or self.usage_end
        if usage is None or self.base_usage is None or not self.n:
            return None
        return (getattr(usage, name) - getattr(self.base_usage, name)) / self.n


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1)]


def _f(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _ok(value: float | None, limit: float) -> str:
    if value is None:
        return "?"
    return "met" if value <= limit else "**missed**"


def rows(r: Result) -> list[tuple[str, str, str]]:
    """(measure, value, target) of one run."""
    b, u = r.base_usage, r.usage_end
    out: list[tuple[str, str, str]] = []
    add = out.append
    rss = r.per_account("rss_kb")
    target_rss = f"<= {TARGET_RSS_KB} ({_ok(rss, TARGET_RSS_KB)})" if r.n >= 1000 else ""
    add(("accounts added through the API (s)", _f(r.add_seconds), ""))
    if r.add_failures:
        add(("  POST /v1/accounts failed", str(len(r.add_failures)), r.add_failures[0][:80]))
    w = r.watch_after_add
    add(
        (
            "watching since the first POST: 50% / 90% / all (s)",
            f"{_f(w.get('50%'))} / {_f(w.get('90%'))} / {_f(w.get('all'))}",
            f"<= {TARGET_WATCH_S} ({_ok(w.get('all'), TARGET_WATCH_S)})",
        )
    )
    if r.watching < r.n:
        add(("  **watching when the wait ended**", f"{r.watching} of {r.n}", ""))
    if r.login_floor_seconds is not None or r.login_floor_failed:
        add(
            (
                "  floor: raw IDLE sessions, one per account, opened in (s)",
                _f(r.login_floor_seconds),
                f"{r.login_floor_failed} failed" if r.login_floor_failed else "",
            )
        )
    w = r.watch_after_restart
    if w:
        add(
            (
                "after a restart, since the process started: 50% / 90% / all (s)",
                f"{_f(w.get('50%'))} / {_f(w.get('90%'))} / {_f(w.get('all'))}",
                f"<= {TARGET_WATCH_S} ({_ok(w.get('all'), TARGET_WATCH_S)})",
            )
        )
        add(
            (
                "  the old process stopped in / the new one answered in (s)",
                f"{_f(r.stop_seconds)} / {_f(r.healthy_after_restart)}",
                "",
            )
        )
    if b and u:
        add(
            (
                "RSS, 1 account -> N + 1 (MiB)",
                f"{b.rss_kb / 1024:,.1f} -> {u.rss_kb / 1024:,.1f}",
                "",
            )
        )
        add(("**RSS per watched account (kB)**", _f(rss), target_rss))
        add(
            (
                "PSS / USS per watched account (kB)",
                f"{_f(r.per_account('pss_kb'))} / {_f(r.per_account('uss_kb'))}",
                "",
            )
        )
        if r.usage_restart:
            add(
                (
                    "RSS per account after the restart (kB)",
                    _f(r.per_account("rss_kb", r.usage_restart)),
                    "",
                )
            )
        if r.usage:
            drift = (u.rss_kb - r.usage.rss_kb) / max(1, r.n)
            add(("  RSS growth per account during the idle window (kB)", _f(drift, 2), ""))
        add(("open fds per watched account", _f(r.per_account("fds"), 2), f"1 account: {b.fds}"))
    n1 = r.n + 1
    conns = ", ".join(f"{name} {count / n1:.2f}" for name, count in sorted(r.connections.items()))
    add(("gateway's connections per account (by server port)", conns or "-", ""))
    if r.base_usage:
        per_min = (r.cpu - r.base_cpu) / max(1, r.n) * 60_000
        add(
            (
                "idle CPU per watched account (ms per minute)",
                _f(per_min, 2),
                f"{r.cpu * 100:.1f} % of a core in all; 1 account {r.base_cpu * 100:.1f} %",
            )
        )
        add(
            (
                "  machine busy during the idle windows (1 account / N)",
                f"{r.base_busy * 100:.0f} % / {r.busy * 100:.0f} %",
                "of all CPUs",
            )
        )
    if r.dovecot_usage:
        add(
            (
                "Dovecot: imap processes / PSS per account (kB)",
                f"{r.dovecot_imap / n1:.2f} / {r.dovecot_usage.pss_kb / n1:,.0f}",
                f"{r.dovecot_usage.processes} processes",
            )
        )
    if r.deliveries:
        g95, f95 = pct(r.gateway_ms, 95), pct(r.floor_ms, 95)
        over = None if g95 is None or f95 is None else g95 - f95
        add(
            (
                "deliveries sent / planned",
                f"{r.sent} / {r.deliveries}",
                f"schedule late by <= {r.schedule_late * 1000:.0f} ms",
            )
        )
        add(
            (
                "event latency, gateway SSE: p50 / p95 / max (ms)",
                f"{_f(pct(r.gateway_ms, 50))} / {_f(g95)} / {_f(max(r.gateway_ms, default=None))}",
                f"{len(r.gateway_ms)} events",
            )
        )
        add(
            (
                "  the same, deliveries to the floor's accounts only",
                f"{_f(pct(r.gateway_sampled_ms, 50))} / {_f(pct(r.gateway_sampled_ms, 95))} / "
                f"{_f(max(r.gateway_sampled_ms, default=None))}",
                f"{len(r.gateway_sampled_ms)} events",
            )
        )
        add(
            (
                "raw IDLE floor (* n EXISTS): p50 / p95 / max (ms)",
                f"{_f(pct(r.floor_ms, 50))} / {_f(f95)} / {_f(max(r.floor_ms, default=None))}",
                f"{len(r.floor_ms)} of {r.floor_expected}, {r.floor_sessions} sessions",
            )
        )
        add(
            (
                "**gateway p95 - floor p95 (ms)**",
                _f(over),
                f"<= {TARGET_OVER_FLOOR_MS} ({_ok(over, TARGET_OVER_FLOOR_MS)})",
            )
        )
        if r.gateway_by_slice:
            add(
                (
                    "  gateway p95 per 10 s of sending (ms)",
                    " ".join(_f(pct(v, 95), 0) for v in r.gateway_by_slice),
                    "",
                )
            )
        missing = r.sent - len(r.gateway_ms)
        add(("events missing / duplicated", f"{missing} / {r.duplicates}", "should be 0 / 0"))
        add(("gateway CPU per event (ms)", _f(r.cpu_per_event_ms, 2), "above the idle rate"))
    for when, errors in (
        ("while adding", r.errors_at_start),
        ("during the deliveries", r.errors_later),
        ("after the restart", r.restart_errors),
    ):
        if errors:
            add(
                (
                    f"account.error events {when}",
                    ", ".join(f"{k} {v}" for k, v in errors.items()),
                    "",
                )
            )
    return out


def print_result(r: Result, args: argparse.Namespace) -> None:
    print(
        f"\n### {r.n:,} watched accounts (+1 baseline), {args.deliveries_per_second:g} "
        f"deliveries/s for {args.duration:g} s, floor on {args.floor_accounts} accounts"
    )
    print(
        f"\ngateway code from {r.gateway_code or '?'}; load average {r.load_start} at the "
        f"start, {r.load_end} at the end; limits: {'; '.join(r.limits)}\n"
    )
    table = rows(r)
    width = max(len(m) for m, _, _ in table)
    vwidth = max(len(v) for _, v, _ in table)
    print(f"| {'measure':<{width}} | {'value':>{vwidth}} | target / note |")
    print(f"|{'-' * (width + 2)}|{'-' * (vwidth + 2)}|---|")
    for measure, value, target in table:
        print(f"| {measure:<{width}} | {value:>{vwidth}} | {target} |")
    for title, lines in (
        ("gateway log (warnings and errors)", r.gateway_log),
        ("Dovecot log (warnings and errors)", r.dovecot_log),
    ):
        print(f"\n{title}: {'none' if not lines else ''}")
        for line in lines:
            print(f"    {line}")
    if r.analysis:
        print("\nwhere the memory per account goes (probe with 1 account vs N + 1):")
        for line in r.analysis:
            print(f"    {line}")


def print_summary(results: list[Result], header: str) -> None:
    print(f"\n## Summary ({header})\n")
    print(
        "| accounts | RSS/acct kB | PSS/acct kB | fds/acct | idle CPU ms/acct/min | "
        "all watching (add / restart) s | event p95 gw / floor ms |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in results:
        cpu = (r.cpu - r.base_cpu) / max(1, r.n) * 60_000
        print(
            f"| {r.n:,} | {_f(r.per_account('rss_kb'))} | {_f(r.per_account('pss_kb'))} | "
            f"{_f(r.per_account('fds'), 2)} | {_f(cpu, 2)} | "
            f"{_f(r.watch_after_add.get('all'))} / {_f(r.watch_after_restart.get('all'))} | "
            f"{_f(pct(r.gateway_ms, 95))} / {_f(pct(r.floor_ms, 95))} |"
        )
    last = results[-1] if results else None
    if last and last.base_usage and last.usage_end:
        per_kb = last.per_account("rss_kb") or 0
        cpu = (last.cpu - last.base_cpu) / max(1, last.n)
        fds = last.per_account("fds") or 0
        dovecot_kb = last.dovecot_usage.pss_kb if last.dovecot_usage else 0
        share = 10_000 / (last.n + 1)
        print(
            f"\nLinear extrapolation from {last.n:,} to 10,000 accounts: RSS "
            f"{(last.base_usage.rss_kb + 10_000 * per_kb) / 1024 / 1024:.1f} GiB, idle CPU "
            f"{(last.base_cpu + 10_000 * cpu) * 100:.0f} % of a core, "
            f"{last.base_usage.fds + 10_000 * fds:,.0f} fds; Dovecot "
            f"{share * last.dovecot_imap:,.0f} imap processes, "
            f"{share * dovecot_kb / 1024 / 1024:.1f} GiB PSS"
        )


def probe_analysis(r: Result, gateway_dir: Path, top: int = 15) -> list[str]:
    """Per account differences between the two probes (bench/scaleprobe.py)."""
    a, b = r.base_probe, r.probe
    if not a or not b or not r.n:
        return []
    n = r.n
    out = []
    tasks = Counter(b["tasks"])
    tasks.subtract(a["tasks"])
    total_tasks = sum(b["tasks"].values()) - sum(a["tasks"].values())
    out.append(f"asyncio tasks per account: {total_tasks / n:.2f}")
    for name, diff in tasks.most_common(8):
        if diff / n >= 0.05:
            out.append(f"  {diff / n:6.2f}  {name}")
    types = Counter(b["types"])
    types.subtract(a["types"])
    total_objects = sum(b["types"].values()) - sum(a["types"].values())
    out.append(f"gc-tracked objects per account: {total_objects / n:,.0f}; the most:")
    for name, diff in types.most_common(top):
        out.append(f"  {diff / n:8.1f}  {name}")
    ma, mb = a.get("malloc") or {}, b.get("malloc") or {}
    if ma and mb:
        out.append(
            "malloc per account (kB): in use {:.1f}, free but held {:.1f}, mmapped {:.1f}".format(
                *((mb[k] - ma[k]) / n / 1024 for k in ("uordblks", "fordblks", "hblkhd"))
            )
        )
    blocks = (b["allocated_blocks"] - a["allocated_blocks"]) / n
    out.append(f"Python allocated blocks per account: {blocks:,.0f}")
    if a.get("tracemalloc") and b.get("tracemalloc"):
        out += _tracemalloc_diff(a, b, n, gateway_dir, top)
    return out


def _tracemalloc_diff(a: dict, b: dict, n: int, gateway_dir: Path, top: int) -> list[str]:
    import tracemalloc

    out = [
        f"traced Python memory per account: "
        f"{(b['traced_bytes'] - a['traced_bytes']) / n / 1024:.1f} kB; by line:"
    ]
    before = tracemalloc.Snapshot.load(a["tracemalloc"])
    after = tracemalloc.Snapshot.load(b["tracemalloc"])
    prefix = str(gateway_dir) + "/"
    for stat in after.compare_to(before, "lineno")[:top]:
        frame = stat.traceback[0]
        where = frame.filename.replace(prefix, "").split("site-packages/")[-1]
        out.append(
            f"  {stat.size_diff / n / 1024:7.2f} kB {stat.count_diff / n:7.1f} blocks  "
            f"{where}:{frame.lineno}"
        )
    return out


def profile_summary(path: Path, gateway_dir: Path, top: int = 12) -> list[str]:
    """The functions most often on the stack (inclusive) and on top of it (self), in
    py-spy's raw output (``frame;frame;... count``, outermost first)."""
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = 0
    prefix = str(gateway_dir) + "/"
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_frame_name(f, prefix) for f in stack.split(";")]
        for name in set(frames):
            inclusive[name] += count
        leaf[frames[-1]] += count
    if not total:
        return ["  no samples"]
    out = [f"  {total} samples (50/s, idle threads not sampled); inclusive, gateway code:"]
    mine = [(n, c) for n, c in _ranked(inclusive) if "gateway/" in n]
    out += [f"  {c / total:6.1%}  {n}" for n, c in mine[:top]]
    out.append("  self (top of the stack):")
    out += [f"  {c / total:6.1%}  {n}" for n, c in _ranked(leaf)[:top]]
    return out


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _frame_name(frame: str, prefix: str) -> str:
    """``func (path:line)`` -> ``func (short path)``: lines merged, paths shortened."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0].replace(prefix, "")
    return f"{name} ({where.split('site-packages/')[-1].split('/lib/python3.11/')[-1]})"
