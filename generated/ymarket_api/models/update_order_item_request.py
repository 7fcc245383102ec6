from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.order_items_modification_request_reason_type import (
    OrderItemsModificationRequestReasonType,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.order_item_modification_dto import OrderItemModificationDTO


T = TypeVar("T", bound="UpdateOrderItemRequest")


@_attrs_define
class UpdateOrderItemRequest:
    """The complete new list of the order's items; unlisted items are removed.

    Attributes:
        items (list[OrderItemModificationDTO]):
        reason (OrderItemsModificationRequestReasonType | Unset): `PARTNER_REQUESTED_REMOVE`: the store removed it;
            `USER_REQUESTED_REMOVE`: the buyer asked.
    """

    items: list[OrderItemModificationDTO]
    reason: OrderItemsModificationRequestReasonType | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        reason: str | Unset = UNSET
        if not isinstance(self.reason, Unset):
            reason = self.reason.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "items": items,
            }
        )
        if reason is not UNSET:
            field_dict["reason"] = reason

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.order_item_modification_dto import OrderItemModificationDTO

        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = OrderItemModificationDTO.from_dict(items_item_data)

            items.append(items_item)

        _reason = d.pop("reason", UNSET)
        reason: OrderItemsModificationRequestReasonType | Unset
        if isinstance(_reason, Unset):
            reason = UNSET
        else:
            reason = OrderItemsModificationRequestReasonType(_reason)

        update_order_item_request = cls(
            items=items,
            reason=reason,
        )

        update_order_item_request.additional_properties = d
        return update_order_item_request

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
