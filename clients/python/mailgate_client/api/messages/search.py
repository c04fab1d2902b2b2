import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.search_result import SearchResult
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    q: None | str | Unset = UNSET,
    accounts: list[str] | None | Unset = UNSET,
    from_: None | str | Unset = UNSET,
    to: None | str | Unset = UNSET,
    subject: None | str | Unset = UNSET,
    since: datetime.date | None | Unset = UNSET,
    before: datetime.date | None | Unset = UNSET,
    unseen: bool | None | Unset = UNSET,
    flagged: bool | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_q: None | str | Unset
    if isinstance(q, Unset):
        json_q = UNSET
    else:
        json_q = q
    params["q"] = json_q

    json_accounts: list[str] | None | Unset
    if isinstance(accounts, Unset):
        json_accounts = UNSET
    elif isinstance(accounts, list):
        json_accounts = accounts

    else:
        json_accounts = accounts
    params["accounts"] = json_accounts

    json_from_: None | str | Unset
    if isinstance(from_, Unset):
        json_from_ = UNSET
    else:
        json_from_ = from_
    params["from"] = json_from_

    json_to: None | str | Unset
    if isinstance(to, Unset):
        json_to = UNSET
    else:
        json_to = to
    params["to"] = json_to

    json_subject: None | str | Unset
    if isinstance(subject, Unset):
        json_subject = UNSET
    else:
        json_subject = subject
    params["subject"] = json_subject

    json_since: None | str | Unset
    if isinstance(since, Unset):
        json_since = UNSET
    elif isinstance(since, datetime.date):
        json_since = since.isoformat()
    else:
        json_since = since
    params["since"] = json_since

    json_before: None | str | Unset
    if isinstance(before, Unset):
        json_before = UNSET
    elif isinstance(before, datetime.date):
        json_before = before.isoformat()
    else:
        json_before = before
    params["before"] = json_before

    json_unseen: bool | None | Unset
    if isinstance(unseen, Unset):
        json_unseen = UNSET
    else:
        json_unseen = unseen
    params["unseen"] = json_unseen

    json_flagged: bool | None | Unset
    if isinstance(flagged, Unset):
        json_flagged = UNSET
    else:
        json_flagged = flagged
    params["flagged"] = json_flagged

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
        "url": "/v1/search",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | SearchResult | None:
    if response.status_code == 200:
        response_200 = SearchResult.from_dict(response.json())

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
) -> Response[Problem | SearchResult]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    q: None | str | Unset = UNSET,
    accounts: list[str] | None | Unset = UNSET,
    from_: None | str | Unset = UNSET,
    to: None | str | Unset = UNSET,
    subject: None | str | Unset = UNSET,
    since: datetime.date | None | Unset = UNSET,
    before: datetime.date | None | Unset = UNSET,
    unseen: bool | None | Unset = UNSET,
    flagged: bool | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Response[Problem | SearchResult]:
    """Search

     Search every account the token may see (or those named in `accounts`), each with one IMAP SEARCH per
    mailbox on the server, with the filters of a message listing. Mailboxes: an account's \\All mailbox
    alone when it has one (Gmail), else every selectable one but \\Trash and \\Junk. Newest first by
    arrival (IMAP INTERNALDATE), paged by `cursor`. Bounded in mailboxes, connections per account and
    time: what was not searched (a server down, the time budget, the mailbox cap) is listed in
    `not_searched` and `partial` is true; the rest is answered. At least one filter is required.

    Args:
        q (None | str | Unset): Words in the header or body (IMAP SEARCH TEXT); no control
            characters
        accounts (list[str] | None | Unset): Only these accounts, repeated or comma-separated
            (default: every account the token may see)
        from_ (None | str | Unset):
        to (None | str | Unset):
        subject (None | str | Unset):
        since (datetime.date | None | Unset):
        before (datetime.date | None | Unset):
        unseen (bool | None | Unset):
        flagged (bool | None | Unset):
        limit (int | Unset): Messages per page Default: 50.
        cursor (None | str | Unset): `next_cursor` of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SearchResult]
    """

    kwargs = _get_kwargs(
        q=q,
        accounts=accounts,
        from_=from_,
        to=to,
        subject=subject,
        since=since,
        before=before,
        unseen=unseen,
        flagged=flagged,
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
    q: None | str | Unset = UNSET,
    accounts: list[str] | None | Unset = UNSET,
    from_: None | str | Unset = UNSET,
    to: None | str | Unset = UNSET,
    subject: None | str | Unset = UNSET,
    since: datetime.date | None | Unset = UNSET,
    before: datetime.date | None | Unset = UNSET,
    unseen: bool | None | Unset = UNSET,
    flagged: bool | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Problem | SearchResult | None:
    """Search

     Search every account the token may see (or those named in `accounts`), each with one IMAP SEARCH per
    mailbox on the server, with the filters of a message listing. Mailboxes: an account's \\All mailbox
    alone when it has one (Gmail), else every selectable one but \\Trash and \\Junk. Newest first by
    arrival (IMAP INTERNALDATE), paged by `cursor`. Bounded in mailboxes, connections per account and
    time: what was not searched (a server down, the time budget, the mailbox cap) is listed in
    `not_searched` and `partial` is true; the rest is answered. At least one filter is required.

    Args:
        q (None | str | Unset): Words in the header or body (IMAP SEARCH TEXT); no control
            characters
        accounts (list[str] | None | Unset): Only these accounts, repeated or comma-separated
            (default: every account the token may see)
        from_ (None | str | Unset):
        to (None | str | Unset):
        subject (None | str | Unset):
        since (datetime.date | None | Unset):
        before (datetime.date | None | Unset):
        unseen (bool | None | Unset):
        flagged (bool | None | Unset):
        limit (int | Unset): Messages per page Default: 50.
        cursor (None | str | Unset): `next_cursor` of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SearchResult
    """

    return sync_detailed(
        client=client,
        q=q,
        accounts=accounts,
        from_=from_,
        to=to,
        subject=subject,
        since=since,
        before=before,
        unseen=unseen,
        flagged=flagged,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    q: None | str | Unset = UNSET,
    accounts: list[str] | None | Unset = UNSET,
    from_: None | str | Unset = UNSET,
    to: None | str | Unset = UNSET,
    subject: None | str | Unset = UNSET,
    since: datetime.date | None | Unset = UNSET,
    before: datetime.date | None | Unset = UNSET,
    unseen: bool | None | Unset = UNSET,
    flagged: bool | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Response[Problem | SearchResult]:
    """Search

     Search every account the token may see (or those named in `accounts`), each with one IMAP SEARCH per
    mailbox on the server, with the filters of a message listing. Mailboxes: an account's \\All mailbox
    alone when it has one (Gmail), else every selectable one but \\Trash and \\Junk. Newest first by
    arrival (IMAP INTERNALDATE), paged by `cursor`. Bounded in mailboxes, connections per account and
    time: what was not searched (a server down, the time budget, the mailbox cap) is listed in
    `not_searched` and `partial` is true; the rest is answered. At least one filter is required.

    Args:
        q (None | str | Unset): Words in the header or body (IMAP SEARCH TEXT); no control
            characters
        accounts (list[str] | None | Unset): Only these accounts, repeated or comma-separated
            (default: every account the token may see)
        from_ (None | str | Unset):
        to (None | str | Unset):
        subject (None | str | Unset):
        since (datetime.date | None | Unset):
        before (datetime.date | None | Unset):
        unseen (bool | None | Unset):
        flagged (bool | None | Unset):
        limit (int | Unset): Messages per page Default: 50.
        cursor (None | str | Unset): `next_cursor` of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SearchResult]
    """

    kwargs = _get_kwargs(
        q=q,
        accounts=accounts,
        from_=from_,
        to=to,
        subject=subject,
        since=since,
        before=before,
        unseen=unseen,
        flagged=flagged,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    q: None | str | Unset = UNSET,
    accounts: list[str] | None | Unset = UNSET,
    from_: None | str | Unset = UNSET,
    to: None | str | Unset = UNSET,
    subject: None | str | Unset = UNSET,
    since: datetime.date | None | Unset = UNSET,
    before: datetime.date | None | Unset = UNSET,
    unseen: bool | None | Unset = UNSET,
    flagged: bool | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
) -> Problem | SearchResult | None:
    """Search

     Search every account the token may see (or those named in `accounts`), each with one IMAP SEARCH per
    mailbox on the server, with the filters of a message listing. Mailboxes: an account's \\All mailbox
    alone when it has one (Gmail), else every selectable one but \\Trash and \\Junk. Newest first by
    arrival (IMAP INTERNALDATE), paged by `cursor`. Bounded in mailboxes, connections per account and
    time: what was not searched (a server down, the time budget, the mailbox cap) is listed in
    `not_searched` and `partial` is true; the rest is answered. At least one filter is required.

    Args:
        q (None | str | Unset): Words in the header or body (IMAP SEARCH TEXT); no control
            characters
        accounts (list[str] | None | Unset): Only these accounts, repeated or comma-separated
            (default: every account the token may see)
        from_ (None | str | Unset):
        to (None | str | Unset):
        subject (None | str | Unset):
        since (datetime.date | None | Unset):
        before (datetime.date | None | Unset):
        unseen (bool | None | Unset):
        flagged (bool | None | Unset):
        limit (int | Unset): Messages per page Default: 50.
        cursor (None | str | Unset): `next_cursor` of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SearchResult
    """

    return (
        await asyncio_detailed(
            client=client,
            q=q,
            accounts=accounts,
            from_=from_,
            to=to,
            subject=subject,
            since=since,
            before=before,
            unseen=unseen,
            flagged=flagged,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
