from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.get_thread_order import GetThreadOrder
from ...models.problem import Problem
from ...models.thread_out import ThreadOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    account: str,
    thread_id: str,
    *,
    order: GetThreadOrder | Unset = GetThreadOrder.OLDEST,
    limit: int | Unset = 100,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_order: str | Unset = UNSET
    if not isinstance(order, Unset):
        json_order = order.value

    params["order"] = json_order

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/accounts/{account}/threads/{thread_id}".format(
            account=quote(str(account), safe=""),
            thread_id=quote(str(thread_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | ThreadOut | None:
    if response.status_code == 200:
        response_200 = ThreadOut.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | ThreadOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    account: str,
    thread_id: str,
    *,
    client: AuthenticatedClient,
    order: GetThreadOrder | Unset = GetThreadOrder.OLDEST,
    limit: int | Unset = 100,
) -> Response[Problem | ThreadOut]:
    """Get Thread

     The thread's messages in the account's mailboxes, as listing items. Searched: the account's \\All
    mailbox alone when it has one (Gmail's All Mail); else every selectable mailbox but \\Trash and
    \\Junk (INBOX and \\Sent first, then the subscribed ones), at most 50. A copy of a message in two
    mailboxes is listed twice (two ids). 404 thread_not_found for an id the account has no thread of, or
    whose messages are all gone.

    Args:
        account (str): Account id
        thread_id (str): A message's thread_id
        order (GetThreadOrder | Unset): oldest first (a conversation as it happened, the default)
            or newest first Default: GetThreadOrder.OLDEST.
        limit (int | Unset): Messages returned at most (total counts them all) Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ThreadOut]
    """

    kwargs = _get_kwargs(
        account=account,
        thread_id=thread_id,
        order=order,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    account: str,
    thread_id: str,
    *,
    client: AuthenticatedClient,
    order: GetThreadOrder | Unset = GetThreadOrder.OLDEST,
    limit: int | Unset = 100,
) -> Problem | ThreadOut | None:
    """Get Thread

     The thread's messages in the account's mailboxes, as listing items. Searched: the account's \\All
    mailbox alone when it has one (Gmail's All Mail); else every selectable mailbox but \\Trash and
    \\Junk (INBOX and \\Sent first, then the subscribed ones), at most 50. A copy of a message in two
    mailboxes is listed twice (two ids). 404 thread_not_found for an id the account has no thread of, or
    whose messages are all gone.

    Args:
        account (str): Account id
        thread_id (str): A message's thread_id
        order (GetThreadOrder | Unset): oldest first (a conversation as it happened, the default)
            or newest first Default: GetThreadOrder.OLDEST.
        limit (int | Unset): Messages returned at most (total counts them all) Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ThreadOut
    """

    return sync_detailed(
        account=account,
        thread_id=thread_id,
        client=client,
        order=order,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    account: str,
    thread_id: str,
    *,
    client: AuthenticatedClient,
    order: GetThreadOrder | Unset = GetThreadOrder.OLDEST,
    limit: int | Unset = 100,
) -> Response[Problem | ThreadOut]:
    """Get Thread

     The thread's messages in the account's mailboxes, as listing items. Searched: the account's \\All
    mailbox alone when it has one (Gmail's All Mail); else every selectable mailbox but \\Trash and
    \\Junk (INBOX and \\Sent first, then the subscribed ones), at most 50. A copy of a message in two
    mailboxes is listed twice (two ids). 404 thread_not_found for an id the account has no thread of, or
    whose messages are all gone.

    Args:
        account (str): Account id
        thread_id (str): A message's thread_id
        order (GetThreadOrder | Unset): oldest first (a conversation as it happened, the default)
            or newest first Default: GetThreadOrder.OLDEST.
        limit (int | Unset): Messages returned at most (total counts them all) Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ThreadOut]
    """

    kwargs = _get_kwargs(
        account=account,
        thread_id=thread_id,
        order=order,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    account: str,
    thread_id: str,
    *,
    client: AuthenticatedClient,
    order: GetThreadOrder | Unset = GetThreadOrder.OLDEST,
    limit: int | Unset = 100,
) -> Problem | ThreadOut | None:
    """Get Thread

     The thread's messages in the account's mailboxes, as listing items. Searched: the account's \\All
    mailbox alone when it has one (Gmail's All Mail); else every selectable mailbox but \\Trash and
    \\Junk (INBOX and \\Sent first, then the subscribed ones), at most 50. A copy of a message in two
    mailboxes is listed twice (two ids). 404 thread_not_found for an id the account has no thread of, or
    whose messages are all gone.

    Args:
        account (str): Account id
        thread_id (str): A message's thread_id
        order (GetThreadOrder | Unset): oldest first (a conversation as it happened, the default)
            or newest first Default: GetThreadOrder.OLDEST.
        limit (int | Unset): Messages returned at most (total counts them all) Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ThreadOut
    """

    return (
        await asyncio_detailed(
            account=account,
            thread_id=thread_id,
            client=client,
            order=order,
            limit=limit,
        )
    ).parsed
