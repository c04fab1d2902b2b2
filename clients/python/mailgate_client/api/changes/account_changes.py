from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.changes_out import ChangesOut
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    account: str,
    *,
    since: str,
    limit: int | Unset = 500,
    mailbox: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["since"] = since

    params["limit"] = limit

    json_mailbox: None | str | Unset
    if isinstance(mailbox, Unset):
        json_mailbox = UNSET
    else:
        json_mailbox = mailbox
    params["mailbox"] = json_mailbox

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/accounts/{account}/changes".format(
            account=quote(str(account), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ChangesOut | Problem | None:
    if response.status_code == 200:
        response_200 = ChangesOut.from_dict(response.json())

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

    if response.status_code == 410:
        response_410 = Problem.from_dict(response.json())

        return response_410

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
) -> Response[ChangesOut | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    account: str,
    *,
    client: AuthenticatedClient,
    since: str,
    limit: int | Unset = 500,
    mailbox: None | str | Unset = UNSET,
) -> Response[ChangesOut | Problem]:
    """Account Changes

     What changed in the account's mailboxes and messages after `since`.

    Args:
        account (str): Account id
        since (str): A `state` from a listing or `new_state` from an earlier page. 410
            cannot_calculate_changes when the gateway cannot answer from it (not one it issued for
            this account or mailbox, from before a reset of the account's feed, or older than the
            changes it keeps): list again
        limit (int | Unset): Ids per page (messages and mailboxes together); has_more says when
            more follow Default: 500.
        mailbox (None | str | Unset): Only this mailbox's changes (as GET
            .../mailboxes/{mailbox}/changes)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ChangesOut | Problem]
    """

    kwargs = _get_kwargs(
        account=account,
        since=since,
        limit=limit,
        mailbox=mailbox,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    account: str,
    *,
    client: AuthenticatedClient,
    since: str,
    limit: int | Unset = 500,
    mailbox: None | str | Unset = UNSET,
) -> ChangesOut | Problem | None:
    """Account Changes

     What changed in the account's mailboxes and messages after `since`.

    Args:
        account (str): Account id
        since (str): A `state` from a listing or `new_state` from an earlier page. 410
            cannot_calculate_changes when the gateway cannot answer from it (not one it issued for
            this account or mailbox, from before a reset of the account's feed, or older than the
            changes it keeps): list again
        limit (int | Unset): Ids per page (messages and mailboxes together); has_more says when
            more follow Default: 500.
        mailbox (None | str | Unset): Only this mailbox's changes (as GET
            .../mailboxes/{mailbox}/changes)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ChangesOut | Problem
    """

    return sync_detailed(
        account=account,
        client=client,
        since=since,
        limit=limit,
        mailbox=mailbox,
    ).parsed


async def asyncio_detailed(
    account: str,
    *,
    client: AuthenticatedClient,
    since: str,
    limit: int | Unset = 500,
    mailbox: None | str | Unset = UNSET,
) -> Response[ChangesOut | Problem]:
    """Account Changes

     What changed in the account's mailboxes and messages after `since`.

    Args:
        account (str): Account id
        since (str): A `state` from a listing or `new_state` from an earlier page. 410
            cannot_calculate_changes when the gateway cannot answer from it (not one it issued for
            this account or mailbox, from before a reset of the account's feed, or older than the
            changes it keeps): list again
        limit (int | Unset): Ids per page (messages and mailboxes together); has_more says when
            more follow Default: 500.
        mailbox (None | str | Unset): Only this mailbox's changes (as GET
            .../mailboxes/{mailbox}/changes)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ChangesOut | Problem]
    """

    kwargs = _get_kwargs(
        account=account,
        since=since,
        limit=limit,
        mailbox=mailbox,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    account: str,
    *,
    client: AuthenticatedClient,
    since: str,
    limit: int | Unset = 500,
    mailbox: None | str | Unset = UNSET,
) -> ChangesOut | Problem | None:
    """Account Changes

     What changed in the account's mailboxes and messages after `since`.

    Args:
        account (str): Account id
        since (str): A `state` from a listing or `new_state` from an earlier page. 410
            cannot_calculate_changes when the gateway cannot answer from it (not one it issued for
            this account or mailbox, from before a reset of the account's feed, or older than the
            changes it keeps): list again
        limit (int | Unset): Ids per page (messages and mailboxes together); has_more says when
            more follow Default: 500.
        mailbox (None | str | Unset): Only this mailbox's changes (as GET
            .../mailboxes/{mailbox}/changes)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ChangesOut | Problem
    """

    return (
        await asyncio_detailed(
            account=account,
            client=client,
            since=since,
            limit=limit,
            mailbox=mailbox,
        )
    ).parsed
