from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="BriefOrderItemInstanceDTO")


@_attrs_define
class BriefOrderItemInstanceDTO:
    """Identifier of one labelled unit. Fill in only the field of the system the product is labelled in.

    Attributes:
        cis (str | Unset): Unit code in the Chestny ZNAK system (with or without the crypto-tail).
        uin (str | Unset): Jewelry identification number, 16 digits.
        rnpt (str | Unset): Batch registration number, XXXXXXXXXX/XXXXXXXX/XXXXXXXX/XXX.
        gtd (str | Unset): Customs declaration number, XXXXXXXXXX/XXXXXXXX/XXXXXXXX.
        country_code (str | Unset): Country of manufacture, ISO 3166-1 alpha-2.
    """

    cis: str | Unset = UNSET
    uin: str | Unset = UNSET
    rnpt: str | Unset = UNSET
    gtd: str | Unset = UNSET
    country_code: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cis = self.cis

        uin = self.uin

        rnpt = self.rnpt

        gtd = self.gtd

        country_code = self.country_code

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if cis is not UNSET:
            field_dict["cis"] = cis
        if uin is not UNSET:
            field_dict["uin"] = uin
        if rnpt is not UNSET:
            field_dict["rnpt"] = rnpt
        if gtd is not UNSET:
            field_dict["gtd"] = gtd
        if country_code is not UNSET:
            field_dict["countryCode"] = country_code

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        cis = d.pop("cis", UNSET)

        uin = d.pop("uin", UNSET)

        rnpt = d.pop("rnpt", UNSET)

        gtd = d.pop("gtd", UNSET)

        country_code = d.pop("countryCode", UNSET)

        brief_order_item_instance_dto = cls(
            cis=cis,
            uin=uin,
            rnpt=rnpt,
            gtd=gtd,
            country_code=country_code,
        )

        brief_order_item_instance_dto.additional_properties = d
        return brief_order_item_instance_dto

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
