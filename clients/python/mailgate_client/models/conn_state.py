from enum import StrEnum


class ConnState(StrEnum):
    AUTH_FAILED = "auth_failed"
    CONNECTED = "connected"
    CONNECTING = "connecting"
    DISCONNECTED = "disconnected"
    ERROR = "error"
    NEEDS_REAUTH = "needs_reauth"

    def __str__(self) -> str:
        return str(self.value)
