from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.stream_events_response_200 import StreamEventsResponse200
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    account: None | str | Unset = UNSET,
    types: None | str | Unset = UNSET,
    last_event_id: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(last_event_id, Unset):
        headers["last-event-id"] = last_event_id

    params: dict[str, Any] = {}

    json_account: None | str | Unset
    if isinstance(account, Unset):
        json_account = UNSET
    else:
        json_account = account
    params["account"] = json_account

    json_types: None | str | Unset
    if isinstance(types, Unset):
        json_types = UNSET
    else:
        json_types = types
    params["types"] = json_types

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/events",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | StreamEventsResponse200 | None:
    if response.status_code == 200:
        response_200 = StreamEventsResponse200.from_dict(response.text)

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

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
) -> Response[Problem | StreamEventsResponse200]:
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
    types: None | str | Unset = UNSET,
    last_event_id: None | str | Unset = UNSET,
) -> Response[Problem | StreamEventsResponse200]:
    """Stream Events

    Args:
        account (None | str | Unset):
        types (None | str | Unset): Comma-separated; `message.*` works
        last_event_id (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | StreamEventsResponse200]
    """

    kwargs = _get_kwargs(
        account=account,
        types=types,
        last_event_id=last_event_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    account: None | str | Unset = UNSET,
    types: None | str | Unset = UNSET,
    last_event_id: None | str | Unset = UNSET,
) -> Problem | StreamEventsResponse200 | None:
    """Stream Events

    Args:
        account (None | str | Unset):
        types (None | str | Unset): Comma-separated; `message.*` works
        last_event_id (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | StreamEventsResponse200
    """

    return sync_detailed(
        client=client,
        account=account,
        types=types,
        last_event_id=last_event_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    account: None | str | Unset = UNSET,
    types: None | str | Unset = UNSET,
    last_event_id: None | str | Unset = UNSET,
) -> Response[Problem | StreamEventsResponse200]:
    """Stream Events

    Args:
        account (None | str | Unset):
        types (None | str | Unset): Comma-separated; `message.*` works
        last_event_id (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | StreamEventsResponse200]
    """

    kwargs = _get_kwargs(
        account=account,
        types=types,
        last_event_id=last_event_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    account: None | str | Unset = UNSET,
    types: None | str | Unset = UNSET,
    last_event_id: None | str | Unset = UNSET,
) -> Problem | StreamEventsResponse200 | None:
    """Stream Events

    Args:
        account (None | str | Unset):
        types (None | str | Unset): Comma-separated; `message.*` works
        last_event_id (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | StreamEventsResponse200
    """

    return (
        await asyncio_detailed(
            client=client,
            account=account,
            types=types,
            last_event_id=last_event_id,
        )
    ).parsed
