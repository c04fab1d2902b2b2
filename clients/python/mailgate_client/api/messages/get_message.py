from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.message_out import MessageOut
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    account: str,
    message: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/accounts/{account}/messages/{message}".format(
            account=quote(str(account), safe=""),
            message=quote(str(message), safe=""),
        ),
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> MessageOut | Problem | None:
    if response.status_code == 200:
        response_200 = MessageOut.from_dict(response.json())

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

    if response.status_code == 502:
        response_502 = Problem.from_dict(response.json())

        return response_502

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if response.status_code == 504:
        response_504 = Problem.from_dict(response.json())

        return response_504

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[MessageOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    account: str,
    message: str,
    *,
    client: AuthenticatedClient,
) -> Response[MessageOut | Problem]:
    """Get Message

    Args:
        account (str): Account id
        message (str): Message id

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MessageOut | Problem]
    """

    kwargs = _get_kwargs(
        account=account,
        message=message,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    account: str,
    message: str,
    *,
    client: AuthenticatedClient,
) -> MessageOut | Problem | None:
    """Get Message

    Args:
        account (str): Account id
        message (str): Message id

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MessageOut | Problem
    """

    return sync_detailed(
        account=account,
        message=message,
        client=client,
    ).parsed


async def asyncio_detailed(
    account: str,
    message: str,
    *,
    client: AuthenticatedClient,
) -> Response[MessageOut | Problem]:
    """Get Message

    Args:
        account (str): Account id
        message (str): Message id

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MessageOut | Problem]
    """

    kwargs = _get_kwargs(
        account=account,
        message=message,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    account: str,
    message: str,
    *,
    client: AuthenticatedClient,
) -> MessageOut | Problem | None:
    """Get Message

    Args:
        account (str): Account id
        message (str): Message id

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MessageOut | Problem
    """

    return (
        await asyncio_detailed(
            account=account,
            message=message,
            client=client,
        )
    ).parsed
