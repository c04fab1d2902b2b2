"""``Autodiscovery``: given an email address, propose its servers, saying where each came from.

Three sources, asked at once, each bounded by ``autodiscover_timeout``:
- presets: Gmail / Microsoft by the domain or its MX hosts (``presets.py``);
- the domain's autoconfig file (``autoconfig.py``), fetched from each URL of
  ``autodiscover_autoconfig_urls`` the way webhooks are delivered: the URL is checked by the
  webhook URL policy (one resolution, only public addresses unless
  ``autodiscover_allow_private``, never the gateway itself) and the GET goes to the checked
  address through the pinned transport; no redirect is followed;
- RFC 6186 SRV records (``srv.py``).
A source that gives nothing says why (``SourceReport``). Callers are rate-limited
(``autodiscover_per_minute`` each): every discovery makes DNS queries and HTTP requests to
hosts named by the caller's input.
"""

from __future__ import annotations

import asyncio
import collections
import math
import ssl
import time
from urllib.parse import quote, urlsplit

import httpx

from ..errors import InvalidInput, RateLimited
from ..events.pinned_transport import PINNED, PinnedTransport
from ..events.url_policy import WebhookUrlPolicy
from ..settings import Settings
from .autoconfig import MAX_BYTES, AutoconfigRefused, parse_autoconfig
from .dns import DnsError, DnsLookup
from .presets import preset_proposal, provider_of
from .proposals import Address, Discovery, Proposal, SourceReport, parse_email
from .srv import SERVICES, SrvRecord, proposal_from_srv

__all__ = ["Autodiscovery"]


class CallerLimit:
    """At most ``per_minute`` discoveries per caller in any minute (a sliding window)."""

    def __init__(self, per_minute: int, *, max_callers: int = 10_000) -> None:
        self.per_minute = per_minute
        self._max_callers = max_callers
        self._calls: dict[str, collections.deque[float]] = {}

    def take(self, caller: str, now: float | None = None) -> float:
        """0 when allowed (and counted), else the seconds until it would be."""
        now = time.monotonic() if now is None else now
        calls = self._calls.get(caller)
        if calls is None:
            if len(self._calls) >= self._max_callers:
                self._calls.pop(next(iter(self._calls)))
            calls = self._calls[caller] = collections.deque()
        while calls and calls[0] <= now - 60:
            calls.popleft()
        if len(calls) >= self.per_minute:
            return calls[0] + 60 - now
        calls.append(now)
        return 0.0


class Autodiscovery:
    def __init__(self, settings: Settings) -> None:
        self._timeout = settings.autodiscover_timeout
        self._templates = list(settings.autodiscover_autoconfig_urls)
        self.dns = DnsLookup(settings.autodiscover_nameservers, timeout=self._timeout)
        self._policy = WebhookUrlPolicy(
            allow_private=settings.autodiscover_allow_private,
            own_host=settings.host,
            own_port=settings.port,
            resolver=self.dns,
        )
        self._limit = CallerLimit(settings.autodiscover_per_minute)
        self._ssl: ssl.SSLContext | None = None

    async def discover(self, email: str, *, caller: str) -> Discovery:
        """Every proposal for ``email`` (presets first, then autoconfig files, then SRV),
        and a report per source; RateLimited beyond the caller's share."""
        address = parse_email(email)
        wait = self._limit.take(caller)
        if wait:
            raise RateLimited(
                "too many autodiscovery requests; try again later", retry_after=math.ceil(wait)
            )
        found = Discovery(address)
        if self._ssl is None:
            self._ssl = httpx.create_ssl_context(trust_env=False)
        transport = PinnedTransport(ssl_context=self._ssl, max_keepalive=0)
        async with httpx.AsyncClient(
            transport=transport, follow_redirects=False, trust_env=False
        ) as client:
            results = await asyncio.gather(
                self._preset(address),
                *(self._autoconfig(client, template, address) for template in self._templates),
                self._srv(address),
            )
        for proposal, report in results:
            if proposal is not None:
                found.proposals.append(proposal)
            found.reports.append(report)
        return found

    async def _preset(self, address: Address) -> tuple[Proposal | None, SourceReport]:
        mx_hosts: list[str] = []
        problem = None
        try:
            mx_hosts = await self.dns.mx(address.domain)
        except DnsError as exc:
            problem = str(exc)
        match = provider_of(address, mx_hosts)
        if match is None:
            detail = problem or (
                f"{address.domain} is not at a known provider (MX: "
                f"{', '.join(mx_hosts[:3]) or 'none'})"
            )
            return None, SourceReport("preset", address.domain, False, detail)
        provider, why = match
        return (
            preset_proposal(provider, why, address),
            SourceReport("preset", why, True, f"{provider}, by {why}"),
        )

    async def _srv(self, address: Address) -> tuple[Proposal | None, SourceReport]:
        answers = await asyncio.gather(
            *(self.dns.srv(address.domain, service) for service in SERVICES), return_exceptions=True
        )
        records: list[SrvRecord] = []
        problems = []
        for answer in answers:
            if isinstance(answer, DnsError):
                problems.append(str(answer))
            elif isinstance(answer, BaseException):
                raise answer
            else:
                records += answer
        proposal = proposal_from_srv(records, address)
        if proposal is None:
            detail = (
                problems[0] if problems else (f"no usable RFC 6186 SRV record at {address.domain}")
            )
            return None, SourceReport("srv", address.domain, False, detail)
        found = ", ".join(sorted({b.origin.split()[1] for b in proposal.servers.values()}))
        return proposal, SourceReport("srv", address.domain, True, f"records: {found}")

    async def _autoconfig(
        self, client: httpx.AsyncClient, template: str, address: Address
    ) -> tuple[Proposal | None, SourceReport]:
        url = template.replace("{domain}", address.domain).replace(
            "{email}", quote(address.email, safe="")
        )

        def failed(detail: str) -> tuple[None, SourceReport]:
            return None, SourceReport("autoconfig", url, False, detail)

        try:
            target = await self._policy.check(url)
        except InvalidInput as exc:
            return failed(exc.detail.replace("webhook url", "autoconfig url"))
        body = bytearray()
        try:
            async with asyncio.timeout(self._timeout):
                async with client.stream(
                    "GET",
                    url,
                    extensions={PINNED: target},
                    headers={"Accept": "application/xml, text/xml", "Accept-Encoding": "identity"},
                ) as response:
                    if response.status_code != 200:
                        return failed(f"HTTP {response.status_code}")
                    if response.headers.get("content-encoding", "identity") != "identity":
                        # No decompression: a small gzip can unpack to gigabytes.
                        return failed("refused: a compressed answer")
                    async for chunk in response.aiter_raw():
                        body += chunk
                        if len(body) > MAX_BYTES:
                            return failed(f"refused: larger than {MAX_BYTES} bytes")
        except TimeoutError:
            return failed(f"no complete answer within {self._timeout:g} s")
        except httpx.HTTPError as exc:
            return failed(f"unreachable ({type(exc).__name__})")
        try:
            proposal = parse_autoconfig(bytes(body), address, origin=url)
        except AutoconfigRefused as exc:
            return failed(f"refused: {exc}")
        if urlsplit(url).scheme == "http":
            proposal = Proposal(
                source=proposal.source,
                origin=proposal.origin,
                servers=proposal.servers,
                provider=proposal.provider,
                oauth2_provider=proposal.oauth2_provider,
                notes=(
                    *proposal.notes,
                    "fetched over http, without TLS: anyone on the path could have changed it",
                ),
            )
        return proposal, SourceReport("autoconfig", url, True, f"{len(proposal.servers)} server(s)")
