"""Known providers: Gmail / Google Workspace and Microsoft 365 / Outlook.com. Pure.

An address is matched by its domain (gmail.com, outlook.com, ...) or, for a domain of its
own hosted there, by its MX hosts (Google Workspace: ``*.google.com``; Microsoft 365:
``*.mail.protection.outlook.com``). The servers are the OAuth2 presets'
(``gateway/oauth2/providers.py``), so an account made from this proposal connects through
an OAuth2 app of that provider.
"""

from __future__ import annotations

from ..oauth2.providers import GOOGLE, MICROSOFT_SERVERS, MailServer
from .proposals import Address, Proposal, Protocol, ServerBlock

_DOMAINS = {
    "google": {"gmail.com", "googlemail.com"},
    "microsoft": {
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "hotmail.co.uk",
        "hotmail.fr",
        "hotmail.de",
        "outlook.de",
        "outlook.fr",
        "live.co.uk",
    },
}
_MX_SUFFIXES = {
    "google": (".google.com", ".googlemail.com"),
    "microsoft": (".mail.protection.outlook.com",),
}
_NAMES = {"google": "Gmail / Google Workspace", "microsoft": "Microsoft 365 / Outlook.com"}
_SERVERS: dict[str, dict[str, MailServer]] = {
    "google": GOOGLE.servers,
    "microsoft": MICROSOFT_SERVERS,
}


def provider_of(address: Address, mx_hosts: list[str]) -> tuple[str, str] | None:
    """``(provider, why)`` when the address is at a known provider, else None."""
    for provider, domains in _DOMAINS.items():
        if address.domain in domains:
            return provider, f"the domain {address.domain}"
    for host in mx_hosts:
        name = host.rstrip(".").lower()
        for provider, suffixes in _MX_SUFFIXES.items():
            if name.endswith(suffixes):
                return provider, f"the MX host {name}"
    return None


def preset_proposal(provider: str, why: str, address: Address) -> Proposal:
    """The provider's servers for ``address``, to be connected with OAuth2."""
    servers: dict[Protocol, ServerBlock] = {
        protocol: ServerBlock(
            host=server.host,
            port=server.port,
            security=server.security,
            username=address.email,
            auth="oauth2",
            origin=f"preset {provider}",
        )
        for protocol, server in _SERVERS[provider].items()  # type: ignore[misc]
    }
    return Proposal(
        source="preset",
        origin=why,
        servers=servers,
        provider=_NAMES[provider],
        oauth2_provider=provider,
        notes=(
            f"{_NAMES[provider]} needs OAuth2: create an OAuth2 app with provider "
            f"'{provider}' (POST /v1/oauth2/apps) and connect the account through it",
        ),
    )
