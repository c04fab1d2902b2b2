import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.message_list import MessageList
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    account: str,
    mailbox: str,
    *,
    unseen: bool | None | Unset = UNSET,
    flagged: bool | None | Unset = UNSET,
    from_: None | str | Unset = UNSET,
    to: None | str | Unset = UNSET,
    subject: None | str | Unset = UNSET,
    text: None | str | Unset = UNSET,
    since: datetime.date | None | Unset = UNSET,
    before: datetime.date | None | Unset = UNSET,
    x_gm_raw: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    collapse_threads: bool | Unset = False,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

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

    json_text: None | str | Unset
    if isinstance(text, Unset):
        json_text = UNSET
    else:
        json_text = text
    params["text"] = json_text

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

    json_x_gm_raw: None | str | Unset
    if isinstance(x_gm_raw, Unset):
        json_x_gm_raw = UNSET
    else:
        json_x_gm_raw = x_gm_raw
    params["x_gm_raw"] = json_x_gm_raw

    params["limit"] = limit

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    params["collapse_threads"] = collapse_threads

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/accounts/{account}/mailboxes/{mailbox}/messages".format(
            account=quote(str(account), safe=""),
            mailbox=quote(str(mailbox), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> MessageList | Problem | None:
    if response.status_code == 200:
        response_200 = MessageList.from_dict(response.json())

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
) -> Response[MessageList | Problem]:
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
    unseen: bool | None | Unset = UNSET,
    flagged: bool | None | Unset = UNSET,
    from_: None | str | Unset = UNSET,
    to: None | str | Unset = UNSET,
    subject: None | str | Unset = UNSET,
    text: None | str | Unset = UNSET,
    since: datetime.date | None | Unset = UNSET,
    before: datetime.date | None | Unset = UNSET,
    x_gm_raw: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    collapse_threads: bool | Unset = False,
) -> Response[MessageList | Problem]:
    """List Messages

    Args:
        account (str): Account id
        mailbox (str): A mailbox: its `id` from the mailbox list, `INBOX`, or its path as the list
            shows it (`Sent`, `Archive`; URL-encoded in a URL). A string that is a mailbox id is taken
            as that id; write `path:` before a path to have it taken as a path whatever it looks like
            (`path:Sent`)
        unseen (bool | None | Unset):
        flagged (bool | None | Unset):
        from_ (None | str | Unset):
        to (None | str | Unset):
        subject (None | str | Unset):
        text (None | str | Unset):
        since (datetime.date | None | Unset):
        before (datetime.date | None | Unset):
        x_gm_raw (None | str | Unset): Gmail only (X-GM-EXT-1): a search in Gmail's own syntax
            (X-GM-RAW), e.g. 'has:attachment in:unread' or 'from:ann newer_than:7d'; combined with the
            other filters. Elsewhere a 422 x_gm_raw_unsupported.
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` of the previous page
        collapse_threads (bool | Unset): One entry per thread: the newest message of each thread
            in this listing (same filters), with thread_count; threads ordered by their newest
            message, paged by cursor. Looks at the newest 10,000 messages of the listing. Default:
            False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MessageList | Problem]
    """

    kwargs = _get_kwargs(
        account=account,
        mailbox=mailbox,
        unseen=unseen,
        flagged=flagged,
        from_=from_,
        to=to,
        subject=subject,
        text=text,
        since=since,
        before=before,
        x_gm_raw=x_gm_raw,
        limit=limit,
        cursor=cursor,
        collapse_threads=collapse_threads,
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
    unseen: bool | None | Unset = UNSET,
    flagged: bool | None | Unset = UNSET,
    from_: None | str | Unset = UNSET,
    to: None | str | Unset = UNSET,
    subject: None | str | Unset = UNSET,
    text: None | str | Unset = UNSET,
    since: datetime.date | None | Unset = UNSET,
    before: datetime.date | None | Unset = UNSET,
    x_gm_raw: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    collapse_threads: bool | Unset = False,
) -> MessageList | Problem | None:
    """List Messages

    Args:
        account (str): Account id
        mailbox (str): A mailbox: its `id` from the mailbox list, `INBOX`, or its path as the list
            shows it (`Sent`, `Archive`; URL-encoded in a URL). A string that is a mailbox id is taken
            as that id; write `path:` before a path to have it taken as a path whatever it looks like
            (`path:Sent`)
        unseen (bool | None | Unset):
        flagged (bool | None | Unset):
        from_ (None | str | Unset):
        to (None | str | Unset):
        subject (None | str | Unset):
        text (None | str | Unset):
        since (datetime.date | None | Unset):
        before (datetime.date | None | Unset):
        x_gm_raw (None | str | Unset): Gmail only (X-GM-EXT-1): a search in Gmail's own syntax
            (X-GM-RAW), e.g. 'has:attachment in:unread' or 'from:ann newer_than:7d'; combined with the
            other filters. Elsewhere a 422 x_gm_raw_unsupported.
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` of the previous page
        collapse_threads (bool | Unset): One entry per thread: the newest message of each thread
            in this listing (same filters), with thread_count; threads ordered by their newest
            message, paged by cursor. Looks at the newest 10,000 messages of the listing. Default:
            False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MessageList | Problem
    """

    return sync_detailed(
        account=account,
        mailbox=mailbox,
        client=client,
        unseen=unseen,
        flagged=flagged,
        from_=from_,
        to=to,
        subject=subject,
        text=text,
        since=since,
        before=before,
        x_gm_raw=x_gm_raw,
        limit=limit,
        cursor=cursor,
        collapse_threads=collapse_threads,
    ).parsed


