from enum import StrEnum


class AccountOutSource(StrEnum):
    API = "api"
    FILE = "file"

    def __str__(self) -> str:
        return str(self.value)
