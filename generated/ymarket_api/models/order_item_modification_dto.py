from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.brief_order_item_instance_dto import BriefOrderItemInstanceDTO


T = TypeVar("T", bound="OrderItemModificationDTO")


@_attrs_define
class OrderItemModificationDTO:
    """New state of one order item.

    Attributes:
        id (int): Item id within the order.
        count (int): New count; 0 removes the item.
        instances (list[BriefOrderItemInstanceDTO] | None | Unset): Every labelled unit of the item that stays in the
            order. Required when the item is subject to labelling.
    """

    id: int
    count: int
    instances: list[BriefOrderItemInstanceDTO] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        count = self.count

        instances: list[dict[str, Any]] | None | Unset
        if isinstance(self.instances, Unset):
            instances = UNSET
        elif isinstance(self.instances, list):
            instances = []
            for instances_type_0_item_data in self.instances:
                instances_type_0_item = instances_type_0_item_data.to_dict()
                instances.append(instances_type_0_item)

        else:
            instances = self.instances

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "count": count,
            }
        )
        if instances is not UNSET:
            field_dict["instances"] = instances

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.brief_order_item_instance_dto import BriefOrderItemInstanceDTO

        d = dict(src_dict)
        id = d.pop("id")

        count = d.pop("count")

        def _parse_instances(
            data: object,
        ) -> list[BriefOrderItemInstanceDTO] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                instances_type_0 = []
                _instances_type_0 = data
                for instances_type_0_item_data in _instances_type_0:
                    instances_type_0_item = BriefOrderItemInstanceDTO.from_dict(
                        instances_type_0_item_data
                    )

                    instances_type_0.append(instances_type_0_item)

                return instances_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[BriefOrderItemInstanceDTO] | None | Unset, data)

        instances = _parse_instances(d.pop("instances", UNSET))

        order_item_modification_dto = cls(
            id=id,
            count=count,
            instances=instances,
        )

        order_item_modification_dto.additional_properties = d
        return order_item_modification_dto

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
