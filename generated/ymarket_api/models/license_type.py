from enum import StrEnum


class LicenseType(StrEnum):
    ALCOHOL = "ALCOHOL"
    UNKNOWN = "UNKNOWN"

    def __str__(self) -> str:
        return str(self.value)
