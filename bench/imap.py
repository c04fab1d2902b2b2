"""IMAP benchmark: the gateway against raw IMAP on the same server, in the same run.

Run by hand (not in CI), from the repository root:

    .venv/bin/python bench/imap.py [--messages 10000] [--rounds 200] [--server cyrus]

Starts a private Dovecot (tests/mailstack.py; with ``--server cyrus`` also a Cyrus beside
it, tests/cyrusstack.py, which then is the IMAP server measured), seeds an INBOX of 10,000
messages plus one of 20 MB (Dovecot: straight into the Maildir; Cyrus: MULTIAPPEND),
starts the gateway as a real server (``python -m gateway serve``: uvicorn with uvloop and
httptools) and compares, each row with the raw-IMAP figure measured in this run (stdlib
imaplib on warm STARTTLS connections, fetching the same items, no parsing):

- list newest 50, p50 sequential               target: gateway/raw <= 2.0
- the same with 8 concurrent clients (req/s)    target: gateway/raw >= 0.5
- get one parsed message, p50                   target: gateway/raw <= 3.0
- list p50 while 4 clients download 20 MB        target: loaded/unloaded <= 1.5
  (and, for reference, while 4 slow clients download at 2 MB/s each)
- one FETCH of N lines: our reader vs aioimaplib's (its quadratic defect)

``--no-quickack`` runs the gateway without the IMAP wire's TCP_QUICKACK, to see the ~40 ms
delayed-ACK stall it prevents on Cyrus (which answers a pipelined FETCH + NOOP in two writes).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import imaplib
import multiprocessing
import os
import secrets
import socket
import ssl
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.leanhttp import LeanHttp, download  # noqa: E402
from tests.cyrusstack import remove, start_cyrus  # noqa: E402
from tests.mailstack import MailStack, make_stack_dir, start_mailstack  # noqa: E402

LIST_ITEMS = "(UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE INTERNALDATE)"
# `gateway serve` without the IMAP wire's TCP_QUICKACK (the delayed-ACK stall, for comparison)
NO_QUICKACK = (
    "import sys; import gateway.protocols.imap.wire as w; w._TCP_QUICKACK = None; "
    "from gateway.__main__ import main; sys.exit(main())"
)
ADMIN = "bench-admin-" + secrets.token_hex(8)


def make_messages(count: int) -> list[bytes]:
    base = datetime(2024, 1, 1, tzinfo=UTC)
    out = []
    for i in range(count):
        date = format_datetime(base + timedelta(minutes=i))
        head = (
            f"From: Sender {i % 97} <sender{i % 97}@example.test>\r\n"
            f"To: Bench <bench@example.test>\r\nCc: cc{i % 7}@example.test\r\n"
            f"Subject: Benchmark message number {i} =?utf-8?q?gr=C3=BC=C3=9Fe?=\r\n"
            f"Date: {date}\r\nMessage-ID: <bench-{i}@example.test>\r\nMIME-Version: 1.0\r\n"
        )
        if i % 10 == 0:
            out.append(
                (
                    head + 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
                    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                    f"Body {i} " + "lorem ipsum " * 60 + "\r\n--b\r\n"
                    "Content-Type: application/octet-stream\r\n"
                    "Content-Transfer-Encoding: base64\r\n"
                    'Content-Disposition: attachment; filename="data.bin"\r\n\r\n'
                    + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\r\n" * 20
                    + "--b--\r\n"
                ).encode()
            )
        else:
            out.append(
                (
                    head + "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                    f"Body {i} " + "lorem ipsum dolor sit amet " * 50 + "\r\n"
                ).encode()
            )
    return out


def big_message(size: int) -> bytes:
    line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\r\n"
    return (
        b"From: big@example.test\r\nTo: bench@example.test\r\nSubject: big\r\n"
        b"Message-ID: <big@example.test>\r\n\r\n" + line * (size // len(line))
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gateway(
    stack: MailStack, port: int, command: list[str] | None = None, **settings: str
) -> subprocess.Popen:
    """``gateway serve`` (or ``command``) on ``port``, a SQLite store in the stack's directory
    unless ``GATEWAY_DATABASE_URL`` is among ``settings`` (more ``GATEWAY_*`` values)."""
    env = {
        **os.environ,
        "GATEWAY_ADMIN_TOKEN": ADMIN,
        "GATEWAY_SECRET_KEY": "bench",
        "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{stack.dir}/bench.db",
        "GATEWAY_PORT": str(port),
        "GATEWAY_LOG_LEVEL": "warning",
        **settings,
    }
    return subprocess.Popen(
        command or [sys.executable, "-m", "gateway", "serve"], cwd=ROOT, env=env
    )


async def wait_healthy(client: httpx.AsyncClient) -> None:
    """Until the gateway answers ``/healthz`` (10 s at most)."""
    for _ in range(100):
        with contextlib.suppress(httpx.TransportError):
            if (await client.get("/healthz")).status_code == 200:
                return
        await asyncio.sleep(0.1)


def imap_account(stack: MailStack, user: str, security: str = "starttls") -> dict:
    """The account ``bench`` of ``user``, IMAP only, trusting the stack's CA."""
    return {
        "id": "bench",
        "name": "bench",
        "email": user,
        "imap": {
            "host": stack.host,
            "port": stack.imap,
            "security": security,
            "username": user,
            "password": stack.password,
            "ca_file": str(stack.cert),
        },
    }


