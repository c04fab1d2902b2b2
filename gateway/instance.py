"""Who this gateway instance is: a name that survives its restarts, and one per run.

Watch leases (``watch:<account>``) are held under ``<identity>#<run>``. The
identity is ``GATEWAY_INSTANCE_ID`` or, when that is not set, the host name and
the address the API listens on (``host/127.0.0.1:8025``): the same after a
restart on the same host and port, different for two instances that listen side
by side on one host. ``run`` grows with the start time, so a new run recognises the
leases of an earlier run of the same instance (one that crashed without releasing
them) and takes them back at once, while an earlier run never takes them from a
later one. Instances on different hosts that share a host name and port (containers
with a fixed host name) must each set ``GATEWAY_INSTANCE_ID``. A worker of
``mailgate serve --workers N`` is ``<identity>/w<i>`` (``cli/workers.py``). The same owner
holds the instance's heartbeat (``instance:<identity>``) and its POP3 maildrop locks.
"""

from __future__ import annotations

import hashlib
import secrets
import socket
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .settings import Settings

MAX_IDENTITY = 44  # the owner column holds 64 characters: identity, "#", 18 for the run


@dataclass(frozen=True)
class InstanceName:
    identity: str  # the same across restarts
    run: str  # fixed-width hex; a later start sorts higher

    @property
    def owner(self) -> str:
        """What this run writes as a lease's owner."""
        return f"{self.identity}#{self.run}"

    def _parse(self, owner: str) -> tuple[str, str] | None:
        identity, sep, run = owner.rpartition("#")
        if not sep or identity != self.identity or len(run) != len(self.run):
            return None
        return identity, run

    def supersedes(self, owner: str) -> bool:
        """``owner`` is an earlier run of this instance: its leases are ours to take now."""
        parsed = self._parse(owner)
        return parsed is not None and parsed[1] < self.run

    def superseded_by(self, owner: str) -> bool:
        """``owner`` is a later run of this instance (two processes share one identity)."""
        parsed = self._parse(owner)
        return parsed is not None and parsed[1] > self.run


def short_identity(text: str) -> str:
    """``text`` itself when short enough, else a stable prefix and hash of it."""
    if len(text) <= MAX_IDENTITY:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return f"{text[: MAX_IDENTITY - 13]}~{digest}"


def instance_name(
    settings: Settings, *, hostname: str | None = None, started: float | None = None
) -> InstanceName:
    """This process's name (``hostname`` and ``started`` default to the real ones)."""
    identity = settings.instance_id or (
        f"{hostname or socket.gethostname()}/{settings.host}:{settings.port}"
    )
    micros = int((time.time() if started is None else started) * 1_000_000)
    run = f"{micros:014x}{secrets.randbelow(1 << 16):04x}"
    return InstanceName(short_identity(identity), run)
