"""``account.connected`` / ``account.error`` from the connection managers' state changes."""

from __future__ import annotations

from collections.abc import Callable

from ..accounts.manager import ConnState, ProtocolManager
from .bus import EventBus
from .types import ACCOUNT_CONNECTED, ACCOUNT_ERROR


def state_change_publisher(bus: EventBus) -> Callable[[ProtocolManager], None]:
    """The registry's ``on_state_change``: called synchronously, published by the bus task.

    Only real news is published: a manager retrying (``connecting`` -> ``error`` ->
    ``connecting`` ...) reports its error once, until it is connected again.
    """
    last: dict[tuple[str, str], str] = {}

    def on_state(manager: ProtocolManager) -> None:
        status = manager.status
        key = (manager.account.id, manager.protocol)
        data = {"protocol": manager.protocol, "source": "pool", "state": str(status.state)}
        if status.state == ConnState.CONNECTED:
            if last.get(key) != ACCOUNT_CONNECTED:
                last[key] = ACCOUNT_CONNECTED
                bus.publish_soon(ACCOUNT_CONNECTED, manager.account.id, data)
        elif status.state in (ConnState.ERROR, ConnState.AUTH_FAILED, ConnState.NEEDS_REAUTH):
            if last.get(key) != ACCOUNT_ERROR:
                last[key] = ACCOUNT_ERROR
                bus.publish_soon(
                    ACCOUNT_ERROR, manager.account.id, {**data, "error": status.last_error}
                )

    return on_state
