from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.label_changes import LabelChanges
from ...models.labels_out import LabelsOut
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    account: str,
    message: str,
    *,
    body: LabelChanges,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/v1/accounts/{account}/messages/{message}/labels".format(
            account=quote(str(account), safe=""),
            message=quote(str(message), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> LabelsOut | Problem | None:
    if response.status_code == 200:
        response_200 = LabelsOut.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[LabelsOut | Problem]:
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
    body: LabelChanges,
) -> Response[LabelsOut | Problem]:
    """Update Labels

     Gmail only (X-GM-EXT-1): change the message's Gmail labels (UID STORE X-GM-LABELS); elsewhere a 422
    gmail_labels_unsupported.

    Args:
        account (str): Account id
        message (str): Message id
        body (LabelChanges): Gmail only (X-GM-EXT-1): labels to add and remove, or the whole set.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[LabelsOut | Problem]
    """

    kwargs = _get_kwargs(
        account=account,
        message=message,
        body=body,
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
    body: LabelChanges,
) -> LabelsOut | Problem | None:
    """Update Labels

     Gmail only (X-GM-EXT-1): change the message's Gmail labels (UID STORE X-GM-LABELS); elsewhere a 422
    gmail_labels_unsupported.

    Args:
        account (str): Account id
        message (str): Message id
        body (LabelChanges): Gmail only (X-GM-EXT-1): labels to add and remove, or the whole set.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        LabelsOut | Problem
    """

    return sync_detailed(
        account=account,
        message=message,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    account: str,
    message: str,
    *,
    client: AuthenticatedClient,
    body: LabelChanges,
) -> Response[LabelsOut | Problem]:
    """Update Labels

     Gmail only (X-GM-EXT-1): change the message's Gmail labels (UID STORE X-GM-LABELS); elsewhere a 422
    gmail_labels_unsupported.

    Args:
        account (str): Account id
        message (str): Message id
        body (LabelChanges): Gmail only (X-GM-EXT-1): labels to add and remove, or the whole set.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[LabelsOut | Problem]
    """

    kwargs = _get_kwargs(
        account=account,
        message=message,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    account: str,
    message: str,
    *,
    client: AuthenticatedClient,
    body: LabelChanges,
) -> LabelsOut | Problem | None:
    """Update Labels

     Gmail only (X-GM-EXT-1): change the message's Gmail labels (UID STORE X-GM-LABELS); elsewhere a 422
    gmail_labels_unsupported.

    Args:
        account (str): Account id
        message (str): Message id
        body (LabelChanges): Gmail only (X-GM-EXT-1): labels to add and remove, or the whole set.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        LabelsOut | Problem
    """

    return (
        await asyncio_detailed(
            account=account,
            message=message,
            client=client,
            body=body,
        )
    ).parsed
