from enum import StrEnum


class ForwardRequestMode(StrEnum):
    QUEUE = "queue"
    SYNC = "sync"

    def __str__(self) -> str:
        return str(self.value)