async def asyncio_detailed(
    account: str,
    mailbox: str,
    *,
    client: AuthenticatedClient,
    unseen: bool | None | Unset = UNSET,
    flagged: bool | None | Unset = UNSET,
    from_: None | str | Unset = UNSET,
    to: None | str | Unset = UNSET,
    subject: None | str | Unset = UNSET,
    text: None | str | Unset = UNSET,
    since: datetime.date | None | Unset = UNSET,
    before: datetime.date | None | Unset = UNSET,
    x_gm_raw: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    collapse_threads: bool | Unset = False,
) -> Response[MessageList | Problem]:
    """List Messages

    Args:
        account (str): Account id
        mailbox (str): A mailbox: its `id` from the mailbox list, `INBOX`, or its path as the list
            shows it (`Sent`, `Archive`; URL-encoded in a URL). A string that is a mailbox id is taken
            as that id; write `path:` before a path to have it taken as a path whatever it looks like
            (`path:Sent`)
        unseen (bool | None | Unset):
        flagged (bool | None | Unset):
        from_ (None | str | Unset):
        to (None | str | Unset):
        subject (None | str | Unset):
        text (None | str | Unset):
        since (datetime.date | None | Unset):
        before (datetime.date | None | Unset):
        x_gm_raw (None | str | Unset): Gmail only (X-GM-EXT-1): a search in Gmail's own syntax
            (X-GM-RAW), e.g. 'has:attachment in:unread' or 'from:ann newer_than:7d'; combined with the
            other filters. Elsewhere a 422 x_gm_raw_unsupported.
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` of the previous page
        collapse_threads (bool | Unset): One entry per thread: the newest message of each thread
            in this listing (same filters), with thread_count; threads ordered by their newest
            message, paged by cursor. Looks at the newest 10,000 messages of the listing. Default:
            False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MessageList | Problem]
    """

    kwargs = _get_kwargs(
        account=account,
        mailbox=mailbox,
        unseen=unseen,
        flagged=flagged,
        from_=from_,
        to=to,
        subject=subject,
        text=text,
        since=since,
        before=before,
        x_gm_raw=x_gm_raw,
        limit=limit,
        cursor=cursor,
        collapse_threads=collapse_threads,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    account: str,
    mailbox: str,
    *,
    client: AuthenticatedClient,
    unseen: bool | None | Unset = UNSET,
    flagged: bool | None | Unset = UNSET,
    from_: None | str | Unset = UNSET,
    to: None | str | Unset = UNSET,
    subject: None | str | Unset = UNSET,
    text: None | str | Unset = UNSET,
    since: datetime.date | None | Unset = UNSET,
    before: datetime.date | None | Unset = UNSET,
    x_gm_raw: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    collapse_threads: bool | Unset = False,
) -> MessageList | Problem | None:
    """List Messages

    Args:
        account (str): Account id
        mailbox (str): A mailbox: its `id` from the mailbox list, `INBOX`, or its path as the list
            shows it (`Sent`, `Archive`; URL-encoded in a URL). A string that is a mailbox id is taken
            as that id; write `path:` before a path to have it taken as a path whatever it looks like
            (`path:Sent`)
        unseen (bool | None | Unset):
        flagged (bool | None | Unset):
        from_ (None | str | Unset):
        to (None | str | Unset):
        subject (None | str | Unset):
        text (None | str | Unset):
        since (datetime.date | None | Unset):
        before (datetime.date | None | Unset):
        x_gm_raw (None | str | Unset): Gmail only (X-GM-EXT-1): a search in Gmail's own syntax
            (X-GM-RAW), e.g. 'has:attachment in:unread' or 'from:ann newer_than:7d'; combined with the
            other filters. Elsewhere a 422 x_gm_raw_unsupported.
        limit (int | Unset): Items per page Default: 50.
        cursor (None | str | Unset): `next_cursor` of the previous page
        collapse_threads (bool | Unset): One entry per thread: the newest message of each thread
            in this listing (same filters), with thread_count; threads ordered by their newest
            message, paged by cursor. Looks at the newest 10,000 messages of the listing. Default:
            False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MessageList | Problem
    """

    return (
        await asyncio_detailed(
            account=account,
            mailbox=mailbox,
            client=client,
            unseen=unseen,
            flagged=flagged,
            from_=from_,
            to=to,
            subject=subject,
            text=text,
            since=since,
            before=before,
            x_gm_raw=x_gm_raw,
            limit=limit,
            cursor=cursor,
            collapse_threads=collapse_threads,
        )
    ).parsed
