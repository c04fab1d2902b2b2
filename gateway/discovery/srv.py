"""RFC 6186 SRV records (and RFC 8314's ``_submissions``) as a proposal. Pure.

Each protocol has a STARTTLS and an implicit-TLS service name; the records of both are
ranked together by priority (RFC 6186 section 3.4: "the client SHOULD use the records
with the lowest-numbered priority value first"), implicit TLS first among equals (RFC 8314
section 5.1), then by weight. A target of "." says the service is not offered (RFC 2782).
"""

from __future__ import annotations

from dataclasses import dataclass

from .proposals import Address, Proposal, Protocol, Security, ServerBlock, valid_host

# service label -> (protocol, security)
SERVICES: dict[str, tuple[Protocol, Security]] = {
    "_imaps._tcp": ("imap", "tls"),
    "_imap._tcp": ("imap", "starttls"),
    "_pop3s._tcp": ("pop3", "tls"),
    "_pop3._tcp": ("pop3", "starttls"),
    "_submissions._tcp": ("smtp", "tls"),
    "_submission._tcp": ("smtp", "starttls"),
}


@dataclass(frozen=True, slots=True)
class SrvRecord:
    service: str  # a key of SERVICES
    priority: int
    weight: int
    port: int
    target: str


def proposal_from_srv(records: list[SrvRecord], address: Address) -> Proposal | None:
    """The best server per protocol among ``records``; None when they offer none."""
    ranked: dict[Protocol, list[tuple[tuple[int, int, int], ServerBlock]]] = {}
    for record in records:
        if record.service not in SERVICES or record.target.strip() in ("", "."):
            continue
        protocol, security = SERVICES[record.service]
        host = valid_host(record.target)
        if host is None or not 1 <= record.port <= 65535:
            continue
        block = ServerBlock(
            host=host,
            port=record.port,
            security=security,
            username=address.email,
            origin=f"SRV {record.service}.{address.domain}",
        )
        rank = (record.priority, 0 if security == "tls" else 1, -record.weight)
        ranked.setdefault(protocol, []).append((rank, block))
    servers = {p: min(options, key=lambda o: o[0])[1] for p, options in ranked.items()}
    if not servers:
        return None
    outside = sorted(
        {
            b.host
            for b in servers.values()
            if b.host != address.domain and not b.host.endswith("." + address.domain)
        }
    )
    notes = []
    if outside:
        notes.append(
            f"{', '.join(outside)} is outside {address.domain}: SRV answers are "
            "not authenticated without DNSSEC (RFC 6186 section 6); check the "
            "servers before giving them a password"
        )
    return Proposal(source="srv", origin=address.domain, servers=servers, notes=tuple(notes))
