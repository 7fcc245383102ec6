from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.outlet_license_dto import OutletLicenseDTO


T = TypeVar("T", bound="UpdateOutletLicenseRequest")


@_attrs_define
class UpdateOutletLicenseRequest:
    """Licenses to create or change.

    Attributes:
        licenses (list[OutletLicenseDTO]):
    """

    licenses: list[OutletLicenseDTO]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        licenses = []
        for licenses_item_data in self.licenses:
            licenses_item = licenses_item_data.to_dict()
            licenses.append(licenses_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "licenses": licenses,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.outlet_license_dto import OutletLicenseDTO

        d = dict(src_dict)
        licenses = []
        _licenses = d.pop("licenses")
        for licenses_item_data in _licenses:
            licenses_item = OutletLicenseDTO.from_dict(licenses_item_data)

            licenses.append(licenses_item)

        update_outlet_license_request = cls(
            licenses=licenses,
        )

        update_outlet_license_request.additional_properties = d
        return update_outlet_license_request

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
