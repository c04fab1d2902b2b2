from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.callback_result import CallbackResult
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    code: None | str | Unset = UNSET,
    state: None | str | Unset = UNSET,
    error: None | str | Unset = UNSET,
    error_description: None | str | Unset = UNSET,
    scope: None | str | Unset = UNSET,
    session_state: None | str | Unset = UNSET,
    iss: None | str | Unset = UNSET,
    authuser: None | str | Unset = UNSET,
    prompt: None | str | Unset = UNSET,
    hd: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_code: None | str | Unset
    if isinstance(code, Unset):
        json_code = UNSET
    else:
        json_code = code
    params["code"] = json_code

    json_state: None | str | Unset
    if isinstance(state, Unset):
        json_state = UNSET
    else:
        json_state = state
    params["state"] = json_state

    json_error: None | str | Unset
    if isinstance(error, Unset):
        json_error = UNSET
    else:
        json_error = error
    params["error"] = json_error

    json_error_description: None | str | Unset
    if isinstance(error_description, Unset):
        json_error_description = UNSET
    else:
        json_error_description = error_description
    params["error_description"] = json_error_description

    json_scope: None | str | Unset
    if isinstance(scope, Unset):
        json_scope = UNSET
    else:
        json_scope = scope
    params["scope"] = json_scope

    json_session_state: None | str | Unset
    if isinstance(session_state, Unset):
        json_session_state = UNSET
    else:
        json_session_state = session_state
    params["session_state"] = json_session_state

    json_iss: None | str | Unset
    if isinstance(iss, Unset):
        json_iss = UNSET
    else:
        json_iss = iss
    params["iss"] = json_iss

    json_authuser: None | str | Unset
    if isinstance(authuser, Unset):
        json_authuser = UNSET
    else:
        json_authuser = authuser
    params["authuser"] = json_authuser

    json_prompt: None | str | Unset
    if isinstance(prompt, Unset):
        json_prompt = UNSET
    else:
        json_prompt = prompt
    params["prompt"] = json_prompt

    json_hd: None | str | Unset
    if isinstance(hd, Unset):
        json_hd = UNSET
    else:
        json_hd = hd
    params["hd"] = json_hd

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/oauth2/callback",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CallbackResult | Problem | None:
    if response.status_code == 200:
        response_200 = CallbackResult.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 410:
        response_410 = Problem.from_dict(response.json())

        return response_410

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 502:
        response_502 = Problem.from_dict(response.json())

        return response_502

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CallbackResult | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    code: None | str | Unset = UNSET,
    state: None | str | Unset = UNSET,
    error: None | str | Unset = UNSET,
    error_description: None | str | Unset = UNSET,
    scope: None | str | Unset = UNSET,
    session_state: None | str | Unset = UNSET,
    iss: None | str | Unset = UNSET,
    authuser: None | str | Unset = UNSET,
    prompt: None | str | Unset = UNSET,
    hd: None | str | Unset = UNSET,
) -> Response[CallbackResult | Problem]:
    """Callback

     The provider's redirect after consent (no bearer token: ``state`` decides).

    Args:
        code (None | str | Unset):
        state (None | str | Unset):
        error (None | str | Unset):
        error_description (None | str | Unset):
        scope (None | str | Unset):
        session_state (None | str | Unset):
        iss (None | str | Unset):
        authuser (None | str | Unset):
        prompt (None | str | Unset):
        hd (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CallbackResult | Problem]
    """

    kwargs = _get_kwargs(
        code=code,
        state=state,
        error=error,
        error_description=error_description,
        scope=scope,
        session_state=session_state,
        iss=iss,
        authuser=authuser,
        prompt=prompt,
        hd=hd,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    code: None | str | Unset = UNSET,
    state: None | str | Unset = UNSET,
    error: None | str | Unset = UNSET,
    error_description: None | str | Unset = UNSET,
    scope: None | str | Unset = UNSET,
    session_state: None | str | Unset = UNSET,
    iss: None | str | Unset = UNSET,
    authuser: None | str | Unset = UNSET,
    prompt: None | str | Unset = UNSET,
    hd: None | str | Unset = UNSET,
) -> CallbackResult | Problem | None:
    """Callback

     The provider's redirect after consent (no bearer token: ``state`` decides).

    Args:
        code (None | str | Unset):
        state (None | str | Unset):
        error (None | str | Unset):
        error_description (None | str | Unset):
        scope (None | str | Unset):
        session_state (None | str | Unset):
        iss (None | str | Unset):
        authuser (None | str | Unset):
        prompt (None | str | Unset):
        hd (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CallbackResult | Problem
    """

    return sync_detailed(
        client=client,
        code=code,
        state=state,
        error=error,
        error_description=error_description,
        scope=scope,
        session_state=session_state,
        iss=iss,
        authuser=authuser,
        prompt=prompt,
        hd=hd,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    code: None | str | Unset = UNSET,
    state: None | str | Unset = UNSET,
    error: None | str | Unset = UNSET,
    error_description: None | str | Unset = UNSET,
    scope: None | str | Unset = UNSET,
    session_state: None | str | Unset = UNSET,
    iss: None | str | Unset = UNSET,
    authuser: None | str | Unset = UNSET,
    prompt: None | str | Unset = UNSET,
    hd: None | str | Unset = UNSET,
) -> Response[CallbackResult | Problem]:
    """Callback

     The provider's redirect after consent (no bearer token: ``state`` decides).

    Args:
        code (None | str | Unset):
        state (None | str | Unset):
        error (None | str | Unset):
        error_description (None | str | Unset):
        scope (None | str | Unset):
        session_state (None | str | Unset):
        iss (None | str | Unset):
        authuser (None | str | Unset):
        prompt (None | str | Unset):
        hd (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CallbackResult | Problem]
    """

    kwargs = _get_kwargs(
        code=code,
        state=state,
        error=error,
        error_description=error_description,
        scope=scope,
        session_state=session_state,
        iss=iss,
        authuser=authuser,
        prompt=prompt,
        hd=hd,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    code: None | str | Unset = UNSET,
    state: None | str | Unset = UNSET,
    error: None | str | Unset = UNSET,
    error_description: None | str | Unset = UNSET,
    scope: None | str | Unset = UNSET,
    session_state: None | str | Unset = UNSET,
    iss: None | str | Unset = UNSET,
    authuser: None | str | Unset = UNSET,
    prompt: None | str | Unset = UNSET,
    hd: None | str | Unset = UNSET,
) -> CallbackResult | Problem | None:
    """Callback

     The provider's redirect after consent (no bearer token: ``state`` decides).

    Args:
        code (None | str | Unset):
        state (None | str | Unset):
        error (None | str | Unset):
        error_description (None | str | Unset):
        scope (None | str | Unset):
        session_state (None | str | Unset):
        iss (None | str | Unset):
        authuser (None | str | Unset):
        prompt (None | str | Unset):
        hd (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CallbackResult | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            code=code,
            state=state,
            error=error,
            error_description=error_description,
            scope=scope,
            session_state=session_state,
            iss=iss,
            authuser=authuser,
            prompt=prompt,
            hd=hd,
        )
    ).parsed
