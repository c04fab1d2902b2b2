from enum import StrEnum


class Pop3RetrieveRequestFormat(StrEnum):
    PARSED = "parsed"
    RAW = "raw"

    def __str__(self) -> str:
        return str(self.value)
