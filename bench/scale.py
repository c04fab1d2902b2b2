"""Scale benchmark: what a watched account costs, how fast N accounts start watching, and
how fast events arrive with N accounts watched (issue #15).

Run by hand (not in CI), as root, from the repository root:

    .venv/bin/python bench/scale.py --accounts 100,1000 [--deliveries-per-second 10]
        [--duration 60] [--floor-accounts 100] [--workers 1] [--server dovecot]

For each N (a fresh run each): starts a private Dovecot + Postfix (tests/mailstack.py) with
limits for that many IDLE clients (``dovecot_limits``; the kernel's inotify limits and the
open-file limit are raised too, see bench/README.md "Scale"), starts the gateway as its own
process (``bench/scaleprobe.py serve``, i.e. ``mailgate serve``, on SQLite unless
``--database-url``), and then:

1. adds one account and measures the gateway (RSS, PSS, USS, fds from /proc; CPU over an
   idle window): the baseline;
2. adds N accounts through ``POST /v1/accounts`` (IMAP + SMTP, STARTTLS) and times until
   each watcher's ``account.connected`` (source ``watcher``) is on the SSE stream;
3. measures again at steady state: per watched account = (figure with N+1 accounts -
   baseline) / N; also the gateway's connections per account and Dovecot's processes;
   then the start-up floor: a plain client opens one IDLE session per account,
   ``--login-concurrency`` at a time, and closes them again;
4. delivers ``--deliveries-per-second`` messages through Postfix (submission, STARTTLS,
   AUTH; the clock starts at DATA's 250) spread over the N accounts for ``--duration``
   seconds, and times each ``message.new`` on the gateway's SSE stream; in the same run
   a raw IMAP client of this process, in IDLE on ``--floor-accounts`` of the accounts,
   times ``* n EXISTS`` for the deliveries to those: the floor;
5. restarts the gateway (same database and port) and times until all N+1 accounts are
   watching again, since the process started; measures its memory again.

It prints a table per N with the targets next to the figures, what the gateway and
Dovecot logged as warnings, and (with probes) where the memory per account goes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import uvloop  # noqa: E402

from bench import procstat  # noqa: E402
from bench.leanhttp import LeanHttp  # noqa: E402
from bench.scaleclients import Deliverer, EventFeed, IdleFloor  # noqa: E402
from bench.scalereport import (  # noqa: E402
    Result,
    print_result,
    print_summary,
    probe_analysis,
    profile_summary,
)
from tests.mailstack import MailStack, make_stack_dir, start_mailstack  # noqa: E402

ADMIN = "scale-admin-" + secrets.token_hex(8)
BASE_ACCOUNT = "scale-base"
FEED_TYPES = "account.connected,account.error,message.new"
# IMAP connections Dovecot must take per watched account: the watcher's IDLE and poller
# sessions and the request pool (GATEWAY_IMAP_POOL_SIZE, 3), with room to spare.
CONNECTIONS_PER_ACCOUNT = 6


def dovecot_limits(connections: int) -> str:
    """Dovecot settings for ``connections`` IMAP clients at once (dovecot-local.conf).

    Every IMAP client is an ``imap`` process (client_limit 1) that keeps a connection to
    the log, stats and anvil services; the login processes (``service_count = 0``: a few
    processes serving every client) proxy TLS for the whole session, so each of them
    must take all clients. ``default_client_limit`` covers auth, anvil, log and stats.
    """
    return f"""# Written by bench/scale.py: {connections} IMAP clients at once.
