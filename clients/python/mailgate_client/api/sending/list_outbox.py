from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_outbox_status_type_0 import ListOutboxStatusType0
from ...models.outbox_list import OutboxList
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    account: None | str | Unset = UNSET,
    status: ListOutboxStatusType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_account: None | str | Unset
    if isinstance(account, Unset):
        json_account = UNSET
    else:
        json_account = account
    params["account"] = json_account

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, ListOutboxStatusType0):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    params["limit"] = limit

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/outbox",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> OutboxList | Problem | None:
    if response.status_code == 200:
        response_200 = OutboxList.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[OutboxList | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    account: None | str | Unset = UNSET,
    status: ListOutboxStatusType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Response[OutboxList | Problem]:
    """List Outbox

    Args:
        account (None | str | Unset):
        status (ListOutboxStatusType0 | None | Unset):
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[OutboxList | Problem]
    """

    kwargs = _get_kwargs(
        account=account,
        status=status,
        limit=limit,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    account: None | str | Unset = UNSET,
    status: ListOutboxStatusType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> OutboxList | Problem | None:
    """List Outbox

    Args:
        account (None | str | Unset):
        status (ListOutboxStatusType0 | None | Unset):
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        OutboxList | Problem
    """

    return sync_detailed(
        client=client,
        account=account,
        status=status,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    account: None | str | Unset = UNSET,
    status: ListOutboxStatusType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Response[OutboxList | Problem]:
    """List Outbox

    Args:
        account (None | str | Unset):
        status (ListOutboxStatusType0 | None | Unset):
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[OutboxList | Problem]
    """

    kwargs = _get_kwargs(
        account=account,
        status=status,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    account: None | str | Unset = UNSET,
    status: ListOutboxStatusType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> OutboxList | Problem | None:
    """List Outbox

    Args:
        account (None | str | Unset):
        status (ListOutboxStatusType0 | None | Unset):
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        OutboxList | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            account=account,
            status=status,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
