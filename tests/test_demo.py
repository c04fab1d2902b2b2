"""`make run` (scripts/demo.sh) serves the demo accounts, and they verify against the demo stack."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx

from tests.mailstack import make_stack_dir, pick_base_port

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_serves_verified_accounts(tmp_path: Path) -> None:
    port = free_port()
    demo = make_stack_dir("mailgate-demo-")
    demo.chmod(0o755)
    env = {**os.environ, "DEMO_DIR": str(demo), "DEMO_MAIL_DIR": str(demo / "mailstack"),
           "DEMO_MAIL_BASE_PORT": str(pick_base_port()), "GATEWAY_PORT": str(port)}
    log = open(tmp_path / "demo.log", "wb")
    proc = subprocess.Popen(["bash", "scripts/demo.sh"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
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
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()
    # The demo mail servers were stopped with the gateway.
    leftovers = subprocess.run(["pgrep", "-f", str(demo)], capture_output=True)
    shutil.rmtree(demo, ignore_errors=True)
    assert leftovers.stdout == b"", leftovers.stdout
