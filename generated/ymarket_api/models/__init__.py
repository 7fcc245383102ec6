"""Contains all the data models used in inputs/outputs"""

from .api_error_dto import ApiErrorDTO
from .api_error_response import ApiErrorResponse
from .api_response import ApiResponse
from .api_response_status_type import ApiResponseStatusType
from .brief_order_item_instance_dto import BriefOrderItemInstanceDTO
from .delete_campaign_offers_dto import DeleteCampaignOffersDTO
from .delete_campaign_offers_request import DeleteCampaignOffersRequest
from .delete_campaign_offers_response import DeleteCampaignOffersResponse
from .license_type import LicenseType
from .order_item_modification_dto import OrderItemModificationDTO
from .order_items_modification_request_reason_type import (
    OrderItemsModificationRequestReasonType,
)
from .outlet_license_dto import OutletLicenseDTO
from .update_order_item_request import UpdateOrderItemRequest
from .update_outlet_license_request import UpdateOutletLicenseRequest

__all__ = (
    "ApiErrorDTO",
    "ApiErrorResponse",
    "ApiResponse",
    "ApiResponseStatusType",
    "BriefOrderItemInstanceDTO",
    "DeleteCampaignOffersDTO",
    "DeleteCampaignOffersRequest",
    "DeleteCampaignOffersResponse",
    "LicenseType",
    "OrderItemModificationDTO",
    "OrderItemsModificationRequestReasonType",
    "OutletLicenseDTO",
    "UpdateOrderItemRequest",
    "UpdateOutletLicenseRequest",
)
