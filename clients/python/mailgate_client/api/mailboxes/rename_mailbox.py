from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.mailbox_out import MailboxOut
from ...models.mailbox_rename import MailboxRename
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    account: str,
    mailbox: str,
    *,
    body: MailboxRename,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/v1/accounts/{account}/mailboxes/{mailbox}".format(
            account=quote(str(account), safe=""),
            mailbox=quote(str(mailbox), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> MailboxOut | Problem | None:
    if response.status_code == 200:
        response_200 = MailboxOut.from_dict(response.json())

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
) -> Response[MailboxOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    account: str,
    mailbox: str,
    *,
    client: AuthenticatedClient,
    body: MailboxRename,
) -> Response[MailboxOut | Problem]:
    """Rename Mailbox

    Args:
        account (str): Account id
        mailbox (str): A mailbox: its `id` from the mailbox list, `INBOX`, or its path as the list
            shows it (`Sent`, `Archive`; URL-encoded in a URL). A string that is a mailbox id is taken
            as that id; write `path:` before a path to have it taken as a path whatever it looks like
            (`path:Sent`)
        body (MailboxRename):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MailboxOut | Problem]
    """

    kwargs = _get_kwargs(
        account=account,
        mailbox=mailbox,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    account: str,
    mailbox: str,
    *,
    client: AuthenticatedClient,
    body: MailboxRename,
) -> MailboxOut | Problem | None:
    """Rename Mailbox

    Args:
        account (str): Account id
        mailbox (str): A mailbox: its `id` from the mailbox list, `INBOX`, or its path as the list
            shows it (`Sent`, `Archive`; URL-encoded in a URL). A string that is a mailbox id is taken
            as that id; write `path:` before a path to have it taken as a path whatever it looks like
            (`path:Sent`)
        body (MailboxRename):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MailboxOut | Problem
    """

    return sync_detailed(
        account=account,
        mailbox=mailbox,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    account: str,
    mailbox: str,
    *,
    client: AuthenticatedClient,
    body: MailboxRename,
) -> Response[MailboxOut | Problem]:
    """Rename Mailbox

    Args:
        account (str): Account id
        mailbox (str): A mailbox: its `id` from the mailbox list, `INBOX`, or its path as the list
            shows it (`Sent`, `Archive`; URL-encoded in a URL). A string that is a mailbox id is taken
            as that id; write `path:` before a path to have it taken as a path whatever it looks like
            (`path:Sent`)
        body (MailboxRename):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MailboxOut | Problem]
    """

    kwargs = _get_kwargs(
        account=account,
        mailbox=mailbox,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    account: str,
    mailbox: str,
    *,
    client: AuthenticatedClient,
    body: MailboxRename,
) -> MailboxOut | Problem | None:
    """Rename Mailbox

    Args:
        account (str): Account id
        mailbox (str): A mailbox: its `id` from the mailbox list, `INBOX`, or its path as the list
            shows it (`Sent`, `Archive`; URL-encoded in a URL). A string that is a mailbox id is taken
            as that id; write `path:` before a path to have it taken as a path whatever it looks like
            (`path:Sent`)
        body (MailboxRename):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MailboxOut | Problem
    """

    return (
        await asyncio_detailed(
            account=account,
            mailbox=mailbox,
            client=client,
            body=body,
        )
    ).parsed
