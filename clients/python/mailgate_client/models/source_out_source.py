from enum import StrEnum


class SourceOutSource(StrEnum):
    AUTOCONFIG = "autoconfig"
    PRESET = "preset"
    SRV = "srv"

    def __str__(self) -> str:
        return str(self.value)
