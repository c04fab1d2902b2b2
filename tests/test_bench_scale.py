"""The pieces of bench/scale.py that decide its figures: SSE parsing, the delivery plan,
/proc readings, the Dovecot limits it configures, and its summaries."""

from __future__ import annotations

import os
import re
import socket
import subprocess
from collections import Counter
from pathlib import Path

from bench import procstat
from bench.scale import dovecot_limits, plan_deliveries, watch_times
from bench.scaleclients import EventFeed, SseParser
from bench.scalereport import Result, pct, profile_summary
from tests.mailstack import MailStack


def test_sse_parser_splits_events_comments_and_chunks_cut_anywhere() -> None:
    stream = (
        b'retry: 3000\n\n: connected\n\nid: e1\nevent: message.new\ndata: {"a":\n'
        b"data: 1}\n\n: heartbeat\n\r\nid: e2\r\ndata: x\r\n\r\n"
    )
    for cut in range(len(stream)):
        parser = SseParser()
        messages = parser.feed(stream[:cut]) + parser.feed(stream[cut:])
        assert [m.comment for m in messages if m.comment is not None] == [
            "connected",
            "heartbeat",
        ], cut
        events = [m for m in messages if m.comment is None]
        assert [(m.id, m.event, m.data) for m in events] == [
            ("e1", "message.new", ['{"a":', "1}"]),
            ("e2", None, ["x"]),
        ], cut


def test_event_feed_counts_watchers_once_and_only_after_since() -> None:
    feed = EventFeed(0, "t", "x", since=100.0)
    parser = SseParser()

    def event(n: int, kind: str, account: str, created: str, data: str) -> bytes:
        return (
            f'id: e{n}\ndata: {{"type": "{kind}", "account": "{account}", '
            f'"created_at": "{created}", "data": {data}}}\n\n'
        ).encode()

    stream = (
        event(
            1,
            "account.connected",
            "a",
            "1970-01-01T00:01:39Z",
            '{"protocol": "imap", "source": "watcher"}',
        )  # before since: a replay
        + event(
            2,
            "account.connected",
            "a",
            "1970-01-01T00:01:41Z",
            '{"protocol": "imap", "source": "pool"}',
        )  # the request pool
        + event(
            3,
            "account.connected",
            "a",
            "1970-01-01T00:01:42Z",
            '{"protocol": "imap", "source": "watcher"}',
        )
        + event(
            4,
            "account.connected",
            "a",
            "1970-01-01T00:01:50Z",
            '{"protocol": "imap", "source": "watcher"}',
        )
        + event(5, "message.new", "a", "1970-01-01T00:01:51Z", '{"subject": "s1"}')
        + event(6, "message.new", "a", "1970-01-01T00:01:51Z", '{"subject": "s1"}')
        + event(
            7,
            "account.error",
            "b",
            "1970-01-01T00:01:52Z",
            '{"code": "upstream_timeout", "error": "no LOGIN answer"}',
        )
    )
    for message in parser.feed(stream):
        feed._handle(message, 5.0)
    assert feed.watching == {"a": 102.0}
    assert feed.arrived == {"s1": 5.0} and feed.duplicates == 1
    assert feed.errors == Counter({"upstream_timeout": 1}) and feed.last_id == "e7"


def test_delivery_plan_reaches_every_account_and_the_sampled_ones_in_proportion() -> None:
    accounts = [f"a{i}" for i in range(1000)]
    sampled = set(accounts[::7][:100])
    plan = plan_deliveries(accounts, sampled, 2500)
    assert len(plan) == 2500
    assert sorted(plan[:1000]) == sorted(accounts)  # one cycle: each account once
    assert plan[1000:2000] == plan[:1000]
    for start in range(0, 1000, 100):  # any stretch of 100 holds ~10 sampled accounts
        assert 9 <= sum(a in sampled for a in plan[start : start + 100]) <= 11
    assert plan_deliveries(accounts, set(accounts), 3) == plan_deliveries(
        accounts, set(accounts), 3
    )


def test_percentiles_and_watch_times() -> None:
    assert pct([], 95) is None
    values = [float(v) for v in range(1, 101)]
    assert (pct(values, 50), pct(values, 95), pct(values, 100)) == (50.0, 95.0, 100.0)
    feed = EventFeed(0, "t", "x")
    feed.watching = {f"a{i}": 1000.0 + i for i in range(10)}
    times = watch_times(feed, [f"a{i}" for i in range(10)], 1000.0)
    assert times == {"50%": 4.0, "90%": 8.0, "all": 9.0}
    assert watch_times(feed, ["a1", "nobody"], 1000.0)["all"] is None


