"""``mailgate tail``: events of a live gateway, in-process and as the installed command."""

from __future__ import annotations

import io
import json
import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from gateway.cli import main, tail
from tests.conftest import ADMIN_TOKEN

from .conftest import MAILGATE, LiveGateway, Mailgate, cli_settings, serving_in_thread


class Stream(io.StringIO):
    """A stream whose writes a test can wait for."""

    def __init__(self) -> None:
        super().__init__()
        self.written = threading.Condition()

    def write(self, text: str) -> int:
        with self.written:
            n = super().write(text)
            self.written.notify_all()
            return n

    def wait_for(self, text: str, *, within: float = 20, count: int = 1) -> str:
        with self.written:
            assert self.written.wait_for(lambda: self.getvalue().count(text) >= count, within), (
                f"no {text!r} within {within} s in {self.getvalue()!r}"
            )
            return self.getvalue()


class InProcessTail:
    """``mailgate tail ARGV`` in a thread; ``out`` and ``err`` fill as it runs."""

    def __init__(self, *argv: str) -> None:
        self.out, self.err = Stream(), Stream()
        self.code: int | None = None
        self.thread = threading.Thread(target=self._run, args=(list(argv),), daemon=True)
        self.thread.start()

    def _run(self, argv: list[str]) -> None:
        self.code = main(["tail", *argv], stdout=self.out, stderr=self.err)

    def join(self, within: float = 20) -> int:
        self.thread.join(within)
        assert not self.thread.is_alive(), "mailgate tail did not end"
        assert self.code is not None
        return self.code


def test_tail_prints_the_event_of_a_message_sent_with_send(
    mailgate: Mailgate, account: dict, gateway: LiveGateway
) -> None:
    following = InProcessTail("--account", account["id"], "--types", "message.sent", "--count", "1")
    following.err.wait_for("following events")
    assert following.err.getvalue() == (f"following events at {gateway.url} (Ctrl-C to stop)\n")
    bob = gateway.stack.new_user("bob")
    sent = mailgate(
        "send", account["id"], "--to", bob, "--subject", "Tailed", "--text", "hi", "--json"
    )
    assert sent.code == 0, sent.err
    assert following.join() == 0
    [line] = following.out.getvalue().splitlines()
    day, clock, kind, account_id, message_id, *rest = line.split()
    assert (kind, account_id, message_id) == (
        "message.sent",
        account["id"],
        sent.json()["message_id"],
    )
    assert rest == ["to", bob]
    assert time.strptime(f"{day} {clock}", "%Y-%m-%d %H:%M:%SZ")


def test_tail_json_prints_each_event_as_one_json_line(
    mailgate: Mailgate, gateway: LiveGateway
) -> None:
    account = gateway.add_account(protocols=("smtp",))  # no Sent copy: only message.sent
    following = InProcessTail(
        "--account", account["id"], "--types", "message.*", "--json", "--count", "2"
    )
    following.err.wait_for("following events")
    bob = gateway.stack.new_user("bob")
    first = mailgate(
        "send", account["id"], "--to", bob, "--subject", "one", "--text", "1", "--json"
    ).json()
    second = mailgate(
        "send", account["id"], "--to", bob, "--subject", "two", "--text", "2", "--json"
    ).json()
    assert following.join() == 0
    events = [json.loads(line) for line in following.out.getvalue().splitlines()]
    assert [(e["type"], e["account"], e["data"]["message_id"]) for e in events] == [
        ("message.sent", account["id"], first["message_id"]),
        ("message.sent", account["id"], second["message_id"]),
    ]
    assert all(set(e) == {"id", "type", "account", "created_at", "data", "state"} for e in events)

    # --since replays what came after an event: the second one again.
    replay = mailgate(
        "tail",
        "--account",
        account["id"],
        "--types",
        "message.sent",
        "--since",
        events[0]["id"],
        "--count",
        "1",
        "--json",
    )
    assert replay.code == 0, replay.err
    assert json.loads(replay.out)["id"] == events[1]["id"]


