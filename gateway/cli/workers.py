"""``mailgate serve --workers N``: N gateway processes behind one listening socket.

The supervisor (this process) binds the socket and starts N workers (``mailgate serve``
with the socket's descriptor, ``MAILGATE_LISTEN_FD``); each accepts connections from it
(the kernel hands each connection to one of them) and is a full instance of its own:
``GATEWAY_INSTANCE_ID`` is the supervisor's identity plus ``/w<i>``, so a restarted
worker takes back its own leases at once, and the workers share the store as separate
instances do: outbox jobs and webhook deliveries by claims, watchers by leases spread
over them, events to every worker's SSE clients by LISTEN/NOTIFY, the POP3 maildrop by a
lock in the store. ``GATEWAY_CONNECTION_SHARE`` is multiplied by N: each worker keeps
its part of every account's connection budget (``accounts.registry``).

PostgreSQL only: with SQLite the workers would need cross-process locks that SQLite
setups do not have (the outbox's end-of-DATA journal is one process's file, OAuth2
refreshes are serialised by an in-process lock, events reach other processes only by
NOTIFY), and SQLite writes one transaction at a time anyway.

A worker that dies is started again (after a pause when it keeps dying at start-up;
the supervisor gives up after ``MAX_QUICK_EXITS`` in a row). SIGTERM or SIGINT stops
every worker gracefully, then the supervisor.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

from ..instance import short_identity
from ..settings import Settings

log = logging.getLogger("gateway.workers")

LISTEN_FD_ENV = "MAILGATE_LISTEN_FD"
QUICK_EXIT = 10.0  # seconds: a worker that exits sooner after its start did not start
MAX_QUICK_EXITS = 5
STOP_WAIT = 20.0  # seconds the workers have to stop before they are killed
_TICK = 0.2


def refusal(settings: Settings, workers: int) -> str | None:
    """Why ``--workers`` cannot be used with these settings, or None."""
    if workers > 1 and settings.is_sqlite:
        return (
            "--workers > 1 needs PostgreSQL (GATEWAY_DATABASE_URL=postgresql://...): "
            "with SQLite, processes would not share the outbox journal, OAuth2 refreshes "
            "or events; run one process per SQLite file"
        )
    return None


def worker_identity(settings: Settings, index: int, *, hostname: str | None = None) -> str:
    """Worker ``index``'s ``GATEWAY_INSTANCE_ID``: the supervisor's identity and ``/w<i>``."""
    base = settings.instance_id or (
        f"{hostname or socket.gethostname()}/{settings.host}:{settings.port}"
    )
    return short_identity(f"{base}/w{index}")


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


@dataclass
class _Worker:
    index: int
    process: subprocess.Popen | None = None
    started: float = 0.0
    quick_exits: int = 0
    restart_at: float | None = None


class Supervisor:
    """Runs ``workers`` worker processes until SIGTERM/SIGINT (see the module docstring)."""

    def __init__(
        self, settings: Settings, workers: int, *, command: list[str] | None = None
    ) -> None:
        self.settings = settings
        self.workers = [_Worker(i) for i in range(1, workers + 1)]
        self.command = command or [sys.executable, "-m", "gateway", "serve"]
        self._stopping = False
        self.status = 0

    def run(self) -> int:
        sock = listening_socket(self.settings.host, self.settings.port)
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        log.info(
            "mailgate: %d workers on %s:%d",
            len(self.workers),
            self.settings.host,
            self.settings.port,
        )
        try:
            for worker in self.workers:
                self._spawn(worker, sock)
            while not self._stopping:
                time.sleep(_TICK)
                for worker in self.workers:
                    self._look_after(worker, sock)
        finally:
            self._stop_all()
            sock.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return self.status

    def _stop(self, signum: int, _frame: object) -> None:
        self._stopping = True

    def _spawn(self, worker: _Worker, sock: socket.socket) -> None:
        share = self.settings.connection_share * len(self.workers)
        env = {
            **os.environ,
            "GATEWAY_INSTANCE_ID": worker_identity(self.settings, worker.index),
            "GATEWAY_HOST": self.settings.host,
            "GATEWAY_PORT": str(self.settings.port),
            "GATEWAY_CONNECTION_SHARE": str(share),
            LISTEN_FD_ENV: str(sock.fileno()),
        }
        worker.process = subprocess.Popen(
            self.command, env=env, pass_fds=(sock.fileno(),), stdin=subprocess.DEVNULL
        )
        worker.started, worker.restart_at = time.monotonic(), None
        log.info("worker %d started (pid %d)", worker.index, worker.process.pid)

    def _look_after(self, worker: _Worker, sock: socket.socket) -> None:
        now = time.monotonic()
        if worker.restart_at is not None:
            if now >= worker.restart_at:
                self._spawn(worker, sock)
            return
        assert worker.process is not None
        code = worker.process.poll()
        if code is None:
            if now - worker.started > QUICK_EXIT:
                worker.quick_exits = 0
            return
        worker.quick_exits = worker.quick_exits + 1 if now - worker.started < QUICK_EXIT else 0
        if worker.quick_exits >= MAX_QUICK_EXITS:
            log.error(
                "worker %d exited with status %d %d times in a row right after its start; stopping",
                worker.index,
                code,
                worker.quick_exits,
            )
            self.status, self._stopping = 1, True
            return
        pause = min(30.0, 0.5 * 2**worker.quick_exits) if worker.quick_exits else 0.0
        log.warning(
            "worker %d (pid %d) exited with status %d; starting it again in %g s",
            worker.index,
            worker.process.pid,
            code,
            pause,
        )
        worker.restart_at = now + pause

    def _stop_all(self) -> None:
        running = [
            w.process for w in self.workers if w.process is not None and w.process.poll() is None
        ]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_WAIT
        for process in running:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("worker pid %d did not stop in time; killing it", process.pid)
                process.kill()
                process.wait()
