from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.forward_request import ForwardRequest
from ...models.problem import Problem
from ...models.send_queued import SendQueued
from ...models.send_result import SendResult
from ...types import UNSET, Response, Unset


def _get_kwargs(
    account: str,
    message: str,
    *,
    body: ForwardRequest,
    idempotency_key: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/accounts/{account}/messages/{message}/forward".format(
            account=quote(str(account), safe=""),
            message=quote(str(message), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

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
    message: str,
    *,
    client: AuthenticatedClient,
    body: ForwardRequest,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[Problem | SendQueued | SendResult]:
    """Forward Message

     Forward the message: inline (the sender's text, a "---------- Forwarded message ---------" block
    with From, Date, Subject and To, the original text and HTML, its attachments attached again) or,
    with as_attachment, the original whole as a message/rfc822 attachment. Subject "Fwd: ..." unless
    given; In-Reply-To and References point at the original. Sent like any send: the from-policy, now
    (200) or through the outbox (202), Idempotency-Key; then the original is flagged $Forwarded.

    Args:
        account (str): Account id
        message (str): Message id
        idempotency_key (None | str | Unset): The same key within 24 h returns the first result
            and sends nothing again
        body (ForwardRequest): A forward of a message: the new message's recipients and the
            sender's own words;
            the original goes inline (with its attachments) or whole as an attachment.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SendQueued | SendResult]
    """

    kwargs = _get_kwargs(
        account=account,
        message=message,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    account: str,
    message: str,
    *,
    client: AuthenticatedClient,
    body: ForwardRequest,
    idempotency_key: None | str | Unset = UNSET,
) -> Problem | SendQueued | SendResult | None:
    """Forward Message

     Forward the message: inline (the sender's text, a "---------- Forwarded message ---------" block
    with From, Date, Subject and To, the original text and HTML, its attachments attached again) or,
    with as_attachment, the original whole as a message/rfc822 attachment. Subject "Fwd: ..." unless
    given; In-Reply-To and References point at the original. Sent like any send: the from-policy, now
    (200) or through the outbox (202), Idempotency-Key; then the original is flagged $Forwarded.

    Args:
        account (str): Account id
        message (str): Message id
        idempotency_key (None | str | Unset): The same key within 24 h returns the first result
            and sends nothing again
        body (ForwardRequest): A forward of a message: the new message's recipients and the
            sender's own words;
            the original goes inline (with its attachments) or whole as an attachment.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SendQueued | SendResult
    """

    return sync_detailed(
        account=account,
        message=message,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    account: str,
    message: str,
    *,
    client: AuthenticatedClient,
    body: ForwardRequest,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[Problem | SendQueued | SendResult]:
    """Forward Message

     Forward the message: inline (the sender's text, a "---------- Forwarded message ---------" block
    with From, Date, Subject and To, the original text and HTML, its attachments attached again) or,
    with as_attachment, the original whole as a message/rfc822 attachment. Subject "Fwd: ..." unless
    given; In-Reply-To and References point at the original. Sent like any send: the from-policy, now
    (200) or through the outbox (202), Idempotency-Key; then the original is flagged $Forwarded.

    Args:
        account (str): Account id
        message (str): Message id
        idempotency_key (None | str | Unset): The same key within 24 h returns the first result
            and sends nothing again
        body (ForwardRequest): A forward of a message: the new message's recipients and the
            sender's own words;
            the original goes inline (with its attachments) or whole as an attachment.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SendQueued | SendResult]
    """

    kwargs = _get_kwargs(
        account=account,
        message=message,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    account: str,
    message: str,
    *,
    client: AuthenticatedClient,
    body: ForwardRequest,
    idempotency_key: None | str | Unset = UNSET,
) -> Problem | SendQueued | SendResult | None:
    """Forward Message

     Forward the message: inline (the sender's text, a "---------- Forwarded message ---------" block
    with From, Date, Subject and To, the original text and HTML, its attachments attached again) or,
    with as_attachment, the original whole as a message/rfc822 attachment. Subject "Fwd: ..." unless
    given; In-Reply-To and References point at the original. Sent like any send: the from-policy, now
    (200) or through the outbox (202), Idempotency-Key; then the original is flagged $Forwarded.

    Args:
        account (str): Account id
        message (str): Message id
        idempotency_key (None | str | Unset): The same key within 24 h returns the first result
            and sends nothing again
        body (ForwardRequest): A forward of a message: the new message's recipients and the
            sender's own words;
            the original goes inline (with its attachments) or whole as an attachment.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SendQueued | SendResult
    """

    return (
        await asyncio_detailed(
            account=account,
            message=message,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
