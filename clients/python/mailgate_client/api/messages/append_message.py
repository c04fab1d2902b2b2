from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.append_message_json_draft_in import AppendMessageJsonDraftIn
from ...models.message_id_out import MessageIdOut
from ...models.problem import Problem
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    account: str,
    mailbox: str,
    *,
    body: AppendMessageJsonDraftIn | File | Unset = UNSET,
    flags: list[str] | None | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    json_flags: list[str] | None | Unset
    if isinstance(flags, Unset):
        json_flags = UNSET
    elif isinstance(flags, list):
        json_flags = flags

    else:
        json_flags = flags
    params["flags"] = json_flags

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/accounts/{account}/mailboxes/{mailbox}/messages".format(
            account=quote(str(account), safe=""),
            mailbox=quote(str(mailbox), safe=""),
        ),
        "params": params,
    }

    if isinstance(body, AppendMessageJsonDraftIn):
        _kwargs["json"] = body.to_dict()

        headers["Content-Type"] = "application/json"
    if isinstance(body, File):
        _kwargs["content"] = body.payload
        headers["Content-Type"] = "message/rfc822"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> MessageIdOut | Problem | None:
    if response.status_code == 201:
        response_201 = MessageIdOut.from_dict(response.json())

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
) -> Response[MessageIdOut | Problem]:
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
    body: AppendMessageJsonDraftIn | File | Unset = UNSET,
    flags: list[str] | None | Unset = UNSET,
) -> Response[MessageIdOut | Problem]:
    """Append Message

    Args:
        account (str): Account id
        mailbox (str): A mailbox: its `id` from the mailbox list, `INBOX`, or its path as the list
            shows it (`Sent`, `Archive`; URL-encoded in a URL). A string that is a mailbox id is taken
            as that id; write `path:` before a path to have it taken as a path whatever it looks like
            (`path:Sent`)
        flags (list[str] | None | Unset): Flags, repeated or comma-separated
        body (AppendMessageJsonDraftIn): A JSON draft to append (built like a message to send, but
            not sent).
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MessageIdOut | Problem]
    """

    kwargs = _get_kwargs(
        account=account,
        mailbox=mailbox,
        body=body,
        flags=flags,
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
    body: AppendMessageJsonDraftIn | File | Unset = UNSET,
    flags: list[str] | None | Unset = UNSET,
) -> MessageIdOut | Problem | None:
    """Append Message

    Args:
        account (str): Account id
        mailbox (str): A mailbox: its `id` from the mailbox list, `INBOX`, or its path as the list
            shows it (`Sent`, `Archive`; URL-encoded in a URL). A string that is a mailbox id is taken
            as that id; write `path:` before a path to have it taken as a path whatever it looks like
            (`path:Sent`)
        flags (list[str] | None | Unset): Flags, repeated or comma-separated
        body (AppendMessageJsonDraftIn): A JSON draft to append (built like a message to send, but
            not sent).
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MessageIdOut | Problem
    """

    return sync_detailed(
        account=account,
        mailbox=mailbox,
        client=client,
        body=body,
        flags=flags,
    ).parsed


async def asyncio_detailed(
    account: str,
    mailbox: str,
    *,
    client: AuthenticatedClient,
    body: AppendMessageJsonDraftIn | File | Unset = UNSET,
    flags: list[str] | None | Unset = UNSET,
) -> Response[MessageIdOut | Problem]:
    """Append Message

    Args:
        account (str): Account id
        mailbox (str): A mailbox: its `id` from the mailbox list, `INBOX`, or its path as the list
            shows it (`Sent`, `Archive`; URL-encoded in a URL). A string that is a mailbox id is taken
            as that id; write `path:` before a path to have it taken as a path whatever it looks like
            (`path:Sent`)
        flags (list[str] | None | Unset): Flags, repeated or comma-separated
        body (AppendMessageJsonDraftIn): A JSON draft to append (built like a message to send, but
            not sent).
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MessageIdOut | Problem]
    """

    kwargs = _get_kwargs(
        account=account,
        mailbox=mailbox,
        body=body,
        flags=flags,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    account: str,
    mailbox: str,
    *,
    client: AuthenticatedClient,
    body: AppendMessageJsonDraftIn | File | Unset = UNSET,
    flags: list[str] | None | Unset = UNSET,
) -> MessageIdOut | Problem | None:
    """Append Message

    Args:
        account (str): Account id
        mailbox (str): A mailbox: its `id` from the mailbox list, `INBOX`, or its path as the list
            shows it (`Sent`, `Archive`; URL-encoded in a URL). A string that is a mailbox id is taken
            as that id; write `path:` before a path to have it taken as a path whatever it looks like
            (`path:Sent`)
        flags (list[str] | None | Unset): Flags, repeated or comma-separated
        body (AppendMessageJsonDraftIn): A JSON draft to append (built like a message to send, but
            not sent).
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MessageIdOut | Problem
    """

    return (
        await asyncio_detailed(
            account=account,
            mailbox=mailbox,
            client=client,
            body=body,
            flags=flags,
        )
    ).parsed
