from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.discovery_out import DiscoveryOut
from ...models.problem import Problem
from ...types import UNSET, Response


def _get_kwargs(
    *,
    email: str,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["email"] = email

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/autodiscover",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> DiscoveryOut | Problem | None:
    if response.status_code == 200:
        response_200 = DiscoveryOut.from_dict(response.json())

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
) -> Response[DiscoveryOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    email: str,
) -> Response[DiscoveryOut | Problem]:
    """Autodiscover

     Propose an address's IMAP, SMTP and POP3 servers, each with where it came from, ready
    for POST /v1/accounts. Needs a token that may create accounts (admin, not limited to
    accounts); at most GATEWAY_AUTODISCOVER_PER_MINUTE requests a minute per token (429).

    Args:
        email (str): The address to find servers for (an IDN domain in its xn-- form)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DiscoveryOut | Problem]
    """

    kwargs = _get_kwargs(
        email=email,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    email: str,
) -> DiscoveryOut | Problem | None:
    """Autodiscover

     Propose an address's IMAP, SMTP and POP3 servers, each with where it came from, ready
    for POST /v1/accounts. Needs a token that may create accounts (admin, not limited to
    accounts); at most GATEWAY_AUTODISCOVER_PER_MINUTE requests a minute per token (429).

    Args:
        email (str): The address to find servers for (an IDN domain in its xn-- form)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DiscoveryOut | Problem
    """

    return sync_detailed(
        client=client,
        email=email,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    email: str,
) -> Response[DiscoveryOut | Problem]:
    """Autodiscover

     Propose an address's IMAP, SMTP and POP3 servers, each with where it came from, ready
    for POST /v1/accounts. Needs a token that may create accounts (admin, not limited to
    accounts); at most GATEWAY_AUTODISCOVER_PER_MINUTE requests a minute per token (429).

    Args:
        email (str): The address to find servers for (an IDN domain in its xn-- form)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DiscoveryOut | Problem]
    """

    kwargs = _get_kwargs(
        email=email,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    email: str,
) -> DiscoveryOut | Problem | None:
    """Autodiscover

     Propose an address's IMAP, SMTP and POP3 servers, each with where it came from, ready
    for POST /v1/accounts. Needs a token that may create accounts (admin, not limited to
    accounts); at most GATEWAY_AUTODISCOVER_PER_MINUTE requests a minute per token (429).

    Args:
        email (str): The address to find servers for (an IDN domain in its xn-- form)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DiscoveryOut | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            email=email,
        )
    ).parsed
