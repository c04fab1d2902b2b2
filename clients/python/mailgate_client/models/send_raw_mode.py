from enum import StrEnum


class SendRawMode(StrEnum):
    QUEUE = "queue"
    SYNC = "sync"

    def __str__(self) -> str:
        return str(self.value)