def p50(values: list[float]) -> float:
    return statistics.median(values)


SECURITY = "starttls"  # both sides alike; --security none compares plain IMAP


class QuickAckIMAP4(imaplib.IMAP4):
    """imaplib that acknowledges every line at once (TCP_QUICKACK), as the gateway's wire
    does: Cyrus answers in several writes and holds a later one under Nagle until the
    earlier is acknowledged, which a delayed ACK makes ~40 ms late (imaplib as is: ~44 ms
    for any FETCH on Cyrus, a floor of nothing but that stall)."""

    def readline(self) -> bytes:
        line = super().readline()
        with contextlib.suppress(OSError, AttributeError):
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        return line


class Raw:
    """stdlib imaplib on a warm, selected connection, secured like the gateway's account
    (STARTTLS with the certificate verified, unless --security none)."""

    def __init__(self, stack: MailStack, user: str) -> None:
        self.conn = QuickAckIMAP4(stack.host, stack.imap)
        if SECURITY == "starttls":
            self.conn.starttls(ssl.create_default_context(cafile=str(stack.cert)))
        self.conn.login(user, stack.password)
        self.conn.select("INBOX")

    def newest_uids(self, n: int) -> str:
        typ, data = self.conn.uid("SEARCH", "ALL")
        uids = data[0].split()[-n:]
        return b",".join(uids).decode()

    def fetch(self, uids: str, items: str) -> None:
        typ, _ = self.conn.uid("FETCH", uids, items)
        assert typ == "OK"

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.logout()


