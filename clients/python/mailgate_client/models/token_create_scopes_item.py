from enum import StrEnum


class TokenCreateScopesItem(StrEnum):
    ADMIN = "admin"
    METRICS = "metrics"
    READ = "read"
    SEND = "send"
    WRITE = "write"

    def __str__(self) -> str:
        return str(self.value)