def test_tail_ends_with_one_line_when_its_token_is_revoked(
    mailgate: Mailgate, account: dict
) -> None:
    token = mailgate("tokens", "create", "--scope", "read", "--json").json()
    following = InProcessTail("--token", token["token"])
    following.err.wait_for("following events")
    assert mailgate("tokens", "revoke", token["id"]).code == 0
    assert following.join(within=10) == 1
    assert (
        following.err.getvalue()
        .splitlines()[-1]
        .startswith("mailgate tail: error: the gateway ended the stream: token_revoked: ")
    )


def test_tail_for_an_unknown_account_fails_at_once(mailgate: Mailgate) -> None:
    refused = mailgate("tail", "--account", "no-such-account")
    assert refused.code == 1
    assert refused.err == (
        "mailgate tail: error: account_not_found (404): no account 'no-such-account'\n"
    )


def test_tail_reconnects_after_a_restart_without_losing_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gateway: LiveGateway
) -> None:
    monkeypatch.setattr(tail, "RECONNECT_DELAY", 0.2)
    settings = cli_settings(tmp_path)
    monkeypatch.setenv("MAILGATE_TOKEN", ADMIN_TOKEN)
    user = gateway.stack.new_user("restart")
    with serving_in_thread(settings) as url:  # a gateway of this test alone, stopped below
        port = int(url.rsplit(":", 1)[1])
        following = InProcessTail("--url", url, "--types", "message.sent", "--json", "--count", "2")
        following.err.wait_for("following events")
        account = LiveGateway(url=url, stack=gateway.stack).add_account(protocols=("smtp",))
        first = main(
            ["send", "--url", url, account["id"], "--to", user, "--text", "1"],
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
        assert first == 0
        following.out.wait_for("\n")
    # The gateway is down: the stream broke, and tail keeps trying.
    following.err.wait_for("reconnecting in 0.2 s")
    with serving_in_thread(settings, port=port):
        following.err.wait_for("following events", count=2)
        out = io.StringIO()
        assert (
            main(
                ["send", "--url", url, account["id"], "--to", user, "--text", "2", "--json"],
                stdout=out,
                stderr=io.StringIO(),
            )
            == 0
        )
        assert following.join() == 0
    events = [json.loads(line) for line in following.out.getvalue().splitlines()]
    assert (
        len(events) == 2
        and events[1]["data"]["message_id"] == json.loads(out.getvalue())["message_id"]
    )
    assert "Traceback" not in following.err.getvalue()


def test_the_installed_command_follows_new_mail_and_stops_on_ctrl_c(
    mailgate: Mailgate, account: dict, gateway: LiveGateway
) -> None:
    env = {**os.environ, "MAILGATE_URL": gateway.url, "MAILGATE_TOKEN": ADMIN_TOKEN}
    proc = subprocess.Popen(
        [str(MAILGATE), "tail", "--json"],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True)
    reader.start()

    def next_event(match, within: float = 30) -> dict:
        deadline = time.monotonic() + within
        while True:
            event = json.loads(lines.get(timeout=max(0.01, deadline - time.monotonic())))
            if match(event):
                return event

    try:
        assert proc.stderr.readline() == (f"following events at {gateway.url} (Ctrl-C to stop)\n")
        bob = gateway.add_account(protocols=("imap",))
        # Bob's INBOX is watched once his watcher says so: then new mail is an event.
        next_event(
            lambda e: (
                e["type"] == "account.connected"
                and e["account"] == bob["id"]
                and e["data"].get("source") == "watcher"
            )
        )
        sent = mailgate(
            "send",
            account["id"],
            "--to",
            bob["email"],
            "--subject",
            "Seen by tail",
            "--text",
            "hi",
            "--json",
        )
        assert sent.code == 0, sent.err
        new = next_event(lambda e: e["type"] == "message.new" and e["account"] == bob["id"])
        assert new["data"]["subject"] == "Seen by tail"
        assert new["data"]["message_id"] == sent.json()["message_id"]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert code == 130
    assert proc.stderr.read() == ""  # no traceback, nothing more