def test_per_account_is_the_difference_to_the_baseline_divided_by_n() -> None:
    base = procstat.Usage(1, 100_000, 90_000, 80_000, 30, 1.0, 3)
    after = procstat.Usage(1, 400_000, 380_000, 370_000, 2030, 9.0, 3)
    result = Result(n=1000, limits=[], load_start="0", base_usage=base, usage_end=after)
    assert result.per_account("rss_kb") == 300.0
    assert result.per_account("fds") == 2.0


def test_proc_parsers() -> None:
    rollup = "55d0-7ff [rollup]\nRss:   1200 kB\nPss:    800 kB\nPrivate_Dirty:  300 kB\n"
    assert procstat.parse_smaps_rollup(rollup) == {"Rss": 1200, "Pss": 800, "Private_Dirty": 300}
    stat = "42 (a b) c) S 1 42 42 0 -1 4194560 1 0 0 0 250 50 0 0 20 0 1 0 5 0 0"
    assert procstat.cpu_seconds(stat) == 300 / procstat.CLOCK_TICKS
    tcp = (
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid"
        "  timeout inode\n"
        "   0: 0100007F:A028 0100007F:1F90 01 00000000:00000000 00:00000000 00000000"
        "     0        0 123456 1 0000000000000000 20 4 30 10 -1\n"
    )
    assert procstat.parse_proc_net_tcp(tcp) == [(0xA028, 0x1F90, "01", 123456)]


def test_usage_and_connections_of_this_process_from_proc() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as client, server.accept()[0]:
            found = procstat.connections_to([os.getpid()], {"imap": port, "smtp": 1})
            assert found == Counter({"imap": 1})
            usage = procstat.usage(procstat.children_of(os.getpid()))
            assert usage.processes >= 1 and usage.rss_kb > 1000 and usage.fds >= 3
            assert usage.uss_kb <= usage.rss_kb and usage.cpu_s > 0
            client.close()


def test_dovecot_takes_the_limits_through_the_stacks_local_include(
    dovecot: MailStack, tmp_path: Path
) -> None:
    conf = dovecot.dovecot_conf.read_text()
    include = f"!include_try {dovecot.dir}/dovecot-local.conf"
    assert include in conf, "scripts/mailstack.sh must include DIR/dovecot-local.conf last"
    (tmp_path / "local.conf").write_text(dovecot_limits(7001))
    (tmp_path / "dovecot.conf").write_text(conf.replace(include, f"!include {tmp_path}/local.conf"))
    out = subprocess.run(
        ["doveconf", "-n", "-c", str(tmp_path / "dovecot.conf")],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert "Warning" not in out.stderr, out.stderr
    text = out.stdout
    assert re.search(r"^default_client_limit = 7001$", text, re.M)
    imap = re.search(r"^service imap \{\n(.*?)^\}", text, re.M | re.S)
    login = re.search(r"^service imap-login \{\n(.*?)^\}", text, re.M | re.S)
    assert imap and "process_limit = 7001" in imap.group(1)
    assert login and "client_limit = 7001" in login.group(1)
    assert "inet_listener imap" in login.group(1)  # the stack's listeners are kept


def test_profile_summary_counts_inclusive_and_self_samples(tmp_path: Path) -> None:
    raw = tmp_path / "profile.txt"
    raw.write_text(
        "main (/src/gateway/__main__.py:10);run (/src/gateway/sync/service.py:80);"
        "list (/src/gateway/store/accounts.py:5) 30\n"
        "main (/src/gateway/__main__.py:10);run (/src/gateway/sync/service.py:81) 10\n"
        "worker (/usr/lib/python3.11/threading.py:9) 60\n"
    )
    lines = profile_summary(raw, Path("/src"))
    assert lines[0].startswith("  100 samples")
    inclusive = lines[1 : lines.index("  self (top of the stack):")]
    assert inclusive == [
        "   40.0%  main (gateway/__main__.py)",
        "   40.0%  run (gateway/sync/service.py)",
        "   30.0%  list (gateway/store/accounts.py)",
    ]
    assert lines[-3:] == [
        "   60.0%  worker (threading.py)",
        "   30.0%  list (gateway/store/accounts.py)",
        "   10.0%  run (gateway/sync/service.py)",
    ]
