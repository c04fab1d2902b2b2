"""An httpx transport that connects only to addresses checked beforehand, never by a new lookup.

The dispatcher checks a webhook's URL before every delivery (``url_policy``: one
resolution, every address judged) and hands the result to this transport in the
request extension ``PINNED``. The transport dials ``WebhookTarget.address``; the
URL's host still goes into the Host header and, for https, into SNI and the
certificate check (httpcore's ``start_tls`` uses the URL's host).

Keep-alive must not undo the check, so there is one httpcore connection pool per
(scheme, host, port, address): a pooled connection only carries requests for the
name it was opened for, to the address that was checked for that very request.
Built on httpcore's public API (``AsyncConnectionPool(network_backend=...)``);
httpx's own transport takes no network backend.
"""

from __future__ import annotations

import contextlib
import ssl
import typing
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpcore
import httpx

from .url_policy import WebhookTarget

PINNED = "mailgate.pinned_target"  # request extension: the WebhookTarget to connect to

_DEFAULT_PORTS = {"http": 80, "https": 443}
_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.NetworkError, httpx.NetworkError),
)


@contextlib.contextmanager
def _httpx_errors(request: httpx.Request) -> Iterator[None]:
    """httpcore's exceptions as the httpx ones the dispatcher already handles."""
    try:
        yield
    except Exception as exc:
        for core, mapped in _ERRORS:
            if isinstance(exc, core):
                raise mapped(str(exc), request=request) from exc
        raise


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Dials one checked address, for the one host name its pool serves."""

    def __init__(self, host: str, address: str) -> None:
        self._host = host
        self._address = address
        self._backend = httpcore.AnyIOBackend()

    # The signatures are httpcore's AsyncNetworkBackend interface (hence ``timeout``).
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if host != self._host:  # a pool only ever serves its own origin; refuse anything else
            raise httpcore.ConnectError(f"not connecting {host!r} through {self._host!r}'s pool")
        return await self._backend.connect_tcp(
            self._address,
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks are not delivered over unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


@dataclass(eq=False)
class _Pool:
    pool: httpcore.AsyncConnectionPool
    users: int = 0  # requests whose response is not closed yet


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(
        self,
        stream: typing.AsyncIterable[bytes],
        request: httpx.Request,
        release: typing.Callable[[], typing.Awaitable[None]],
    ) -> None:
        self._stream = stream
        self._request = request
        self._release: typing.Callable[[], typing.Awaitable[None]] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors(self._request):
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        try:
            closer = getattr(self._stream, "aclose", None)
            if closer is not None:
                with _httpx_errors(self._request):
                    await closer()
        finally:
            release, self._release = self._release, None
            if release is not None:
                await release()


class PinnedTransport(httpx.AsyncBaseTransport):
    """Sends each request to the address in its ``PINNED`` extension, refusing requests without."""

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        max_keepalive: int,
        keepalive_expiry: float = 5.0,
        max_pools: int = 64,
    ) -> None:
        self._ssl_context = ssl_context
        self._max_keepalive = max_keepalive
        self._keepalive_expiry = keepalive_expiry
        self._max_pools = max_pools
        self._pools: OrderedDict[tuple[str, str, int, str], _Pool] = OrderedDict()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = request.extensions.get(PINNED)
        if not isinstance(target, WebhookTarget):
            raise httpx.ConnectError("no checked address for this request", request=request)
        url = request.url
        port = url.port or _DEFAULT_PORTS.get(url.scheme)
        if url.host != target.host or port != target.port:
            # urlsplit (the check) and httpx (the request) read the URL differently.
            raise httpx.ConnectError(
                "the request's host is not the one that was checked", request=request
            )
        key = (url.scheme, url.raw_host.decode("ascii"), port, target.address)
        entry = await self._acquire(key)
        released = False

        async def release() -> None:
            nonlocal released
            if not released:
                released = True
                entry.users -= 1
                await self._evict()

        try:
            with _httpx_errors(request):
                response = await entry.pool.handle_async_request(
                    httpcore.Request(
                        method=request.method,
                        url=httpcore.URL(
                            scheme=url.raw_scheme,
                            host=url.raw_host,
                            port=url.port,
                            target=url.raw_path,
                        ),
                        headers=request.headers.raw,
                        content=request.stream,  # type: ignore[arg-type]
                        extensions={k: v for k, v in request.extensions.items() if k != PINNED},
                    )
                )
        except BaseException:
            await release()
            raise
        assert isinstance(response.stream, typing.AsyncIterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream, request, release),
            extensions=response.extensions,
        )

    async def _acquire(self, key: tuple[str, str, int, str]) -> _Pool:
        entry = self._pools.get(key)
        if entry is None:
            entry = self._pools[key] = _Pool(
                httpcore.AsyncConnectionPool(
                    ssl_context=self._ssl_context,
                    max_connections=None,
                    max_keepalive_connections=self._max_keepalive,
                    keepalive_expiry=self._keepalive_expiry,
                    network_backend=PinnedBackend(key[1], key[3]),
                )
            )
        self._pools.move_to_end(key)
        entry.users += 1
        await self._evict()
        return entry

    async def _evict(self) -> None:
        """Close the least recently used idle pools beyond ``max_pools``."""
        idle = [key for key, entry in self._pools.items() if entry.users == 0]
        for key in idle[: max(0, len(self._pools) - self._max_pools)]:
            await self._pools.pop(key).pool.aclose()

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), OrderedDict()
        for entry in pools:
            await entry.pool.aclose()
