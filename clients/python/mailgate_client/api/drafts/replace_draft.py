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
    draft: str,
    *,
    body: DraftRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/accounts/{account}/drafts/{draft}".format(
            account=quote(str(account), safe=""),
            draft=quote(str(draft), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> DraftSaved | Problem | None:
    if response.status_code == 200:
        response_200 = DraftSaved.from_dict(response.json())

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
) -> Response[DraftSaved | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    account: str,
    draft: str,
    *,
    client: AuthenticatedClient,
    body: DraftRequest,
) -> Response[DraftSaved | Problem]:
    """Replace Draft

     Replace the draft with this one. Saves a new version (APPEND with \\Draft and \\Seen) and removes
    the old one (UID EXPUNGE): the draft's id changes, the answer says the new one (and previous_id).
    404 draft_not_found for an id that is not the current version; 409 draft_changed when another update
    or a send took this version meanwhile.

    Args:
        account (str): Account id
        draft (str): The draft's id: the message id of its current version (it changes with every
            update)
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
        draft=draft,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    account: str,
    draft: str,
    *,
    client: AuthenticatedClient,
    body: DraftRequest,
) -> DraftSaved | Problem | None:
    """Replace Draft

     Replace the draft with this one. Saves a new version (APPEND with \\Draft and \\Seen) and removes
    the old one (UID EXPUNGE): the draft's id changes, the answer says the new one (and previous_id).
    404 draft_not_found for an id that is not the current version; 409 draft_changed when another update
    or a send took this version meanwhile.

    Args:
        account (str): Account id
        draft (str): The draft's id: the message id of its current version (it changes with every
            update)
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
        draft=draft,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    account: str,
    draft: str,
    *,
    client: AuthenticatedClient,
    body: DraftRequest,
) -> Response[DraftSaved | Problem]:
    """Replace Draft

     Replace the draft with this one. Saves a new version (APPEND with \\Draft and \\Seen) and removes
    the old one (UID EXPUNGE): the draft's id changes, the answer says the new one (and previous_id).
    404 draft_not_found for an id that is not the current version; 409 draft_changed when another update
    or a send took this version meanwhile.

    Args:
        account (str): Account id
        draft (str): The draft's id: the message id of its current version (it changes with every
            update)
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
        draft=draft,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    account: str,
    draft: str,
    *,
    client: AuthenticatedClient,
    body: DraftRequest,
) -> DraftSaved | Problem | None:
    """Replace Draft

     Replace the draft with this one. Saves a new version (APPEND with \\Draft and \\Seen) and removes
    the old one (UID EXPUNGE): the draft's id changes, the answer says the new one (and previous_id).
    404 draft_not_found for an id that is not the current version; 409 draft_changed when another update
    or a send took this version meanwhile.

    Args:
        account (str): Account id
        draft (str): The draft's id: the message id of its current version (it changes with every
            update)
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
            draft=draft,
            client=client,
            body=body,
        )
    ).parsed
