"""Which webhook URLs the gateway may POST to, and which addresses it may connect to.

By default only public addresses: a webhook must not be a way to reach the
gateway itself or the services beside it (SSRF). ``webhook_allow_private``
admits loopback and private networks (tests, intranets), but the gateway's own
listening address stays refused, so a webhook can never call the gateway.

A check resolves the host once, judges every address it resolves to, and
returns them (``WebhookTarget``): the dispatcher connects to the checked address
instead of looking the name up again, so a DNS answer that changes between the
check and the connection (DNS rebinding) cannot move a POST onto a refused
address. IPv6 addresses that carry an IPv4 address (IPv4-mapped, NAT64, 6to4,
Teredo, ...) are judged by that IPv4 address as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from ..errors import InvalidInput

_RESOLVE_TIMEOUT = 5.0

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class WebhookUrlRefused(InvalidInput):
    code = "webhook_url_refused"
    title = "Webhook URL refused"


def parse_url(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of an http(s) URL, or InvalidInput."""
    if any(c in url for c in "\r\n\t ") or len(url) > 2048:
        raise InvalidInput("webhook url must be one line without spaces, at most 2048 characters")
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # an unbalanced "[" in the host (a broken IPv6 literal), say
        raise InvalidInput("webhook url is not a valid URL") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("webhook url must be http:// or https:// with a host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise InvalidInput("webhook url has an invalid port") from exc
    return parts.scheme, parts.hostname, port


# -- which addresses are public ---------------------------------------------------------------

_V4_NOT_PUBLIC = tuple(
    ipaddress.IPv4Network(net)
    for net in (
        "0.0.0.0/8",  # "this network" (RFC 791); 0.0.0.0 reaches the local host
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",  # private (RFC 1918)
        "100.64.0.0/10",  # shared address space, carrier-grade NAT (RFC 6598)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, where clouds serve instance metadata (RFC 3927)
        "192.0.0.0/24",  # IETF protocol assignments (RFC 6890)
        "192.0.2.0/24",
        "198.51.100.0/24",
        "203.0.113.0/24",  # documentation (RFC 5737)
        "192.88.99.0/24",  # 6to4 relay anycast (deprecated, RFC 7526)
        "198.18.0.0/15",  # benchmarking (RFC 2544)
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address 255.255.255.255
    )
)
# Outside 2000::/3 nothing is public unicast: ::, ::1, fc00::/7 (unique local),
# fe80::/10 (link-local), fec0::/10, ff00::/8 (multicast), 100::/64 (discard), ...
_V6_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
_V6_NOT_PUBLIC = tuple(
    ipaddress.IPv6Network(net)
    for net in (
        "2001::/23",  # IETF protocol assignments (RFC 2928), Teredo included
        "2001:db8::/32",
        "3fff::/20",  # documentation (RFC 3849, RFC 9637)
    )
)


def _last32(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    return [ipaddress.IPv4Address(ip.packed[12:])]


def _sixtofour(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    return [ipaddress.IPv4Address(ip.packed[2:6])]


def _teredo(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    # The server's address, and the client's stored XOR 0xffffffff (RFC 4380 section 4).
    server = ipaddress.IPv4Address(ip.packed[4:8])
    client = ipaddress.IPv4Address(int.from_bytes(ip.packed[12:]) ^ 0xFFFFFFFF)
    return [server, client]


def _rfc6052_local(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    # Inside 64:ff9b:1::/48 the operator picks the prefix length (RFC 8215), so every
    # RFC 6052 section 2.2 layout that fits is a candidate: /48, /56, /64 (bits 64-71,
    # the "u" octet, are skipped) and /96.
    b = ip.packed
    return [
        ipaddress.IPv4Address(raw)
        for raw in (b[6:8] + b[9:11], b[7:8] + b[9:12], b[9:13], b[12:16])
    ]


# (where, how to read the IPv4 address, whether the form itself may be public)
_EMBEDDINGS: tuple[
    tuple[
        ipaddress.IPv6Network, Callable[[ipaddress.IPv6Address], list[ipaddress.IPv4Address]], bool
    ],
    ...,
] = (
    # IPv4-mapped (RFC 4291 section 2.5.5.2): the socket speaks IPv4 to the embedded address.
    (ipaddress.IPv6Network("::ffff:0:0/96"), _last32, True),
    # NAT64 well-known prefix (RFC 6052 section 2.1): a translator speaks IPv4 to it.
    (ipaddress.IPv6Network("64:ff9b::/96"), _last32, True),
    # 6to4 (RFC 3056 section 2): bits 16-47.
    (ipaddress.IPv6Network("2002::/16"), _sixtofour, True),
    # Teredo (RFC 4380 section 4); inside 2001::/23, so never public as such.
    (ipaddress.IPv6Network("2001::/32"), _teredo, False),
    # IPv4-translated (RFC 2765 section 2.1), IPv4-compatible (RFC 4291 section 2.5.5.1),
    # local-use NAT64 (RFC 8215): never public, and judged by what they carry.
    (ipaddress.IPv6Network("::ffff:0:0:0/96"), _last32, False),
    (ipaddress.IPv6Network("::/96"), _last32, False),
    (ipaddress.IPv6Network("64:ff9b:1::/48"), _rfc6052_local, False),
)


def embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (NAT64, 6to4, Teredo, mapped...), else []."""
    if isinstance(ip, ipaddress.IPv6Address):
        for network, read, _public in _EMBEDDINGS:
            if ip in network:
                return read(ip)
    return []


def is_public(ip: IPAddress) -> bool:
    """Whether ``ip`` is a public unicast address, judging embedded IPv4 addresses too."""
    if isinstance(ip, ipaddress.IPv4Address):
        return not any(ip in net for net in _V4_NOT_PUBLIC)
    for network, read, form_public in _EMBEDDINGS:
        if ip in network:
            return form_public and all(is_public(v4) for v4 in read(ip))
    return ip in _V6_GLOBAL_UNICAST and not any(ip in net for net in _V6_NOT_PUBLIC)


def refusal(
    addresses: list[str], port: int, *, allow_private: bool, own_hosts: set[str], own_port: int
) -> str | None:
    """Why a target is refused, or None when it is fine (pure, unit-tested)."""
    for text in addresses:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
        carried = embedded_ipv4(ip)
        if port == own_port and any(
            c.is_unspecified or c.is_loopback or str(c) in own_hosts for c in (ip, *carried)
        ):
            return f"{ip}:{port} is the gateway itself"
        if not allow_private and not is_public(ip):
            shown = f"{ip} (carrying {', '.join(map(str, carried))})" if carried else str(ip)
            return f"{shown} is not a public address (set webhook_allow_private to allow it)"
    return None


# -- resolution -------------------------------------------------------------------------------


class Resolver(Protocol):
    """Turns a host name into addresses (the system's DNS by default; tests bring their own)."""

    async def resolve(self, host: str, port: int) -> list[str]:
        """The addresses of ``host``, preferred first; OSError when it has none."""
        ...


class SystemResolver:
    """The system's resolver, through the running loop's getaddrinfo."""

    async def resolve(self, host: str, port: int) -> list[str]:
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class WebhookTarget:
    """A checked webhook URL's host and port, and every address it resolved to (all allowed)."""

    host: str
    port: int
    addresses: tuple[str, ...]

    @property
    def address(self) -> str:
        """The address to connect to: the resolver's first (preferred) answer."""
        return self.addresses[0]


class WebhookUrlPolicy:
    """Checks webhook URLs at creation and before every delivery, with one resolver."""

    def __init__(
        self, *, allow_private: bool, own_host: str, own_port: int, resolver: Resolver | None = None
    ) -> None:
        self.allow_private = allow_private
        self._own_host = own_host
        self._own_port = own_port
        self._resolver: Resolver = resolver or SystemResolver()

    async def check(self, url: str) -> WebhookTarget:
        """Resolve ``url``'s host once; raise WebhookUrlRefused unless every address is allowed."""
        _scheme, host, port = parse_url(url)
        addresses = await self._resolve(host, port)
        own_hosts = {self._own_host}
        with contextlib.suppress(WebhookUrlRefused):
            own_hosts.update(await self._resolve(self._own_host, self._own_port))
        reason = refusal(
            addresses,
            port,
            allow_private=self.allow_private,
            own_hosts=own_hosts,
            own_port=self._own_port,
        )
        if reason:
            raise WebhookUrlRefused(f"webhook url refused: {reason}")
        return WebhookTarget(host=host, port=port, addresses=tuple(addresses))

    async def _resolve(self, host: str, port: int) -> list[str]:
        with contextlib.suppress(ValueError):
            return [str(ipaddress.ip_address(host))]  # a literal: nothing to look up
        try:
            async with asyncio.timeout(_RESOLVE_TIMEOUT):
                addresses = await self._resolver.resolve(host, port)
        except (OSError, TimeoutError, UnicodeError) as exc:
            # UnicodeError: the host has no IDNA form (a label over 63 characters, say).
            raise WebhookUrlRefused(f"cannot resolve {host!r}: {exc}") from exc
        try:
            for text in addresses:
                ipaddress.ip_address(text.split("%", 1)[0])
        except ValueError as exc:
            raise WebhookUrlRefused(f"{host!r} resolved to something not an address") from exc
        if not addresses:
            raise WebhookUrlRefused(f"cannot resolve {host!r}: no address")
        return addresses
