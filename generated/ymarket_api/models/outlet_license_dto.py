from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.license_type import LicenseType
from ..types import UNSET, Unset

T = TypeVar("T", bound="OutletLicenseDTO")


@_attrs_define
class OutletLicenseDTO:
    """A license of a point of sale. Dates are the dates on the license at 00:00:00 local time of the point of sale, with
    its UTC offset.

        Attributes:
            outlet_id (int): Point of sale the license is valid for.
            license_type (LicenseType): `ALCOHOL`: retail alcohol license; `UNKNOWN`: unknown type.
            number (str): License number.
            date_of_issue (datetime.datetime): Issue date, e.g. 2017-11-13T00:00:00+03:00.
            date_of_expiry (datetime.datetime): Expiry date, not earlier than dateOfIssue, e.g. 2022-11-20T00:00:00+03:00.
            id (int | Unset): Market-assigned license id; set it only to change an existing license.
    """

    outlet_id: int
    license_type: LicenseType
    number: str
    date_of_issue: datetime.datetime
    date_of_expiry: datetime.datetime
    id: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        outlet_id = self.outlet_id

        license_type = self.license_type.value

        number = self.number

        date_of_issue = self.date_of_issue.isoformat()

        date_of_expiry = self.date_of_expiry.isoformat()

        id = self.id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "outletId": outlet_id,
                "licenseType": license_type,
                "number": number,
                "dateOfIssue": date_of_issue,
                "dateOfExpiry": date_of_expiry,
            }
        )
        if id is not UNSET:
            field_dict["id"] = id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        outlet_id = d.pop("outletId")

        license_type = LicenseType(d.pop("licenseType"))

        number = d.pop("number")

        date_of_issue = datetime.datetime.fromisoformat(d.pop("dateOfIssue"))

        date_of_expiry = datetime.datetime.fromisoformat(d.pop("dateOfExpiry"))

        id = d.pop("id", UNSET)

        outlet_license_dto = cls(
            outlet_id=outlet_id,
            license_type=license_type,
            number=number,
            date_of_issue=date_of_issue,
            date_of_expiry=date_of_expiry,
            id=id,
        )

        outlet_license_dto.additional_properties = d
        return outlet_license_dto

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
