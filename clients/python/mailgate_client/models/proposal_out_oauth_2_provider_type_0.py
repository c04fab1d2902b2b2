from enum import StrEnum


class ProposalOutOauth2ProviderType0(StrEnum):
    GOOGLE = "google"
    MICROSOFT = "microsoft"

    def __str__(self) -> str:
        return str(self.value)
