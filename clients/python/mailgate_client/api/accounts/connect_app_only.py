from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.app_only_connect import AppOnlyConnect
from ...models.callback_result import CallbackResult
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    app_id: str,
    *,
    body: AppOnlyConnect,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/oauth2/apps/{app_id}/accounts".format(
            app_id=quote(str(app_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CallbackResult | Problem | None:
    if response.status_code == 200:
        response_200 = CallbackResult.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

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
) -> Response[CallbackResult | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    app_id: str,
    *,
    client: AuthenticatedClient,
    body: AppOnlyConnect,
) -> Response[CallbackResult | Problem]:
    """Connect App Only

     Connect a mailbox with the app's own credentials (app-only access, no consent).

    Args:
        app_id (str):
        body (AppOnlyConnect): A mailbox the app opens with its own credentials (client
            credentials grant), without
            anyone's consent: Microsoft 365 shared mailboxes (the app needs the application
            permissions IMAP.AccessAsApp, POP.AccessAsApp, SMTP.SendAsApp and, in Exchange, a
            mailbox permission: ``Add-MailboxPermission``).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CallbackResult | Problem]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    app_id: str,
    *,
    client: AuthenticatedClient,
    body: AppOnlyConnect,
) -> CallbackResult | Problem | None:
    """Connect App Only

     Connect a mailbox with the app's own credentials (app-only access, no consent).

    Args:
        app_id (str):
        body (AppOnlyConnect): A mailbox the app opens with its own credentials (client
            credentials grant), without
            anyone's consent: Microsoft 365 shared mailboxes (the app needs the application
            permissions IMAP.AccessAsApp, POP.AccessAsApp, SMTP.SendAsApp and, in Exchange, a
            mailbox permission: ``Add-MailboxPermission``).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CallbackResult | Problem
    """

    return sync_detailed(
        app_id=app_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    app_id: str,
    *,
    client: AuthenticatedClient,
    body: AppOnlyConnect,
) -> Response[CallbackResult | Problem]:
    """Connect App Only

     Connect a mailbox with the app's own credentials (app-only access, no consent).

    Args:
        app_id (str):
        body (AppOnlyConnect): A mailbox the app opens with its own credentials (client
            credentials grant), without
            anyone's consent: Microsoft 365 shared mailboxes (the app needs the application
            permissions IMAP.AccessAsApp, POP.AccessAsApp, SMTP.SendAsApp and, in Exchange, a
            mailbox permission: ``Add-MailboxPermission``).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CallbackResult | Problem]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    app_id: str,
    *,
    client: AuthenticatedClient,
    body: AppOnlyConnect,
) -> CallbackResult | Problem | None:
    """Connect App Only

     Connect a mailbox with the app's own credentials (app-only access, no consent).

    Args:
        app_id (str):
        body (AppOnlyConnect): A mailbox the app opens with its own credentials (client
            credentials grant), without
            anyone's consent: Microsoft 365 shared mailboxes (the app needs the application
            permissions IMAP.AccessAsApp, POP.AccessAsApp, SMTP.SendAsApp and, in Exchange, a
            mailbox permission: ``Add-MailboxPermission``).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CallbackResult | Problem
    """

    return (
        await asyncio_detailed(
            app_id=app_id,
            client=client,
            body=body,
        )
    ).parsed
