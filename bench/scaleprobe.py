"""Runs ``mailgate`` (``python bench/scaleprobe.py serve ...``) with a probe for bench/scale.py.

On SIGUSR2 the gateway process writes ``$SCALE_PROBE_DIR/probe-<n>.json``: its asyncio
tasks by coroutine, gc-tracked objects by type, glibc's malloc figures (mallinfo2) and,
when ``SCALE_TRACEMALLOC=<frames>`` is set, a tracemalloc snapshot
(``probe-<n>.tracemalloc``). Comparing two probes (1 account, then N+1) shows where the
memory per account goes. The handler runs on the event loop's thread and blocks it while
it counts (~1 s per million objects): take probes outside the timed phases.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import itertools
import json
import os
import signal
import sys
import tracemalloc
from collections import Counter

_seq = itertools.count(1)


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _mallinfo() -> dict[str, int]:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        info = libc.mallinfo2()
    except (OSError, AttributeError):
        return {}
    # arena: heap obtained with brk; hblkhd: with mmap; uordblks: in use; fordblks: free.
    return {name: getattr(info, name) for name in ("arena", "hblkhd", "uordblks", "fordblks")}


def _tasks() -> Counter[str]:
    try:
        tasks = asyncio.all_tasks()
    except RuntimeError:  # no running loop in this thread
        return Counter()
    return Counter(
        getattr(t.get_coro(), "__qualname__", type(t.get_coro()).__name__) for t in tasks
    )


def _probe(_signum: int, _frame: object) -> None:
    out_dir = os.environ["SCALE_PROBE_DIR"]
    n = next(_seq)
    gc.collect()
    types: Counter[str] = Counter()
    for obj in gc.get_objects():
        kind = type(obj)
        types[f"{kind.__module__}.{kind.__qualname__}"] += 1
    report = {
        "tasks": _tasks(),
        "types": types,
        "malloc": _mallinfo(),
        "allocated_blocks": sys.getallocatedblocks(),
    }
    if tracemalloc.is_tracing():
        path = os.path.join(out_dir, f"probe-{n}.tracemalloc")
        tracemalloc.take_snapshot().dump(path)
        report["tracemalloc"] = path
        report["traced_bytes"] = tracemalloc.get_traced_memory()[0]
    tmp = os.path.join(out_dir, f"probe-{n}.json.tmp")
    with open(tmp, "w") as f:
        json.dump(report, f)
    os.rename(tmp, os.path.join(out_dir, f"probe-{n}.json"))


def main() -> int:
    frames = int(os.environ.get("SCALE_TRACEMALLOC") or 0)
    if frames:
        tracemalloc.start(frames)
    from gateway.__main__ import main as mailgate

    if os.environ.get("SCALE_PROBE_DIR"):
        signal.signal(signal.SIGUSR2, _probe)
        with open(os.path.join(os.environ["SCALE_PROBE_DIR"], "gateway-path"), "w") as f:
            f.write(os.path.dirname(os.path.dirname(sys.modules["gateway"].__file__)))

    return mailgate(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