def time_calls(fn, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


async def atime_calls(fn, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - t)
    return out


async def interleaved(
    gateway_call, raw_call, rounds: int, blocks: int = 10
) -> tuple[list[float], list[float]]:
    """Gateway and raw timings in alternating blocks, so that load from elsewhere on the
    machine falls on both alike."""
    gw: list[float] = []
    rw: list[float] = []
    for _ in range(blocks):
        gw += await atime_calls(gateway_call, max(1, rounds // blocks))
        rw += time_calls(raw_call, max(1, rounds // blocks))
    return gw, rw


async def reader_vs_aioimaplib(stack: MailStack, user: str, lines: int) -> tuple[float, float]:
    """CPU time to read one FETCH response of ``lines`` lines: ours vs aioimaplib's reader."""
    import aioimaplib

    from gateway.protocols.imap.wire import ResponseReader

    raw = Raw(stack, user)
    try:
        # the exact bytes the server sends for it, captured with a plain socket read
        data = capture_fetch(stack, user, f"1:{lines}", "(UID FLAGS)")
    finally:
        raw.close()
    t = time.process_time()
    out = ResponseReader().feed(data)
    ours = time.process_time() - t
    assert len(out) == lines + 1

    loop = asyncio.get_running_loop()
    proto = aioimaplib.IMAP4ClientProtocol(loop)
    proto.state = aioimaplib.SELECTED
    cmd = aioimaplib.FetchCommand("A1", f"1:{lines}", "(UID FLAGS)", prefix="UID", loop=loop)
    proto.pending_async_commands["FETCH"] = cmd
    data = data.replace(b"G1 OK", b"A1 OK")
    # Fed one line per read (its per-read recursion would hit RecursionError on bigger
    # reads), which still shows its quadratic rescan of the FETCH lines.
    lines_in = data.splitlines(keepends=True)
    t = time.process_time()
    for line in lines_in:
        proto.data_received(line)
    theirs = time.process_time() - t
    assert cmd.response.result == "OK"
    return ours, theirs


def capture_fetch(stack: MailStack, user: str, uids: str, items: str) -> bytes:
    sock = socket.create_connection((stack.host, stack.imap))
    f = sock.makefile("rb")
    f.readline()
    sock.sendall(f'G0 LOGIN "{user}" "{stack.password}"\r\nG2 SELECT INBOX\r\n'.encode())
    while not f.readline().startswith(b"G2 "):
        pass
    sock.sendall(f"G1 UID FETCH {uids} {items}\r\n".encode())
    chunks = []
    while True:
        line = f.readline()
        chunks.append(line)
        if line.startswith(b"G1 "):
            break
    sock.close()
    return b"".join(chunks)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--big-mb", type=int, default=20)
    parser.add_argument(
        "--security",
        choices=["starttls", "none"],
        default="starttls",
        help="of the gateway's account and of the raw connections alike",
    )
    parser.add_argument(
        "--server",
        choices=["dovecot", "cyrus"],
        default="dovecot",
        help="the IMAP server measured (Cyrus is started beside Dovecot)",
    )
    parser.add_argument(
        "--no-quickack",
        action="store_true",
        help="run the gateway without its TCP_QUICKACK (to compare)",
    )
    args = parser.parse_args()
    global SECURITY
    SECURITY = args.security

    dovecot = start_mailstack(make_stack_dir("mailgate-bench-imap-"))
    cyrus = None
    gateway = None
    try:
        stack = dovecot
        if args.server == "cyrus":
            stack = cyrus = start_cyrus(dovecot)
        print(f"server: {args.server}", file=sys.stderr)
        user = stack.new_user("bench")
        t = time.perf_counter()
        stack.seed_maildir(user, [big_message(args.big_mb * 1024 * 1024)], index=False)
        count = stack.seed_maildir(user, make_messages(args.messages))
        print(f"seeded {count} messages in {time.perf_counter() - t:.1f} s", file=sys.stderr)

        port = free_port()
        command = [sys.executable, "-m", "gateway", "serve"]
        if args.no_quickack:
            command[1:3] = ["-c", NO_QUICKACK]
        gateway = start_gateway(stack, port, command)
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {ADMIN}"}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as client:
            await wait_healthy(client)
            spec = imap_account(stack, user, SECURITY)
            resp = await client.post("/v1/accounts", json=spec)
            assert resp.status_code == 201, resp.text
            list_url = "/v1/accounts/bench/mailboxes/INBOX/messages"
            for _ in range(20):  # warm: sessions, summary cache of the newest 50
                assert (await client.get(list_url)).status_code == 200
            # The account's watcher takes a first look at all 10,000 messages (sync state):
            # a one-off cost that is not what this benchmark measures. Wait until it is done.
            await wait_quiet(gateway.pid)
            page = (await client.get(list_url)).json()
            assert page["total"] == count and len(page["items"]) == 50
            msg_url = f"/v1/accounts/bench/messages/{page['items'][0]['id']}"
            big = (await client.get(list_url, params={"subject": "big"})).json()["items"][0]
            raw_url = f"/v1/accounts/bench/messages/{big['id']}/raw"

            lean = LeanHttp(port, ADMIN)  # the load client of the measurements

            async def lean_get(path: str) -> None:
                status, _ = await lean.get(path)
                assert status == 200, status

            raw = Raw(stack, user)
            uids = raw.newest_uids(50)
            newest = uids.rsplit(",", 1)[-1]
            rows = []

            # 0. the floor: an HTTP round trip to the gateway that touches no mail server
            floor = await atime_calls(lambda: lean_get("/healthz"), args.rounds)
            print(f"HTTP floor (GET /healthz) p50 {p50(floor) * 1e3:.2f} ms", file=sys.stderr)

            # 1. list newest 50, sequential
            gw, rw = await interleaved(
                lambda: lean_get(list_url), lambda: raw.fetch(uids, LIST_ITEMS), args.rounds
            )
            rows.append(("list newest 50, p50 (ms)", p50(gw) * 1e3, p50(rw) * 1e3, "<= 2.0"))
            unloaded = p50(gw)

            # 2. 8 concurrent clients, throughput
            duration = 3.0
            gw_cpu, own_cpu = proc_cpu(gateway.pid), time.process_time()
            gw_rate = await gateway_throughput(port, list_url, 8, duration)
            print(
                f"8 clients: gateway used {(proc_cpu(gateway.pid) - gw_cpu) / duration:.0%} "
                f"of a CPU, this client {(time.process_time() - own_cpu) / duration:.0%}",
                file=sys.stderr,
            )
            rw_rate = raw_throughput(stack, user, uids, 8, duration)
            rows.append(("list newest 50, 8 clients (req/s)", gw_rate, rw_rate, ">= 0.5"))

            # 3. one parsed message
            gw, rw = await interleaved(
                lambda: lean_get(msg_url), lambda: raw.fetch(newest, "(BODY.PEEK[])"), args.rounds
            )
            rows.append(
                ("get one parsed message, p50 (ms)", p50(gw) * 1e3, p50(rw) * 1e3, "<= 3.0")
            )
            raw.close()

            # 4. list while 4 clients (another process) download 20 MB each, over and over:
            # as fast as they can (the target row), then as slow clients (2 MB/s each).
            for rate, name in (
                (None, "list p50 during 4x20 MB downloads (ms)"),
                (2e6, "  the same, downloads at 2 MB/s each (ms)"),
            ):
                stop = multiprocessing.Event()
                counter = multiprocessing.Value("q", 0)
                proc = multiprocessing.Process(
                    target=download_loop, args=(port, raw_url, 4, stop, counter, rate)
                )
                proc.start()
                while counter.value < 4 * 1024 * 1024:  # noqa: ASYNC110 - another process
                    await asyncio.sleep(0.05)
                t = time.perf_counter()
                start_bytes = counter.value
                loaded = await atime_calls(lambda: lean_get(list_url), max(50, args.rounds // 2))
                elapsed = time.perf_counter() - t
                moved = counter.value - start_bytes
                stop.set()
                proc.join(30)
                rows.append(
                    (
                        name,
                        p50(loaded) * 1e3,
                        unloaded * 1e3,
                        "<= 1.5 (vs unloaded)" if rate is None else "(vs unloaded)",
                    )
                )
                print(
                    f"downloads moved {moved / elapsed / 1e6:.0f} MB/s meanwhile "
                    f"({'unlimited' if rate is None else f'{rate / 1e6:.0f} MB/s each'})",
                    file=sys.stderr,
                )
            await lean.close()

        # 5. the aioimaplib reader defect, on the server's own bytes
        lines = min(2000, count)
        ours, theirs = await reader_vs_aioimaplib(stack, user, lines)
        rows.append(
            (
                f"read 1 FETCH of {lines} lines, CPU (ms)",
                ours * 1e3,
                theirs * 1e3,
                "ours vs aioimaplib",
            )
        )
        print_table(rows)
    finally:
        if gateway is not None:
            gateway.terminate()
            gateway.wait(10)
        if cyrus is not None:
            remove(cyrus)
        dovecot.stop()


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def wait_quiet(pid: int, *, below: float = 0.05, within: float = 180) -> None:
    """Until the process uses less than ``below`` of a CPU for two seconds in a row."""

    def cpu() -> float:
        return proc_cpu(pid)

    deadline = time.monotonic() + within
    quiet = 0
    while time.monotonic() < deadline and quiet < 4:
        before = cpu()
        await asyncio.sleep(0.5)
        quiet = quiet + 1 if cpu() - before < below * 0.5 else 0


def download_loop(
    port: int, path: str, clients: int, stop, counter, rate: float | None = None
) -> None:
    """Child process: ``clients`` threads downloading ``path`` again and again, each as
    fast as it can or, with ``rate``, at about ``rate`` bytes a second (a slow client)."""

    def one_download() -> None:
        started, got = time.monotonic(), 0

        def count(n: int) -> bool:
            nonlocal got
            with counter.get_lock():
                counter.value += n
            got += n
            if rate:
                ahead = got / rate - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
            return not stop.is_set()

        download(port, ADMIN, path, chunk=64 * 1024 if rate else 1024 * 1024, on_bytes=count)

    def one() -> None:
        while not stop.is_set():
            one_download()

    threads = [threading.Thread(target=one) for _ in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()


async def gateway_throughput(port: int, url: str, clients: int, duration: float) -> float:
    done = 0
    deadline = time.perf_counter() + duration

    async def worker() -> None:
        nonlocal done
        c = LeanHttp(port, ADMIN)
        try:
            while time.perf_counter() < deadline:
                status, _ = await c.get(url)
                assert status == 200, status
                done += 1
        finally:
            await c.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return done / (time.perf_counter() - start)


def raw_throughput(stack: MailStack, user: str, uids: str, clients: int, duration: float) -> float:
    conns = [Raw(stack, user) for _ in range(clients)]
    counts = [0] * clients
    deadline = time.perf_counter() + duration

    def worker(i: int) -> None:
        while time.perf_counter() < deadline:
            conns[i].fetch(uids, LIST_ITEMS)
            counts[i] += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    rate = sum(counts) / (time.perf_counter() - start)
    for c in conns:
        c.close()
    return rate


def print_table(rows: list[tuple[str, float, float, str]]) -> None:
    print(f"| {'measure':44} | {'gateway':>9} | {'raw':>9} | {'ratio':>6} | target |")
    print(f"|{'-' * 46}|{'-' * 11}|{'-' * 11}|{'-' * 8}|--------|")
    for name, gw, rw, target in rows:
        ratio = gw / rw if rw and rw == rw else float("nan")
        print(f"| {name:44} | {gw:9.2f} | {rw:9.2f} | {ratio:6.2f} | {target} |")


if __name__ == "__main__":
    asyncio.run(main())
