"""DNS for autodiscovery (dnspython): SRV, MX, and addresses for the autoconfig fetch.

The nameservers are configurable (``GATEWAY_AUTODISCOVER_NAMESERVERS``: ``host`` or
``host:port``, ``[v6]:port``); without any, the system's (``/etc/resolv.conf``). Every
lookup is bounded by ``timeout``; "no such name" and "no such record" are empty answers,
anything else (timeout, no nameserver answering) is a ``DnsError``.
"""

from __future__ import annotations

import ipaddress

import dns.asyncresolver
import dns.exception
import dns.nameserver
import dns.resolver

from .srv import SERVICES, SrvRecord

_EMPTY = (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer)


class DnsError(OSError):
    """A lookup that got no answer at all (timeout, no nameserver, broken reply)."""


def parse_nameserver(text: str) -> tuple[str, int]:
    """``host``, ``host:port`` or ``[v6]:port`` -> (address, port); ValueError otherwise."""
    text = text.strip()
    port = 53
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"bad nameserver {text!r}")
            port = int(rest[1:])
    elif text.count(":") == 1:
        host, _, number = text.partition(":")
        port = int(number)
    else:
        host = text
    ipaddress.ip_address(host)  # a nameserver is an address: no lookup to find the resolver
    if not 1 <= port <= 65535:
        raise ValueError(f"bad nameserver port in {text!r}")
    return host, port


class DnsLookup:
    """Lookups through one resolver, each within ``timeout`` seconds."""

    def __init__(self, nameservers: list[str], *, timeout: float) -> None:
        self._timeout = timeout
        self._problem: str | None = None
        if nameservers:
            resolver = dns.asyncresolver.Resolver(configure=False)
            resolver.nameservers = [
                dns.nameserver.Do53Nameserver(*parse_nameserver(n)) for n in nameservers
            ]
        else:
            try:
                resolver = dns.asyncresolver.Resolver(configure=True)
            except dns.resolver.NoResolverConfiguration:
                resolver = dns.asyncresolver.Resolver(configure=False)
                self._problem = (
                    "no nameserver: the system has none configured (set "
                    "GATEWAY_AUTODISCOVER_NAMESERVERS)"
                )
        resolver.lifetime = timeout
        resolver.timeout = timeout
        self._resolver = resolver

    async def _query(self, name: str, rdtype: str) -> list:
        if self._problem is not None:
            raise DnsError(self._problem)
        try:
            answer = await self._resolver.resolve(
                name.rstrip(".") + ".", rdtype, search=False, lifetime=self._timeout
            )
        except _EMPTY:
            return []
        except dns.exception.Timeout:
            raise DnsError(f"no DNS answer for {name} {rdtype} in {self._timeout:g} s") from None
        except (dns.resolver.NoNameservers, dns.exception.DNSException) as exc:
            raise DnsError(f"DNS lookup of {name} {rdtype} failed ({type(exc).__name__})") from None
        return list(answer)

    async def srv(self, domain: str, service: str) -> list[SrvRecord]:
        """The SRV records of ``service`` (a key of ``srv.SERVICES``) at ``domain``."""
        assert service in SERVICES
        return [
            SrvRecord(
                service=service,
                priority=r.priority,
                weight=r.weight,
                port=r.port,
                target=r.target.to_text(omit_final_dot=True) or ".",
            )
            for r in await self._query(f"{service}.{domain}", "SRV")
        ]

    async def mx(self, domain: str) -> list[str]:
        """The MX hosts of ``domain``, most preferred first."""
        records = sorted(await self._query(domain, "MX"), key=lambda r: r.preference)
        return [r.exchange.to_text(omit_final_dot=True) for r in records]

    async def resolve(self, host: str, port: int) -> list[str]:
        """The addresses of ``host`` (A, then AAAA): ``url_policy.Resolver`` for the
        autoconfig fetch, so it sees the same DNS as the SRV lookups."""
        found = []
        for rdtype in ("A", "AAAA"):
            found += [r.address for r in await self._query(host, rdtype)]
        if not found:
            raise DnsError(f"{host} has no address")
        return found
