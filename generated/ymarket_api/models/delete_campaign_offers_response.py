from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.api_response_status_type import ApiResponseStatusType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.delete_campaign_offers_dto import DeleteCampaignOffersDTO


T = TypeVar("T", bound="DeleteCampaignOffersResponse")


@_attrs_define
class DeleteCampaignOffersResponse:
    """Result of removing offers.

    Attributes:
        status (ApiResponseStatusType): `OK`: no errors; `ERROR`: the request failed.
        result (DeleteCampaignOffersDTO | Unset): SKUs that were not removed (not found, or stored in a Market
            warehouse).
    """

    status: ApiResponseStatusType
    result: DeleteCampaignOffersDTO | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status.value

        result: dict[str, Any] | Unset = UNSET
        if not isinstance(self.result, Unset):
            result = self.result.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
            }
        )
        if result is not UNSET:
            field_dict["result"] = result

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.delete_campaign_offers_dto import DeleteCampaignOffersDTO

        d = dict(src_dict)
        status = ApiResponseStatusType(d.pop("status"))

        _result = d.pop("result", UNSET)
        result: DeleteCampaignOffersDTO | Unset
        if isinstance(_result, Unset):
            result = UNSET
        else:
            result = DeleteCampaignOffersDTO.from_dict(_result)

        delete_campaign_offers_response = cls(
            status=status,
            result=result,
        )

        delete_campaign_offers_response.additional_properties = d
        return delete_campaign_offers_response

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
