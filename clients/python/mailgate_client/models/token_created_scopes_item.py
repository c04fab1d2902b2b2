from enum import StrEnum


class TokenCreatedScopesItem(StrEnum):
    ADMIN = "admin"
    METRICS = "metrics"
    READ = "read"
    SEND = "send"
    WRITE = "write"

    def __str__(self) -> str:
        return str(self.value)
