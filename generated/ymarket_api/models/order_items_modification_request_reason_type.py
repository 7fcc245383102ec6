from enum import StrEnum


class OrderItemsModificationRequestReasonType(StrEnum):
    PARTNER_REQUESTED_REMOVE = "PARTNER_REQUESTED_REMOVE"
    USER_REQUESTED_REMOVE = "USER_REQUESTED_REMOVE"

    def __str__(self) -> str:
        return str(self.value)
