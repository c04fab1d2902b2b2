"""The HTTP client of the operator commands: one line of explanation for every failure."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx

from ..settings import Settings
from .errors import EXIT_UNREACHABLE, EXIT_USAGE, CommandError

# Where `mailgate serve` listens unless told otherwise.
DEFAULT_URL = (
    f"http://{Settings.model_fields['host'].default}:{Settings.model_fields['port'].default}"
)
URL_ENV = "MAILGATE_URL"
TOKEN_ENV = "MAILGATE_TOKEN"


def resolve_url(flag: str | None) -> str:
    """``--url``, else ``MAILGATE_URL``, else the gateway's default address."""
    url = (flag or os.environ.get(URL_ENV) or DEFAULT_URL).strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise CommandError(
            f"the gateway URL must start with http:// or https:// (got {url!r})", EXIT_USAGE
        )
    return url


def resolve_token(flag: str | None) -> str:
    """``--token``, else ``MAILGATE_TOKEN``."""
    token = (flag or os.environ.get(TOKEN_ENV) or "").strip()
    if not token:
        raise CommandError(f"no API token: set {TOKEN_ENV} (or pass --token)", EXIT_USAGE)
    return token


def segment(value: str) -> str:
    """An id as a path segment, percent-encoded (so '/', '?' or '#' cannot change the path)."""
    return quote(value, safe="")


def problem_line(response: httpx.Response) -> str:
    """An error answer as one line: ``code (status): detail`` for problem+json."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "detail" in body and "code" in body:
        text = f"{body['code']} ({status}): {body['detail']}"
        for rejected in body.get("rejected") or ():
            text += f"; {rejected.get('address')}: {rejected.get('code')} {rejected.get('message')}"
    else:
        # Not the gateway's own error (a proxy, another server): the start of what it said.
        snippet = " ".join(response.text.split())[:200]
        text = f"HTTP {status} {response.reason_phrase}" + (f": {snippet}" if snippet else "")
        text += f" (is {response.request.url.copy_with(path='/', query=None)} a mailgate gateway?)"
    if status == 401:
        text += f"; check the token ({TOKEN_ENV} or --token)"
    retry_after = response.headers.get("Retry-After")
    if retry_after and status in (429, 503):
        text += f"; retry after {retry_after} s"
    return " ".join(text.split())


class GatewayClient:
    """Requests to a running gateway; every failure becomes a ``CommandError``."""

    def __init__(self, url: str, token: str, *, timeout: float) -> None:
        self.url = url
        self.timeout = timeout
        self._http = httpx.Client(
            base_url=url,
            timeout=timeout,
            follow_redirects=False,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "mailgate-cli"},
        )

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON of a 2xx answer (None for 204); else a ``CommandError``."""
        with self._transport_errors():
            response = self._http.request(method, path, **kwargs)
        return self._json(response)

    @contextlib.contextmanager
    def stream(
        self, path: str, *, params: dict[str, str], headers: dict[str, str], read_timeout: float
    ) -> Iterator[httpx.Response]:
        """A streamed GET whose status is 2xx (else a ``CommandError``)."""
        timeout = httpx.Timeout(self.timeout, read=read_timeout)
        with (
            self._transport_errors(),
            self._http.stream(
                "GET", path, params=params, headers=headers, timeout=timeout
            ) as response,
        ):
            if response.status_code >= 300:
                response.read()
                raise CommandError(problem_line(response))
            yield response

    def _json(self, response: httpx.Response) -> Any:
        if response.status_code >= 300:
            raise CommandError(problem_line(response))
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise CommandError(
                f"{self.url} answered HTTP {response.status_code} without JSON: "
                "is it a mailgate gateway?",
                EXIT_UNREACHABLE,
            ) from None

    @contextlib.contextmanager
    def _transport_errors(self) -> Iterator[None]:
        try:
            yield
        except httpx.ConnectError as exc:
            reason = (
                "connection refused"
                if "refused" in str(exc).lower()
                else (str(exc) or type(exc).__name__)
            )
            raise CommandError(
                f"cannot connect to {self.url} ({reason}): is the gateway running at "
                f"{self.url}? (set {URL_ENV} or pass --url)",
                EXIT_UNREACHABLE,
            ) from None
        except httpx.TimeoutException:
            raise CommandError(
                f"no answer from {self.url} within {self.timeout:g} s (--timeout)", EXIT_UNREACHABLE
            ) from None
        except httpx.TransportError as exc:
            raise CommandError(
                f"lost the connection to {self.url}: {exc or type(exc).__name__}", EXIT_UNREACHABLE
            ) from None