default_client_limit = {connections}
service imap {{
  process_limit = {connections}
}}
service imap-login {{
  service_count = 0
  process_min_avail = 2
  process_limit = 4
  client_limit = {connections}
  vsz_limit = 1G
}}
"""


def raise_limits(connections: int) -> list[str]:
    """Raise (never lower) the open-file limit that Dovecot and the gateway inherit, and the
    kernel's inotify limits (one instance per IDLE process, all of the mail user's uid).
    Returns what was done or could not be done."""
    notes = []
    wanted = 4 * connections + 4096
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if os.geteuid() == 0 and hard != resource.RLIM_INFINITY and hard < wanted:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, wanted))
            soft, hard = wanted, wanted
    if soft != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    notes.append(f"ulimit -n {soft}")
    for name, need in (("max_user_instances", connections), ("max_user_watches", 16 * connections)):
        path = Path("/proc/sys/fs/inotify") / name
        current = int(path.read_text())
        if current >= need:
            notes.append(f"fs.inotify.{name} {current}")
            continue
        try:
            path.write_text(str(need))
            notes.append(f"fs.inotify.{name} {current} -> {need}")
        except OSError as exc:
            notes.append(
                f"fs.inotify.{name} {current} (< {need}, not raised: {exc.strerror}; "
                f"as root: sysctl -w fs.inotify.{name}={need})"
            )
    return notes


class Gateway:
    """The gateway as its own process (so /proc tells what it costs)."""

    def __init__(self, args: argparse.Namespace, stack_dir: Path, port: int) -> None:
        self.port = port
        self.log_path = stack_dir / "gateway.log"
        self.probe_dir = stack_dir / "probes"
        self.probe_dir.mkdir(exist_ok=True)
        self._probes = 0
        db = args.database_url or f"sqlite+aiosqlite:///{stack_dir}/scale.db"
        self.env = {
            **os.environ,
            "GATEWAY_ADMIN_TOKEN": ADMIN,
            "GATEWAY_SECRET_KEY": "bench",
            "GATEWAY_DATABASE_URL": db,
            "GATEWAY_PORT": str(port),
            "GATEWAY_LOG_LEVEL": "warning",
            "PYTHONPATH": str(args.gateway_dir),
            "SCALE_PROBE_DIR": str(self.probe_dir),
            "SCALE_TRACEMALLOC": str(args.tracemalloc or ""),
        }
        for item in args.gateway_env:
            key, _, value = item.partition("=")
            self.env[key] = value
        self.cmd = [args.python, str(ROOT / "bench" / "scaleprobe.py"), "serve"]
        if args.workers > 1:
            self.cmd += ["--workers", str(args.workers)]
        self.cwd = args.gateway_dir
        self.proc: subprocess.Popen | None = None
        self.started_wall = 0.0

    def start(self, timeout: float = 60) -> float:
        """Start and wait for /healthz; returns the wall time the process was started."""
        log = open(self.log_path, "ab")  # noqa: SIM115 (the child keeps it)
        self.started_wall = time.time()
        self.proc = subprocess.Popen(
            self.cmd,
            cwd=self.cwd,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"the gateway exited ({self.proc.returncode}):\n" + self.log_tail()
                )
            if _healthy(self.port):
                return self.started_wall
            time.sleep(0.05)
        raise RuntimeError(
            f"the gateway did not answer /healthz in {timeout} s:\n" + self.log_tail()
        )

    def pids(self) -> list[int]:
        assert self.proc is not None
        return procstat.children_of(self.proc.pid)

    def probe(self, timeout: float = 120) -> dict | None:
        """A probe report (bench/scaleprobe.py), or None when it did not come in time."""
        assert self.proc is not None
        self._probes += 1
        path = self.probe_dir / f"probe-{self._probes}.json"
        os.kill(self.proc.pid, signal.SIGUSR2)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if path.exists():
                return json.loads(path.read_text())
            time.sleep(0.1)
        return None

    def stop(self, timeout: float = 60) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


def _die_with_parent() -> None:
    """The gateway gets SIGTERM when this harness dies (even by SIGKILL)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _healthy(port: int) -> bool:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def account_spec(
    stack: MailStack, account_id: str, email: str, security: str, imap_only: bool
) -> dict:
    port = {"starttls": stack.imap, "tls": stack.imaps, "none": stack.imap}[security]
    server = {
        "host": stack.host,
        "security": security,
        "username": email,
        "password": stack.password,
        "ca_file": str(stack.cert),
    }
    spec = {"id": account_id, "name": account_id, "email": email, "imap": {**server, "port": port}}
    if not imap_only:
        smtp_port = stack.smtps if security == "tls" else stack.submission
        spec["smtp"] = {**server, "port": smtp_port}
    return spec


