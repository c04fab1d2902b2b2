from enum import StrEnum


class BatchRequestAction(StrEnum):
    COPY = "copy"
    DELETE = "delete"
    FLAG = "flag"
    MOVE = "move"

    def __str__(self) -> str:
        return str(self.value)
