from enum import StrEnum


class DraftSendRequestMode(StrEnum):
    QUEUE = "queue"
    SYNC = "sync"

    def __str__(self) -> str:
        return str(self.value)
