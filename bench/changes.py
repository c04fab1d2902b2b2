"""Change feed benchmark (issue #14): ``/changes`` against raw CONDSTORE, in the same run.

Run by hand (not in CI), from the repository root:

    .venv/bin/python bench/changes.py [--messages 10000] [--changes 100] [--rounds 200]
        [--unwatched] [--database-url URL]

Starts a private Dovecot (tests/mailstack.py), seeds an INBOX of 10,000 messages (straight
into the Maildir), starts the gateway as a real server (``python -m gateway serve``), adds
the account and lists its mailboxes and INBOX's messages (which starts the account's change
feed and brings INBOX into it), keeping the listing's mailbox ``state``. Then another IMAP
client makes 100 flag changes (``UID STORE +FLAGS (\\Flagged)`` on 100 random messages) and
the benchmark compares, each p50 over ``--rounds`` calls, interleaved in blocks:

- gateway: ``GET /v1/accounts/{a}/mailboxes/INBOX/changes?since=<state>`` (100 ids updated)
- raw: ``UID FETCH 1:* (FLAGS) (CHANGEDSINCE <modseq before the changes>)`` on a warm,
  selected STARTTLS connection with CONDSTORE enabled (stdlib imaplib; 100 FETCH lines)

target: gateway/raw <= 2.0. The first call after the changes (the one that brings the feed
up to date when the mailbox is not watched, ``--unwatched``) is printed apart.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.imap import (  # noqa: E402
    ADMIN,
    QuickAckIMAP4,
    atime_calls,
    free_port,
    imap_account,
    make_messages,
    p50,
    start_gateway,
    time_calls,
    wait_healthy,
    wait_quiet,
)
from bench.leanhttp import LeanHttp  # noqa: E402
from tests.mailstack import MailStack, make_stack_dir, start_mailstack  # noqa: E402


class RawCondstore:
    """imaplib on a warm STARTTLS connection with CONDSTORE enabled and INBOX selected."""

    def __init__(self, stack: MailStack, user: str) -> None:
        import ssl

        self.conn = QuickAckIMAP4(stack.host, stack.imap)
        self.conn.starttls(ssl.create_default_context(cafile=str(stack.cert)))
        self.conn.login(user, stack.password)
        typ, _ = self.conn._simple_command("ENABLE", "CONDSTORE")
        assert typ == "OK"
        typ, _ = self.conn.select("INBOX")
        assert typ == "OK"

    def highestmodseq(self) -> int:
        typ, data = self.conn.status("INBOX", "(HIGHESTMODSEQ)")
        assert typ == "OK"
        return int(re.search(rb"HIGHESTMODSEQ (\d+)", data[0]).group(1))

    def uids(self) -> list[int]:
        typ, data = self.conn.uid("SEARCH", "ALL")
        return [int(u) for u in data[0].split()]

    def flag(self, uids: list[int]) -> None:
        for uid in uids:
            typ, _ = self.conn.uid("STORE", str(uid), "+FLAGS", r"(\Flagged)")
            assert typ == "OK"

    def changed_since(self, modseq: int) -> int:
        typ, data = self.conn.uid("FETCH", "1:*", f"(FLAGS) (CHANGEDSINCE {modseq})")
        assert typ == "OK"
        return sum(1 for item in data if item and b"FLAGS" in item)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.logout()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument(
        "--database-url",
        default=None,
        help="the gateway's store (default: a SQLite file in the stack's directory)",
    )
    parser.add_argument(
        "--unwatched",
        action="store_true",
        help="no watcher (GATEWAY_WATCH_ENABLED=false): /changes reads the server itself",
    )
    args = parser.parse_args()

    stack = start_mailstack(make_stack_dir("mailgate-bench-changes-"))
    gateway = None
    try:
        user = stack.new_user("bench")
        t = time.perf_counter()
        count = stack.seed_maildir(user, make_messages(args.messages))
        print(f"seeded {count} messages in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        port = free_port()
        settings = {"GATEWAY_WATCH_ENABLED": "false" if args.unwatched else "true"}
        if args.database_url:
            settings["GATEWAY_DATABASE_URL"] = args.database_url
        gateway = start_gateway(stack, port, **settings)
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {ADMIN}"}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as client:
            await wait_healthy(client)
            spec = imap_account(stack, user)
            resp = await client.post("/v1/accounts", json=spec)
            assert resp.status_code == 201, resp.text
            assert (await client.get("/v1/accounts/bench/mailboxes")).status_code == 200
            listing = await client.get("/v1/accounts/bench/mailboxes/INBOX/messages")
            assert listing.status_code == 200, listing.text
            state = listing.json()["state"]
            assert state, "the listing gave no state"
            await wait_quiet(gateway.pid)  # the watcher's first look at 10,000 messages

        raw = RawCondstore(stack, user)
        before = raw.highestmodseq()
        changed = random.Random(7).sample(raw.uids(), args.changes)
        raw.flag(changed)
        assert raw.changed_since(before) == args.changes

        lean = LeanHttp(port, ADMIN)
        url = f"/v1/accounts/bench/mailboxes/INBOX/changes?since={quote(state)}&limit=5000"

        async def gateway_call() -> None:
            status, body = await lean.get(url)
            assert status == 200, body[:300]

        if not args.unwatched:
            # the watcher records the changes from its IDLE pushes: wait for all of them
            for _ in range(200):
                status, body = await lean.get(url)
                if len(json.loads(body)["updated"]) >= args.changes:
                    break
                await asyncio.sleep(0.05)
        t = time.perf_counter()
        status, body = await lean.get(url)
        first = time.perf_counter() - t
        page = json.loads(body)
        assert status == 200 and len(page["updated"]) == args.changes, page
        assert not page["has_more"]

        gw: list[float] = []
        rw: list[float] = []
        blocks = 10
        for _ in range(blocks):
            gw += await atime_calls(gateway_call, max(1, args.rounds // blocks))
            rw += time_calls(lambda: raw.changed_since(before), max(1, args.rounds // blocks))
        raw.close()
        await lean.close()

        mode = "unwatched" if args.unwatched else "watched"
        rows = [
            (
                f"/changes after {args.changes} flag changes, p50 (ms)",
                p50(gw) * 1e3,
                p50(rw) * 1e3,
                "<= 2.0",
            ),
        ]
        print(
            f"\nINBOX of {count} messages, {mode}; first call after the changes "
            f"{first * 1e3:.2f} ms\n"
        )
        print("| measure | gateway | raw | ratio | target |")
        print("|---|---:|---:|---:|---|")
        for name, g, r, target in rows:
            print(f"| {name} | {g:.2f} | {r:.2f} | {g / r:.2f} | {target} |")
    finally:
        if gateway is not None:
            gateway.terminate()
            gateway.wait(10)
        stack.stop()


if __name__ == "__main__":
    asyncio.run(main())
