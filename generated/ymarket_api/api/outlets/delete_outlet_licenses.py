from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.api_error_response import ApiErrorResponse
from ...models.api_response import ApiResponse
from ...types import Response


def _get_kwargs(
    campaign_id: int,
    *,
    ids: list[int],
) -> dict[str, Any]:

    query_parts: list[str] = []

    json_ids = ids

    query_parts.append("ids=" + ",".join(map(str, json_ids)))

    url = f"/v2/campaigns/{campaign_id!s}/outlets/licenses"
    # ymarket: the query string is built here (not by httpx's `params`) so that
    # `style: form, explode: false` arrays keep their literal commas.
    if query_parts:
        url += "?" + "&".join(query_parts)

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": url,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ApiErrorResponse | ApiResponse | None:
    if response.status_code == 200:
        response_200 = ApiResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ApiErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ApiErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ApiErrorResponse.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ApiErrorResponse.from_dict(response.json())

        return response_404

    if response.status_code == 420:
        response_420 = ApiErrorResponse.from_dict(response.json())

        return response_420

    if response.status_code == 500:
        response_500 = ApiErrorResponse.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *,
    client: AuthenticatedClient | Client,
    response: httpx.Response,
    parse: bool = True,
) -> Response[ApiErrorResponse | ApiResponse]:
    # ymarket: any status code is kept as a plain int (420 is not in
    # http.HTTPStatus), and a body that does not parse as documented raises
    # one typed error that carries the raw response instead of a bare
    # KeyError/ValueError from deep inside a model. parse=False leaves
    # `parsed` None for a caller that reads the content itself.
    if not parse:
        return Response(
            status_code=response.status_code,
            content=response.content,
            headers=response.headers,
            parsed=None,
        )
    try:
        parsed = _parse_response(client=client, response=response)
    except errors.UnexpectedStatus:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise errors.UnparseableResponse(
            response.status_code, response.content, response.headers, exc
        ) from exc
    return Response(
        status_code=response.status_code,
        content=response.content,
        headers=response.headers,
        parsed=parsed,
    )


def sync_detailed(
    campaign_id: int,
    *,
    client: AuthenticatedClient | Client,
    ids: list[int],
    parse: bool = True,
) -> Response[ApiErrorResponse | ApiResponse]:
    """Delete licenses of points of sale

     Removes the licenses with the given Market-assigned ids.

    Args:
        campaign_id (int):
        ids (list[int]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        errors.UnparseableResponse: If the body of a documented status does not parse as documented.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApiErrorResponse | ApiResponse]
    """

    kwargs = _get_kwargs(
        campaign_id=campaign_id,
        ids=ids,
    )

    httpx_client = client.get_httpx_client()
    response = httpx_client.request(**kwargs)

    return _build_response(client=client, response=response, parse=parse)


def sync(
    campaign_id: int,
    *,
    client: AuthenticatedClient | Client,
    ids: list[int],
) -> ApiErrorResponse | ApiResponse | None:
    """Delete licenses of points of sale

     Removes the licenses with the given Market-assigned ids.

    Args:
        campaign_id (int):
        ids (list[int]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        errors.UnparseableResponse: If the body of a documented status does not parse as documented.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApiErrorResponse | ApiResponse
    """

    return sync_detailed(
        campaign_id=campaign_id,
        client=client,
        ids=ids,
    ).parsed


async def asyncio_detailed(
    campaign_id: int,
    *,
    client: AuthenticatedClient | Client,
    ids: list[int],
    parse: bool = True,
) -> Response[ApiErrorResponse | ApiResponse]:
    """Delete licenses of points of sale

     Removes the licenses with the given Market-assigned ids.

    Args:
        campaign_id (int):
        ids (list[int]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        errors.UnparseableResponse: If the body of a documented status does not parse as documented.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApiErrorResponse | ApiResponse]
    """

    kwargs = _get_kwargs(
        campaign_id=campaign_id,
        ids=ids,
    )

    httpx_client = client.get_async_httpx_client()
    response = await httpx_client.request(**kwargs)

    return _build_response(client=client, response=response, parse=parse)


async def asyncio(
    campaign_id: int,
    *,
    client: AuthenticatedClient | Client,
    ids: list[int],
) -> ApiErrorResponse | ApiResponse | None:
    """Delete licenses of points of sale

     Removes the licenses with the given Market-assigned ids.

    Args:
        campaign_id (int):
        ids (list[int]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        errors.UnparseableResponse: If the body of a documented status does not parse as documented.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApiErrorResponse | ApiResponse
    """

    return (
        await asyncio_detailed(
            campaign_id=campaign_id,
            client=client,
            ids=ids,
        )
    ).parsed
