"""Which webhook URLs the gateway may POST to.

By default only public addresses: a webhook must not be a way to reach the
gateway itself or the services beside it (SSRF). ``webhook_allow_private``
admits loopback and private networks (tests, intranets), but the gateway's own
listening address stays refused, so a webhook can never call the gateway.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from ..errors import InvalidInput

_RESOLVE_TIMEOUT = 5.0


class WebhookUrlRefused(InvalidInput):
    code = "webhook_url_refused"
    title = "Webhook URL refused"


def parse_url(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of an http(s) URL, or InvalidInput."""
    if any(c in url for c in "\r\n\t ") or len(url) > 2048:
        raise InvalidInput("webhook url must be one line without spaces, at most 2048 characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("webhook url must be http:// or https:// with a host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise InvalidInput("webhook url has an invalid port") from exc
    return parts.scheme, parts.hostname, port


def refusal(addresses: list[str], port: int, *, allow_private: bool,
            own_hosts: set[str], own_port: int) -> str | None:
    """Why a target is refused, or None when it is fine (pure, unit-tested)."""
    for text in addresses:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        is_self = ip.is_unspecified or ip.is_loopback or str(ip) in own_hosts
        if is_self and port == own_port:
            return f"{ip}:{port} is the gateway itself"
        if not allow_private and not ip.is_global:
            return f"{ip} is not a public address (set webhook_allow_private to allow it)"
    return None


async def resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(_RESOLVE_TIMEOUT):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError) as exc:
        raise WebhookUrlRefused(f"cannot resolve {host!r}: {exc}") from exc
    return sorted({info[4][0] for info in infos})


async def check_url(url: str, *, allow_private: bool, own_host: str, own_port: int) -> None:
    """Raise WebhookUrlRefused unless ``url`` may receive webhooks."""
    _scheme, host, port = parse_url(url)
    addresses = await resolve(host, port)
    own_hosts = {own_host}
    try:
        own_hosts.update(await resolve(own_host, own_port))
    except InvalidInput:
        pass
    reason = refusal(addresses, port, allow_private=allow_private, own_hosts=own_hosts,
                     own_port=own_port)
    if reason:
        raise WebhookUrlRefused(f"webhook url refused: {reason}")
