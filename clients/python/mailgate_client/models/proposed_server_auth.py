from enum import StrEnum


class ProposedServerAuth(StrEnum):
    OAUTH2 = "oauth2"
    PASSWORD = "password"

    def __str__(self) -> str:
        return str(self.value)
