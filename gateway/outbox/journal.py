"""A local journal of "the final '.' of DATA is about to be written", for SQLite setups.

Why: after a crash the outbox must tell "the server may have the message" from "the
server saw an unfinished DATA and discarded it" (RFC 5321 §4.1.1.4). The store's
``data_sent_at`` answers that, but committing it is a round trip through the database
thread, and the process can die in the gap between that commit and the socket write of
the "." — measured at up to a millisecond under load, long enough for a SIGKILL to hit
it often. This journal is written with one ``write(2)`` on an O_APPEND file, in the
same event-loop step as the write of the "." (no ``await`` in between), so the gap
is a few microseconds. The page cache survives the death of the process (only a
power cut loses it, and then the gateway's SQLite store with ``synchronous=NORMAL``
loses its last commits too).

It exists only with SQLite, which means one gateway process per database; with
PostgreSQL (several instances) the store's ``data_sent_at`` alone decides.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

_COMPACT_AT = 256 * 1024  # bytes


class EndOfDataJournal:
    """Lines ``<job id> <attempt>``: that attempt's "." may have been sent; a later line
    ``<job id> <attempt> -``: that attempt's outcome is in the store, forget it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._size = 0
        self._live: dict[str, int] = {}  # written by this process, job not finished yet
        self._old: set[tuple[str, int]] = set()  # from before a restart, not yet resolved

    def open(self) -> None:
        try:
            text = self.path.read_text(encoding="ascii", errors="replace")
        except FileNotFoundError:
            text = ""
        for line in text.splitlines():
            parts = line.split()
            if len(parts) in (2, 3) and parts[1].isdigit():
                entry = (parts[0], int(parts[1]))
                if len(parts) == 2:
                    self._old.add(entry)
                elif parts[2] == "-":
                    self._old.discard(entry)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._size = os.fstat(self._fd).st_size
        if self._old:
            log.info("outbox journal: %d send(s) interrupted at the end of DATA", len(self._old))

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def record(self, job_id: str, attempt: int) -> None:
        """Synchronous on purpose: the caller writes the "." right after, in the same step."""
        if self._fd is None:
            return
        self._write(f"{job_id} {attempt}\n")
        self._live[job_id] = attempt

    def _write(self, line: str) -> None:
        data = line.encode("ascii")
        os.write(self._fd, data)  # type: ignore[arg-type]
        self._size += len(data)

    def maybe_sent(self, job_id: str, attempt: int) -> bool:
        """Has an attempt up to ``attempt`` written its "." without a recorded outcome?

        Any attempt counts, not only the last: a send that outlived its lease is still
        live here while the job was claimed again (with a higher attempt number).
        """
        if job_id in self._live:
            return True
        return any(job == job_id and n <= attempt for job, n in self._old)

    def forget(self, job_id: str) -> None:
        """The job's attempt has an outcome in the store: its lines are no longer needed."""
        resolved = [(job_id, self._live.pop(job_id))] if job_id in self._live else []
        if self._old:
            resolved += [entry for entry in self._old if entry[0] == job_id]
            self._old = {entry for entry in self._old if entry[0] != job_id}
        if self._fd is not None:
            for job, attempt in resolved:
                self._write(f"{job} {attempt} -\n")
        if self._size > _COMPACT_AT:
            self._compact()

    def _compact(self) -> None:
        if self._fd is None:
            return
        keep = [f"{job} {attempt}\n" for job, attempt in (*self._live.items(), *self._old)]
        tmp = self.path.with_name(self.path.name + ".tmp")
        data = "".join(keep).encode("ascii")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        os.close(self._fd)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._size = len(data)
