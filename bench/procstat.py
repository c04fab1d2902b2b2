"""What a tree of processes costs, read from /proc: memory, file descriptors, sockets, CPU.

Used by ``bench/scale.py``. Memory figures are in kB as /proc prints them (KiB):

- RSS: ``VmRSS`` of /proc/<pid>/status (shared pages counted in every process);
- PSS: ``Pss`` of /proc/<pid>/smaps_rollup (shared pages divided among their users);
- USS: ``Private_Clean`` + ``Private_Dirty`` of smaps_rollup (what the process alone holds).
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_TCP_ESTABLISHED = "01"


@dataclass(frozen=True)
class Usage:
    """The sum over a set of processes (``processes`` of them) at one moment."""

    processes: int
    rss_kb: int
    pss_kb: int
    uss_kb: int
    fds: int
    cpu_s: float  # user + system, since each process started
    threads: int


def children_of(pid: int) -> list[int]:
    """``pid`` and every process below it (``--workers`` forks)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, todo = [pid], [pid]
    while todo:
        parent = todo.pop()
        kids = [p for p, pp in parents.items() if pp == parent]
        found += kids
        todo += kids
    return found


def parse_smaps_rollup(text: str) -> dict[str, int]:
    """``Name: value kB`` lines of /proc/<pid>/smaps_rollup, as {name: kB}."""
    out: dict[str, int] = {}
    for line in text.splitlines():
        name, sep, rest = line.partition(":")
        fields = rest.split()
        if sep and len(fields) == 2 and fields[1] == "kB":
            out[name] = int(fields[0])
    return out


def cpu_seconds(stat_text: str) -> float:
    """utime + stime of a /proc/<pid>/stat line (the comm field may hold spaces)."""
    fields = stat_text.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def usage(pids: list[int]) -> Usage:
    """Summed figures of ``pids`` (processes that are gone meanwhile are skipped)."""
    count = rss = pss = uss = fds = threads = 0
    cpu = 0.0
    for pid in pids:
        proc = Path(f"/proc/{pid}")
        try:
            status = proc.joinpath("status").read_text()
            rollup = parse_smaps_rollup(proc.joinpath("smaps_rollup").read_text())
            cpu += cpu_seconds(proc.joinpath("stat").read_text())
            fds += len(os.listdir(proc / "fd"))
        except (FileNotFoundError, ProcessLookupError):
            continue
        count += 1
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss += int(line.split()[1])
            elif line.startswith("Threads:"):
                threads += int(line.split()[1])
        pss += rollup.get("Pss", 0)
        uss += rollup.get("Private_Clean", 0) + rollup.get("Private_Dirty", 0)
    return Usage(count, rss, pss, uss, fds, cpu, threads)


def cpu_of(pids: list[int]) -> float:
    """CPU seconds (user + system) of ``pids``; cheaper than ``usage`` for windows."""
    total = 0.0
    for pid in pids:
        try:
            total += cpu_seconds(Path(f"/proc/{pid}/stat").read_text())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def parse_proc_net_tcp(text: str) -> list[tuple[int, int, str, int]]:
    """(local port, remote port, state, socket inode) of each line of /proc/net/tcp."""
    rows = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10:
            continue
        local, remote = fields[1], fields[2]
        rows.append(
            (
                int(local.rsplit(":", 1)[1], 16),
                int(remote.rsplit(":", 1)[1], 16),
                fields[3],
                int(fields[9]),
            )
        )
    return rows


def socket_inodes(pids: list[int]) -> set[int]:
    inodes: set[int] = set()
    for pid in pids:
        fd_dir = f"/proc/{pid}/fd"
        try:
            names = os.listdir(fd_dir)
        except (FileNotFoundError, ProcessLookupError):
            continue
        for name in names:
            try:
                target = os.readlink(f"{fd_dir}/{name}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    return inodes


def connections_to(pids: list[int], ports: dict[str, int]) -> Counter[str]:
    """Established TCP connections of ``pids`` by the name of the remote port they reach."""
    by_port = {port: name for name, port in ports.items()}
    inodes = socket_inodes(pids)
    found: Counter[str] = Counter()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            text = Path(table).read_text()
        except OSError:
            continue
        for _local, remote, state, inode in parse_proc_net_tcp(text):
            if state == _TCP_ESTABLISHED and inode in inodes and remote in by_port:
                found[by_port[remote]] += 1
    return found


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    total = sum(fields[:8])  # guest time (fields 9 and 10) is counted in user time already
    idle = fields[3] + fields[4]
    return total - idle, total


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])
