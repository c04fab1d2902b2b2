import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.send_queued import SendQueued
from ...models.send_raw_mode import SendRawMode
from ...models.send_result import SendResult
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    account: str,
    *,
    body: File,
    mail_from: None | str | Unset = UNSET,
    rcpt_to: list[str] | None | Unset = UNSET,
    save_to_sent: bool | None | Unset = UNSET,
    mode: SendRawMode | Unset = SendRawMode.SYNC,
    send_at: datetime.datetime | None | Unset = UNSET,
    idempotency_key: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    params: dict[str, Any] = {}

    json_mail_from: None | str | Unset
    if isinstance(mail_from, Unset):
        json_mail_from = UNSET
    else:
        json_mail_from = mail_from
    params["mail_from"] = json_mail_from

    json_rcpt_to: list[str] | None | Unset
    if isinstance(rcpt_to, Unset):
        json_rcpt_to = UNSET
    elif isinstance(rcpt_to, list):
        json_rcpt_to = rcpt_to

    else:
        json_rcpt_to = rcpt_to
    params["rcpt_to"] = json_rcpt_to

    json_save_to_sent: bool | None | Unset
    if isinstance(save_to_sent, Unset):
        json_save_to_sent = UNSET
    else:
        json_save_to_sent = save_to_sent
    params["save_to_sent"] = json_save_to_sent

    json_mode: str | Unset = UNSET
    if not isinstance(mode, Unset):
        json_mode = mode.value

    params["mode"] = json_mode

    json_send_at: None | str | Unset
    if isinstance(send_at, Unset):
        json_send_at = UNSET
    elif isinstance(send_at, datetime.datetime):
        json_send_at = send_at.isoformat()
    else:
        json_send_at = send_at
    params["send_at"] = json_send_at

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/accounts/{account}/send/raw".format(
            account=quote(str(account), safe=""),
        ),
        "params": params,
    }

    _kwargs["content"] = body.payload
    headers["Content-Type"] = "message/rfc822"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | SendQueued | SendResult | None:
    if response.status_code == 200:
        response_200 = SendResult.from_dict(response.json())

        return response_200

    if response.status_code == 202:
        response_202 = SendQueued.from_dict(response.json())

        return response_202

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
) -> Response[Problem | SendQueued | SendResult]:
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
    body: File,
    mail_from: None | str | Unset = UNSET,
    rcpt_to: list[str] | None | Unset = UNSET,
    save_to_sent: bool | None | Unset = UNSET,
    mode: SendRawMode | Unset = SendRawMode.SYNC,
    send_at: datetime.datetime | None | Unset = UNSET,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[Problem | SendQueued | SendResult]:
    """Send Raw

     Send an RFC 5322 message as is (CRLF line endings, a Message-ID added if missing).

    Args:
        account (str): Account id
        mail_from (None | str | Unset): Envelope sender (default: From)
        rcpt_to (list[str] | None | Unset): Envelope recipients, repeated or comma-separated
            (default: To, Cc, Bcc)
        save_to_sent (bool | None | Unset):
        mode (SendRawMode | Unset):  Default: SendRawMode.SYNC.
        send_at (datetime.datetime | None | Unset):
        idempotency_key (None | str | Unset): The same key within 24 h returns the first result
            and sends nothing again
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SendQueued | SendResult]
    """

    kwargs = _get_kwargs(
        account=account,
        body=body,
        mail_from=mail_from,
        rcpt_to=rcpt_to,
        save_to_sent=save_to_sent,
        mode=mode,
        send_at=send_at,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    account: str,
    *,
    client: AuthenticatedClient,
    body: File,
    mail_from: None | str | Unset = UNSET,
    rcpt_to: list[str] | None | Unset = UNSET,
    save_to_sent: bool | None | Unset = UNSET,
    mode: SendRawMode | Unset = SendRawMode.SYNC,
    send_at: datetime.datetime | None | Unset = UNSET,
    idempotency_key: None | str | Unset = UNSET,
) -> Problem | SendQueued | SendResult | None:
    """Send Raw

     Send an RFC 5322 message as is (CRLF line endings, a Message-ID added if missing).

    Args:
        account (str): Account id
        mail_from (None | str | Unset): Envelope sender (default: From)
        rcpt_to (list[str] | None | Unset): Envelope recipients, repeated or comma-separated
            (default: To, Cc, Bcc)
        save_to_sent (bool | None | Unset):
        mode (SendRawMode | Unset):  Default: SendRawMode.SYNC.
        send_at (datetime.datetime | None | Unset):
        idempotency_key (None | str | Unset): The same key within 24 h returns the first result
            and sends nothing again
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SendQueued | SendResult
    """

    return sync_detailed(
        account=account,
        client=client,
        body=body,
        mail_from=mail_from,
        rcpt_to=rcpt_to,
        save_to_sent=save_to_sent,
        mode=mode,
        send_at=send_at,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    account: str,
    *,
    client: AuthenticatedClient,
    body: File,
    mail_from: None | str | Unset = UNSET,
    rcpt_to: list[str] | None | Unset = UNSET,
    save_to_sent: bool | None | Unset = UNSET,
    mode: SendRawMode | Unset = SendRawMode.SYNC,
    send_at: datetime.datetime | None | Unset = UNSET,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[Problem | SendQueued | SendResult]:
    """Send Raw

     Send an RFC 5322 message as is (CRLF line endings, a Message-ID added if missing).

    Args:
        account (str): Account id
        mail_from (None | str | Unset): Envelope sender (default: From)
        rcpt_to (list[str] | None | Unset): Envelope recipients, repeated or comma-separated
            (default: To, Cc, Bcc)
        save_to_sent (bool | None | Unset):
        mode (SendRawMode | Unset):  Default: SendRawMode.SYNC.
        send_at (datetime.datetime | None | Unset):
        idempotency_key (None | str | Unset): The same key within 24 h returns the first result
            and sends nothing again
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SendQueued | SendResult]
    """

    kwargs = _get_kwargs(
        account=account,
        body=body,
        mail_from=mail_from,
        rcpt_to=rcpt_to,
        save_to_sent=save_to_sent,
        mode=mode,
        send_at=send_at,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    account: str,
    *,
    client: AuthenticatedClient,
    body: File,
    mail_from: None | str | Unset = UNSET,
    rcpt_to: list[str] | None | Unset = UNSET,
    save_to_sent: bool | None | Unset = UNSET,
    mode: SendRawMode | Unset = SendRawMode.SYNC,
    send_at: datetime.datetime | None | Unset = UNSET,
    idempotency_key: None | str | Unset = UNSET,
) -> Problem | SendQueued | SendResult | None:
    """Send Raw

     Send an RFC 5322 message as is (CRLF line endings, a Message-ID added if missing).

    Args:
        account (str): Account id
        mail_from (None | str | Unset): Envelope sender (default: From)
        rcpt_to (list[str] | None | Unset): Envelope recipients, repeated or comma-separated
            (default: To, Cc, Bcc)
        save_to_sent (bool | None | Unset):
        mode (SendRawMode | Unset):  Default: SendRawMode.SYNC.
        send_at (datetime.datetime | None | Unset):
        idempotency_key (None | str | Unset): The same key within 24 h returns the first result
            and sends nothing again
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SendQueued | SendResult
    """

    return (
        await asyncio_detailed(
            account=account,
            client=client,
            body=body,
            mail_from=mail_from,
            rcpt_to=rcpt_to,
            save_to_sent=save_to_sent,
            mode=mode,
            send_at=send_at,
            idempotency_key=idempotency_key,
        )
    ).parsed
