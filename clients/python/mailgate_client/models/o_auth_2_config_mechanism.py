from enum import StrEnum


class OAuth2ConfigMechanism(StrEnum):
    AUTO = "auto"
    OAUTHBEARER = "oauthbearer"
    XOAUTH2 = "xoauth2"

    def __str__(self) -> str:
        return str(self.value)
