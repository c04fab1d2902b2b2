"""`make run` (scripts/demo.sh) serves the demo accounts, they verify against the demo stack,
and every curl example of the README runs as written against it, in the README's order (the
event stream first, in the background), each answering 2xx."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx

from tests.mailstack import make_stack_dir, pick_base_port

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# Every curl call of the script says how it went, on standard error (curl 7.76+).
CURL = (
    "curl() { command curl -sS --fail-with-body "
    "-w '%{stderr}HTTP %{http_code} %{method} %{url_effective}\\n' \"$@\"; }"
)
_CALL = re.compile(r"(?:^|\$\()\s*curl\s", re.M)


def readme_curl_blocks() -> list[str]:
    """The README's shell blocks that call curl, in order."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), re.S)
    return [b for b in blocks if _CALL.search(b)]


def as_run_here(block: str, port: int, demo: Path) -> str:
    """A README block for this demo: its port and its token file."""
    return block.replace("127.0.0.1:8025", f"127.0.0.1:{port}").replace(
        ".demo/admin-token", str(demo / "admin-token")
    )


def wait_for(path: Path, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in path.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"no {text!r} in {path}: {path.read_text()}"
        time.sleep(0.1)


def walk_readme(port: int, demo: Path, tmp_path: Path) -> None:
    """Run the README's curl examples as written: the event stream (the first block) in the
    background, then every other block in order in one shell, as a reader would."""
    stream, *rest = readme_curl_blocks()
    assert "curl -N" in stream and "/v1/events" in stream, "the README opens the stream first"
    events = tmp_path / "events.txt"
    with events.open("wb") as out:
        sse = subprocess.Popen(
            [
                "bash",
                "-c",
                'curl() { command curl --max-time 120 -sS "$@"; }\n'
                + as_run_here(stream, port, demo),
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(events, ": connected", 30)
        script = ["set -euo pipefail", CURL]
        calls = 0
        for block in rest:
            if "pop3/retrieve" in block:
                # As the README says: the events shell shows bob's new message first.
                script.append(
                    f'timeout 60 bash -c \'until grep -q "event: message.new" '
                    f"{events}; do sleep 0.2; done'"
                )
            script.append(as_run_here(block, port, demo))
            calls += len(_CALL.findall(block))
        done = subprocess.run(
            ["bash", "-c", "\n".join(script)], cwd=ROOT, capture_output=True, text=True, timeout=300
        )
        report = f"stdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-4000:]}"
        assert done.returncode == 0, report
        statuses = re.findall(r"^HTTP (\d{3}) (\S+) (\S+)$", done.stderr, re.M)
        assert len(statuses) == calls, report
        assert all(code.startswith("2") for code, _m, _u in statuses), report
        assert ("202", "POST", f"http://127.0.0.1:{port}/v1/accounts/alice/send") in statuses
        # The second POP3 retrieval said that nothing was new.
        assert "0 messages delivered (nothing new)" in done.stdout, report
    finally:
        os.killpg(sse.pid, signal.SIGTERM)
        sse.wait(timeout=30)
    text = events.read_text()
    assert "event: message.new" in text and '"account":"bob"' in text, text


def test_readme_examples_are_found() -> None:
    """The walk below covers the README's examples: events first, then the rest."""
    blocks = readme_curl_blocks()
    assert len(blocks) >= 6 and "curl -N" in blocks[0]
    text = "\n".join(blocks)
    for example in (
        "/messages/$ID/move",
        '{"flags": {"add": ["\\\\Seen"]}}',
        "/v1/outbox",
        '"mode": "queue"',
        "/mailboxes/Sent/messages",
        "/v1/autodiscover",
        "/pop3/retrieve",
        "/v1/tokens",
    ):
        assert example in text, example


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_serves_verified_accounts(tmp_path: Path) -> None:
    port = free_port()
    demo = make_stack_dir("mailgate-demo-")
    demo.chmod(0o755)
    env = {
        **os.environ,
        "DEMO_DIR": str(demo),
        "DEMO_MAIL_DIR": str(demo / "mailstack"),
        "DEMO_MAIL_BASE_PORT": str(pick_base_port()),
        "GATEWAY_PORT": str(port),
        # The README's autodiscovery example asks DNS: a nameserver that is not there,
        # so no query leaves loopback (the answer: no proposals).
        "GATEWAY_AUTODISCOVER_NAMESERVERS": '["127.0.0.1:9"]',
        "GATEWAY_AUTODISCOVER_TIMEOUT": "1",
    }
    log = open(tmp_path / "demo.log", "wb")
    proc = subprocess.Popen(
        ["bash", "scripts/demo.sh"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, (tmp_path / "demo.log").read_text()
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "demo.log").read_text()
            time.sleep(0.2)
        token = (demo / "admin-token").read_text().strip()
        assert token in (tmp_path / "demo.log").read_text()  # printed for the newcomer
        h = {"Authorization": f"Bearer {token}"}
        accounts = httpx.get(base + "/v1/accounts", headers=h).json()
        assert sorted(a["id"] for a in accounts["items"]) == ["alice", "bob"]
        verify = httpx.post(base + "/v1/accounts/alice/verify", headers=h, timeout=30).json()
        assert verify["ok"] is True, verify
        assert all(verify[p]["ok"] for p in ("imap", "smtp", "pop3")), verify
        walk_readme(port, demo, tmp_path)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()
    # The demo mail servers were stopped with the gateway.
    leftovers = subprocess.run(["pgrep", "-f", str(demo)], capture_output=True)
    shutil.rmtree(demo, ignore_errors=True)
    assert leftovers.stdout == b"", leftovers.stdout
