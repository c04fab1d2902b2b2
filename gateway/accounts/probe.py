"""Notice quickly when a mail server that was down accepts connections again.

A connection manager backs off after failed connects (``backoff_delay``), so a
server that stays broken is not hammered. But a delay that grew while the server
was *down* must not keep the gateway away once it is back: after a failed connect,
``ServerProbe`` makes a plain TCP connect (no TLS, no protocol) at once and, while
that is refused or unanswered, again every ``PROBE_INTERVAL`` seconds. When a probe
connects after one that failed, the server is back: ``on_back`` runs (the manager
resets its backoff) and every ``wait_back`` returns, so the next attempt comes
within about ``PROBE_INTERVAL`` of the server listening again.

A server that accepts TCP but fails later (TLS, greeting, login) is probed once per
failure and not again: there only the backoff paces the attempts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

PROBE_INTERVAL = 0.5  # seconds between two probes of a server that is down


class ServerProbe:
    """Watches one ``host:port`` after failures; ``down`` while connects are refused."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        timeout: float,
        on_back: Callable[[], None] | None = None,
        interval: float = PROBE_INTERVAL,
    ) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.interval = interval
        self.on_back = on_back
        self.down = False  # the last probe could not connect
        self.last_error = ""  # why it could not
        self._back = asyncio.Event()  # set when the server is seen coming back
        self._task: asyncio.Task | None = None
        self._closed = False

    @property
    def probing(self) -> bool:
        return self._task is not None and not self._task.done()

    def suspect(self) -> None:
        """A connect failed in a way that may mean the server is down: start probing."""
        if self._closed or self.probing:
            return
        if self._back.is_set():  # a fresh edge for those who wait from now on
            self._back = asyncio.Event()
        with contextlib.suppress(RuntimeError):  # no running loop: nothing to probe from
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"probe-{self.host}:{self.port}"
            )

    def reached(self) -> None:
        """A real connect worked: the server is up, whatever the last probe said."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self.down:
            self.down = False
            self._back.set()

    async def wait_back(self, delay: float) -> None:
        """Wait ``delay`` seconds, or less when the server comes back meanwhile."""
        if not self.probing:
            await asyncio.sleep(delay)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._back.wait(), delay)

    async def _run(self) -> None:
        while not self._closed:
            error = await self.connect_once()
            if error is None:
                if self.down:
                    log.info("%s:%d accepts connections again", self.host, self.port)
                    self.down = False
                    if self.on_back is not None:
                        self.on_back()
                    self._back.set()
                return
            self.down, self.last_error = True, error
            await asyncio.sleep(self.interval)

    async def connect_once(self) -> str | None:
        """One TCP connect, closed at once; None when it connected, else why not."""
        try:
            async with asyncio.timeout(self.timeout):
                _, writer = await asyncio.open_connection(self.host, self.port)
        except TimeoutError:
            return f"no TCP connection within {self.timeout:g} s"
        except OSError as exc:
            return str(exc) or type(exc).__name__
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return None

    async def close(self) -> None:
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
