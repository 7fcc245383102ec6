from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="DeleteCampaignOffersDTO")


@_attrs_define
class DeleteCampaignOffersDTO:
    """SKUs that were not removed (not found, or stored in a Market warehouse).

    Attributes:
        not_deleted_offer_ids (list[str] | None | Unset): SKUs that remain in the store (null or absent when none).
    """

    not_deleted_offer_ids: list[str] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        not_deleted_offer_ids: list[str] | None | Unset
        if isinstance(self.not_deleted_offer_ids, Unset):
            not_deleted_offer_ids = UNSET
        elif isinstance(self.not_deleted_offer_ids, list):
            not_deleted_offer_ids = self.not_deleted_offer_ids

        else:
            not_deleted_offer_ids = self.not_deleted_offer_ids

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if not_deleted_offer_ids is not UNSET:
            field_dict["notDeletedOfferIds"] = not_deleted_offer_ids

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_not_deleted_offer_ids(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                not_deleted_offer_ids_type_0 = cast(list[str], data)

                return not_deleted_offer_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        not_deleted_offer_ids = _parse_not_deleted_offer_ids(
            d.pop("notDeletedOfferIds", UNSET)
        )

        delete_campaign_offers_dto = cls(
            not_deleted_offer_ids=not_deleted_offer_ids,
        )

        delete_campaign_offers_dto.additional_properties = d
        return delete_campaign_offers_dto

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