async def add_accounts(port: int, specs: list[dict], concurrency: int) -> list[str]:
    """POST every spec (``concurrency`` connections); returns the failures."""
    queue: asyncio.Queue[dict] = asyncio.Queue()
    for spec in specs:
        queue.put_nowait(spec)
    failures: list[str] = []

    async def worker() -> None:
        http = LeanHttp(port, ADMIN)
        try:
            while not queue.empty():
                spec = queue.get_nowait()
                try:
                    async with asyncio.timeout(60):
                        status, body = await http.post_json("/v1/accounts", spec)
                except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
                    failures.append(f"{spec['id']}: {exc!r}")
                    await http.close()
                    continue
                if status != 201:
                    failures.append(f"{spec['id']}: HTTP {status} {body[:200]!r}")
        finally:
            await http.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return failures


@contextlib.contextmanager
def spying(args: argparse.Namespace, gateway: Gateway, phase: str, seconds: float):
    """With ``--py-spy``: samples the gateway's stacks (``py-spy record``, raw format) for
    ``seconds``; yields the output file (None without py-spy). Exit waits for it."""
    if not args.py_spy:
        yield None
        return
    out = gateway.probe_dir / f"py-spy-{phase}.txt"
    assert gateway.proc is not None
    proc = subprocess.Popen(
        [
            args.py_spy,
            "record",
            "--format",
            "raw",
            "--nonblocking",
            "--rate",
            "50",
            "--duration",
            str(max(1, round(seconds))),
            "--output",
            str(out),
            "--pid",
            str(gateway.proc.pid),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield out
    finally:
        try:
            proc.wait(seconds + 30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def plan_deliveries(accounts: list[str], sampled: set[str], count: int) -> list[str]:
    """The recipients of ``count`` deliveries: every account in turn (in an order shuffled
    once), with the ``sampled`` ones spread evenly through it, so that any stretch of the
    plan reaches them in proportion to their number."""
    rng = random.Random(15)
    inside = [a for a in accounts if a in sampled]
    outside = [a for a in accounts if a not in sampled]
    rng.shuffle(inside)
    rng.shuffle(outside)
    cycle: list[str | None] = [None] * len(accounts)
    for i, account in enumerate(inside):
        cycle[i * len(accounts) // len(inside)] = account
    rest = iter(outside)
    order = [a if a is not None else next(rest) for a in cycle]
    return [order[i % len(order)] for i in range(count)] if order else []


async def cpu_window(pids: list[int], seconds: float) -> tuple[float, float]:
    """(CPU seconds per second of ``pids``, share of the machine busy) over ``seconds``."""
    cpu0, (busy0, total0), t0 = procstat.cpu_of(pids), procstat.machine_ticks(), time.monotonic()
    await asyncio.sleep(seconds)
    cpu1, (busy1, total1), t1 = procstat.cpu_of(pids), procstat.machine_ticks(), time.monotonic()
    return (cpu1 - cpu0) / (t1 - t0), (busy1 - busy0) / max(1, total1 - total0)


def watch_times(feed: EventFeed, accounts: list[str], since: float) -> dict[str, float | None]:
    """Seconds from ``since`` until 50 %, 90 % and all of ``accounts`` were watching."""
    times = sorted(feed.watching[a] - since for a in accounts if a in feed.watching)
    out: dict[str, float | None] = {}
    for label, share in (("50%", 0.5), ("90%", 0.9), ("all", 1.0)):
        need = max(1, round(share * len(accounts)))
        out[label] = times[need - 1] if len(times) >= need else None
    return out


@dataclass
class Run:
    """One N: the stack, the gateway and what was measured."""

    args: argparse.Namespace
    n: int
    stack: MailStack
    gateway: Gateway
    result: Result
    accounts: dict[str, str] = field(default_factory=dict)  # id -> email


async def phases(run: Run) -> None:
    args, gw, stack, res = run.args, run.gateway, run.stack, run.result
    feed = EventFeed(gw.port, ADMIN, FEED_TYPES)
    feed_task = asyncio.create_task(feed.run())
    try:
        if not await feed.wait_for(feed.up.is_set, 30):
            raise RuntimeError("GET /v1/events did not start streaming in 30 s")
        # 1. Baseline: one account.
        base = account_spec(
            stack, BASE_ACCOUNT, f"{BASE_ACCOUNT}@{stack.domain}", args.security, args.imap_only
        )
        if await add_accounts(gw.port, [base], 1):
            raise RuntimeError("the baseline account could not be added")
        if not await feed.wait_for(lambda: BASE_ACCOUNT in feed.watching, 60):
            raise RuntimeError(
                f"the baseline account is not watching after 60 s; errors {feed.error_samples}"
            )
        await asyncio.sleep(args.settle)
        res.base_usage = procstat.usage(gw.pids())
        res.base_cpu, res.base_busy = await cpu_window(gw.pids(), args.idle_window)
        if args.probe:
            res.base_probe = await asyncio.to_thread(gw.probe)

        # 2. N accounts through the API.
        specs = [
            account_spec(
                stack,
                f"scale{i:05d}",
                f"scale{i:05d}@{stack.domain}",
                args.security,
                args.imap_only,
            )
            for i in range(run.n)
        ]
        run.accounts = {s["id"]: s["email"] for s in specs}
        first_post = time.time()
        res.add_failures = await add_accounts(gw.port, specs, args.http_connections)
        res.add_seconds = time.time() - first_post
        ids = list(run.accounts)
        await feed.wait_for(lambda: all(a in feed.watching for a in ids), args.watch_timeout)
        res.watch_after_add = watch_times(feed, ids, first_post)
        res.watching = sum(a in feed.watching for a in ids)
        res.errors_at_start = Counter(feed.errors)

        # 3. Steady state.
        await asyncio.sleep(args.settle)
        res.usage = procstat.usage(gw.pids())
        with spying(args, gw, "idle", args.idle_window) as profile:
            res.cpu, res.busy = await cpu_window(gw.pids(), args.idle_window)
        res.profiles["idle"] = profile
        res.usage_end = procstat.usage(gw.pids())
        res.connections = procstat.connections_to(gw.pids(), stack.ports)
        dovecot = [pid for pid, _ in stack.processes()]
        res.dovecot_usage = procstat.usage(dovecot)
        res.dovecot_imap = sum(
            1 for _, cmd in stack.processes() if "/imap" in cmd and "imap-login" not in cmd
        )
        if args.probe:
            res.probe = await asyncio.to_thread(gw.probe)

        # 3b. The floor for the start-up: raw IDLE sessions, one per account.
        if args.login_concurrency > 0:
            await login_floor(run)

        # 4. Deliveries, against the raw IDLE floor.
        if args.duration > 0:
            await deliveries(run, feed)

        # 5. Restart: the time until every account watches again, since the process start.
        if args.restart:
            await restart(run, feed, feed_task)
    finally:
        feed_task.cancel()
        with contextlib.suppress(BaseException):
            await feed_task


async def login_floor(run: Run) -> None:
    """How fast this Dovecot takes one IDLE session per account from a plain client: connect,
    STARTTLS, LOGIN, SELECT INBOX, IDLE, ``--login-concurrency`` at a time (then closed)."""
    args, stack, res = run.args, run.stack, run.result
    ctx = stack.ssl_context()
    port = stack.imaps if args.security == "tls" else stack.imap
    gate = asyncio.Semaphore(args.login_concurrency)
    floors = [
        IdleFloor(stack.host, port, args.security, ctx, email, stack.password, lambda n, when: None)
        for email in run.accounts.values()
    ]
    tasks: list[asyncio.Task] = []

    async def one(floor: IdleFloor) -> None:
        async with gate:
            task = asyncio.create_task(floor.run())
            tasks.append(task)
            ready = asyncio.ensure_future(floor.ready.wait())
            await asyncio.wait([task, ready], return_when=asyncio.FIRST_COMPLETED)
            ready.cancel()

    started = time.monotonic()
    try:
        async with asyncio.timeout(args.watch_timeout):
            await asyncio.gather(*(one(f) for f in floors))
        res.login_floor_seconds = time.monotonic() - started
    except TimeoutError:
        pass
    finally:
        res.login_floor_failed = sum(not f.ready.is_set() for f in floors)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(2)  # Dovecot's imap processes of those sessions end


async def deliveries(run: Run, feed: EventFeed) -> None:
    args, stack, res = run.args, run.stack, run.result
    rng = random.Random(7)
    ids = list(run.accounts)
    sampled = set(rng.sample(ids, min(args.floor_accounts, len(ids))))
    count = int(args.duration * args.deliveries_per_second)
    plan = plan_deliveries(ids, sampled, count)
    tag = secrets.token_hex(3)
    subjects = [f"scale {i} {tag}" for i in range(count)]
    to_account: dict[str, list[int]] = {}
    for i, account in enumerate(plan):
        to_account.setdefault(account, []).append(i)
    floor_at: dict[int, float] = {}

    def on_exists(account: str):
        def record(n: int, when: float) -> None:
            # EXISTS n: messages 1..n are in (one push may cover several deliveries).
            for i in to_account.get(account, [])[:n]:
                floor_at.setdefault(i, when)

        return record

    ctx = stack.ssl_context()
    port = stack.imaps if args.security == "tls" else stack.imap
    floors = [
        IdleFloor(
            stack.host, port, args.security, ctx, run.accounts[a], stack.password, on_exists(a)
        )
        for a in sorted(sampled)
    ]
    floor_tasks: list[asyncio.Task] = []
    gate = asyncio.Semaphore(10)  # not a login storm of our own

    async def open_floor(floor: IdleFloor) -> None:
        async with gate:
            task = asyncio.create_task(floor.run())
            floor_tasks.append(task)
            await asyncio.wait(
                [task, asyncio.ensure_future(floor.ready.wait())],
                return_when=asyncio.FIRST_COMPLETED,
            )

    deliverer = Deliverer(
        stack.host, stack.submission, ctx, f"scale-sender@{stack.domain}", stack.password
    )
    try:
        async with asyncio.timeout(120):
            await asyncio.gather(*(open_floor(f) for f in floors), deliverer.open())
        res.floor_sessions = sum(f.ready.is_set() for f in floors)
        await asyncio.sleep(2)  # the floor's IDLE is in place (Dovecot notifies after it)
        sent_at: dict[int, float] = {}
        late = 0.0
        pids = run.gateway.pids()
        cpu0, t0 = procstat.cpu_of(pids), time.monotonic()
        spy = spying(args, run.gateway, "deliveries", count / args.deliveries_per_second)
        res.profiles["deliveries"] = spy.__enter__()

        async def send(i: int) -> None:
            with contextlib.suppress(Exception):
                sent_at[i] = await deliverer.send(run.accounts[plan[i]], subjects[i])

        sends = []
        for i in range(count):
            due = t0 + i / args.deliveries_per_second
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                late = max(late, -delay)
            sends.append(asyncio.create_task(send(i)))
        await asyncio.wait(sends, timeout=60)

        def complete() -> bool:
            return all(s in feed.arrived for s in subjects) and all(
                i in floor_at for i in range(count) if plan[i] in sampled
            )

        await feed.wait_for(complete, args.drain)
        elapsed = time.monotonic() - t0
        cpu = procstat.cpu_of(pids) - cpu0
        await asyncio.to_thread(spy.__exit__, None, None, None)
    finally:
        await deliverer.close()
        for task in floor_tasks:
            task.cancel()
        await asyncio.gather(*floor_tasks, return_exceptions=True)
    res.deliveries = count
    res.sent = len(sent_at)
    res.schedule_late = late
    res.gateway_ms = [
        (feed.arrived[subjects[i]] - t) * 1000
        for i, t in sent_at.items()
        if subjects[i] in feed.arrived
    ]
    res.gateway_sampled_ms = [
        (feed.arrived[subjects[i]] - t) * 1000
        for i, t in sent_at.items()
        if plan[i] in sampled and subjects[i] in feed.arrived
    ]
    res.floor_ms = [(floor_at[i] - t) * 1000 for i, t in sent_at.items() if i in floor_at]
    res.floor_expected = sum(1 for i in sent_at if plan[i] in sampled)
    slices: dict[int, list[float]] = {}
    for i, t in sent_at.items():
        if subjects[i] in feed.arrived:
            latency = (feed.arrived[subjects[i]] - t) * 1000
            slices.setdefault(int((t - t0) // 10), []).append(latency)
    res.gateway_by_slice = [slices.get(k, []) for k in range(max(slices, default=-1) + 1)]
    res.duplicates = feed.duplicates
    res.errors_later = feed.errors - res.errors_at_start
    res.cpu_per_event_ms = max(0.0, cpu - res.cpu * elapsed) / max(1, len(res.gateway_ms)) * 1000


async def restart(run: Run, feed: EventFeed, feed_task: asyncio.Task) -> None:
    gw, res, args = run.gateway, run.result, run.args
    last_id = feed.last_id
    feed_task.cancel()
    with contextlib.suppress(BaseException):
        await feed_task
    t = time.monotonic()
    await asyncio.to_thread(gw.stop)
    res.stop_seconds = time.monotonic() - t
    started = await asyncio.to_thread(gw.start)
    res.healthy_after_restart = time.time() - started
    again = EventFeed(gw.port, ADMIN, FEED_TYPES, since=started)
    task = asyncio.create_task(again.run(last_event_id=last_id))
    try:
        ids = [BASE_ACCOUNT, *run.accounts]

        await again.wait_for(lambda: all(a in again.watching for a in ids), args.watch_timeout)
        res.watch_after_restart = watch_times(again, ids, started)
        res.restart_errors = again.errors
        await asyncio.sleep(args.settle)
        res.usage_restart = procstat.usage(gw.pids())
    finally:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task


def log_findings(path: Path, pattern: str, limit: int = 6) -> list[str]:
    """Distinct warning lines of a log (timestamps, pids, ids and numbers blurred)."""
    found: Counter[str] = Counter()
    with contextlib.suppress(OSError):
        for line in path.read_text(errors="replace").splitlines():
            if re.search(pattern, line):
                text = re.sub(r"^\w{3} \d\d \d\d:\d\d:\d\d |^[\d-]+ [\d:,]+ ", "", line)
                text = re.sub(r"\(\d+\)|session=<[^>]*>|scale\d+|\d+", "#", text)
                found[text[:160]] += 1
    return [f"{count} x {text}" for text, count in found.most_common(limit)]


def run_size(args: argparse.Namespace, n: int) -> Result:
    connections = CONNECTIONS_PER_ACCOUNT * (n + 1) + args.floor_accounts + 500
    result = Result(n=n, limits=raise_limits(connections), load_start=procstat.load_average())
    stack_dir = make_stack_dir("scale-bench-")
    (stack_dir / "dovecot-local.conf").write_text(dovecot_limits(connections))
    print(f"\n== {n} accounts: stack in {stack_dir}, load {result.load_start}", flush=True)
    stack = None
    gateway = None
    finished = False
    try:
        stack = start_mailstack(stack_dir)
        gateway = Gateway(args, stack_dir, free_port())
        gateway.start()
        with contextlib.suppress(OSError):
            result.gateway_code = (gateway.probe_dir / "gateway-path").read_text()
        run = Run(args, n, stack, gateway, result)
        uvloop.run(phases(run))
        finished = True
        try:
            result.analysis = probe_analysis(result, args.gateway_dir)
            for phase, path in result.profiles.items():
                if path is not None and path.exists():
                    result.analysis += [
                        f"py-spy, {phase} (where the samples are):",
                        *profile_summary(path, args.gateway_dir),
                    ]
        except Exception as exc:  # a figure less, not a run less
            result.analysis.append(f"analysis failed: {exc!r}")
    finally:
        if gateway is not None:
            gateway.stop()
            result.gateway_log = log_findings(gateway.log_path, r"WARNING|ERROR|CRITICAL")
        if stack is not None:
            result.dovecot_log = log_findings(
                stack.dir / "log" / "dovecot.log", r"Warning|Error|Fatal|Panic"
            )
            stack.stop()
        result.load_end = procstat.load_average()
        if args.keep or not finished:
            print(f"kept {stack_dir}", flush=True)
        else:
            shutil.rmtree(stack_dir, ignore_errors=True)
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--accounts",
        default="100,1000",
        help="comma-separated sizes, each a fresh run (default 100,1000)",
    )
    p.add_argument("--deliveries-per-second", type=float, default=10.0)
    p.add_argument("--duration", type=float, default=60.0, help="seconds of deliveries (0: none)")
    p.add_argument(
        "--floor-accounts",
        type=int,
        default=100,
        help="accounts the raw IDLE floor watches too (default 100)",
    )
    p.add_argument("--workers", type=int, default=1, help="mailgate serve --workers N")
    p.add_argument("--server", choices=["dovecot"], default="dovecot")
    p.add_argument("--security", choices=["starttls", "tls", "none"], default="starttls")
    p.add_argument("--imap-only", action="store_true", help="accounts without an SMTP block")
    p.add_argument(
        "--idle-window",
        type=float,
        default=20.0,
        help="seconds over which the idle CPU is measured",
    )
    p.add_argument(
        "--settle", type=float, default=5.0, help="seconds to wait before measuring memory"
    )
    p.add_argument("--watch-timeout", type=float, default=300.0)
    p.add_argument(
        "--drain",
        type=float,
        default=30.0,
        help="seconds to wait for events after the last delivery",
    )
    p.add_argument("--no-restart", dest="restart", action="store_false")
    p.add_argument(
        "--no-probe",
        dest="probe",
        action="store_false",
        help="skip the in-process probes (task and object counts)",
    )
    p.add_argument(
        "--py-spy",
        default=shutil.which("py-spy") or "",
        metavar="PATH",
        help="py-spy binary: profile the idle window and the deliveries "
        "(default: py-spy on PATH, if any)",
    )
    p.add_argument(
        "--tracemalloc",
        type=int,
        default=0,
        metavar="FRAMES",
        help="trace allocations (RSS figures then include tracemalloc's own)",
    )
    p.add_argument(
        "--login-concurrency",
        type=int,
        default=16,
        help="the start-up floor: raw IDLE sessions, one per account, opened this "
        "many at a time (0: skip)",
    )
    p.add_argument("--http-connections", type=int, default=4, help="concurrent POST /v1/accounts")
    p.add_argument(
        "--gateway-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the gateway (repeatable)",
    )
    p.add_argument(
        "--gateway-dir",
        type=Path,
        default=ROOT,
        help="the tree whose gateway runs (default: this one)",
    )
    p.add_argument("--python", default=sys.executable)
    p.add_argument(
        "--database-url",
        default="",
        help="an EMPTY database for the gateway (default: SQLite per run)",
    )
    p.add_argument("--json", type=Path, help="also write the results there")
    p.add_argument("--keep", action="store_true", help="keep the stack directories")
    args = p.parse_args(argv)
    args.sizes = [int(v) for v in args.accounts.split(",") if v.strip()]
    return args


def main() -> None:
    args = parse_args()
    if os.geteuid() != 0:
        sys.exit("bench/scale.py needs root (the mail stack switches users)")
    # Ctrl-C and SIGTERM end the run at once; the finally blocks of run_size stop the
    # gateway and the stack. (asyncio.Runner's own SIGINT handler only cancels the main
    # task, which did not always end the run under uvloop.)
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    commit = subprocess.run(
        ["git", "-C", str(args.gateway_dir), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(args.gateway_dir), "status", "--porcelain", "--", "gateway"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    tree = f"commit {commit}" if commit else f"the tree in {args.gateway_dir}"
    header = (
        f"{tree}{' + uncommitted gateway/ changes' if dirty else ''}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs"
    )
    results = []
    for n in args.sizes:
        result = run_size(args, n)
        print_result(result, args)
        results.append(result)
    print_summary(results, header)
    if args.json:
        args.json.write_text(json.dumps([r.as_dict() for r in results], indent=1, default=str))


if __name__ == "__main__":
    main()
