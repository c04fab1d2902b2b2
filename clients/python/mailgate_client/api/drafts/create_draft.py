from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.draft_request import DraftRequest
from ...models.draft_saved import DraftSaved
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    account: str,
    *,
    body: DraftRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/accounts/{account}/drafts".format(
            account=quote(str(account), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> DraftSaved | Problem | None:
    if response.status_code == 201:
        response_201 = DraftSaved.from_dict(response.json())

        return response_201

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
) -> Response[DraftSaved | Problem]:
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
    body: DraftRequest,
) -> Response[DraftSaved | Problem]:
    """Create Draft

     Save a draft in the account's Drafts mailbox: the one with the special use \\Drafts, else one named
    Drafts, else a Drafts mailbox created now. Built as a send would build it (the same checks, the
    from-policy among them), Bcc kept, no recipient required.

    Args:
        account (str): Account id
        body (DraftRequest): A draft: what a message to send says, without how it is sent. Nothing
            is required (a
            draft may have no recipient yet); Bcc is kept in the draft. `in_reply_to` makes it a
            reply: threaded now, and the original flagged \\Answered once the draft is sent.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DraftSaved | Problem]
    """

    kwargs = _get_kwargs(
        account=account,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    account: str,
    *,
    client: AuthenticatedClient,
    body: DraftRequest,
) -> DraftSaved | Problem | None:
    """Create Draft

     Save a draft in the account's Drafts mailbox: the one with the special use \\Drafts, else one named
    Drafts, else a Drafts mailbox created now. Built as a send would build it (the same checks, the
    from-policy among them), Bcc kept, no recipient required.

    Args:
        account (str): Account id
        body (DraftRequest): A draft: what a message to send says, without how it is sent. Nothing
            is required (a
            draft may have no recipient yet); Bcc is kept in the draft. `in_reply_to` makes it a
            reply: threaded now, and the original flagged \\Answered once the draft is sent.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DraftSaved | Problem
    """

    return sync_detailed(
        account=account,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    account: str,
    *,
    client: AuthenticatedClient,
    body: DraftRequest,
) -> Response[DraftSaved | Problem]:
    """Create Draft

     Save a draft in the account's Drafts mailbox: the one with the special use \\Drafts, else one named
    Drafts, else a Drafts mailbox created now. Built as a send would build it (the same checks, the
    from-policy among them), Bcc kept, no recipient required.

    Args:
        account (str): Account id
        body (DraftRequest): A draft: what a message to send says, without how it is sent. Nothing
            is required (a
            draft may have no recipient yet); Bcc is kept in the draft. `in_reply_to` makes it a
            reply: threaded now, and the original flagged \\Answered once the draft is sent.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DraftSaved | Problem]
    """

    kwargs = _get_kwargs(
        account=account,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    account: str,
    *,
    client: AuthenticatedClient,
    body: DraftRequest,
) -> DraftSaved | Problem | None:
    """Create Draft

     Save a draft in the account's Drafts mailbox: the one with the special use \\Drafts, else one named
    Drafts, else a Drafts mailbox created now. Built as a send would build it (the same checks, the
    from-policy among them), Bcc kept, no recipient required.

    Args:
        account (str): Account id
        body (DraftRequest): A draft: what a message to send says, without how it is sent. Nothing
            is required (a
            draft may have no recipient yet); Bcc is kept in the draft. `in_reply_to` makes it a
            reply: threaded now, and the original flagged \\Answered once the draft is sent.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DraftSaved | Problem
    """

    return (
        await asyncio_detailed(
            account=account,
            client=client,
            body=body,
        )
    ).parsed
