"""GET /v1/autodiscover: proposed server blocks for an address, and where each came from."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ...discovery import Discovery, Proposal, ServerBlock, SourceReport


class ProposedServer(BaseModel):
    """A server block for ``POST /v1/accounts`` (add ``password``, or connect via OAuth2)."""

    host: str
    port: int
    security: Literal["tls", "starttls", "none"]
    username: str
    auth: Literal["password", "oauth2"] = Field(
        description="how the server wants the login: a password, or OAuth2 (an OAuth2 app)"
    )
    origin: str = Field(
        description="the record or element it came from "
        "(`SRV _imaps._tcp.example.com`, `incomingServer type=imap`)"
    )

    @classmethod
    def of(cls, block: ServerBlock) -> ProposedServer:
        return cls(
            host=block.host,
            port=block.port,
            security=block.security,
            username=block.username,
            auth=block.auth,
            origin=block.origin,
        )


class ProposedBlock(BaseModel):
    """A server block of ``POST /v1/accounts`` without its secret: add ``password`` (or
    connect the account through an OAuth2 app)."""

    host: str
    port: int
    security: Literal["tls", "starttls", "none"]
    username: str


class ProposedAccount(BaseModel):
    """A body for ``POST /v1/accounts`` as proposed: add ``id`` if you like and a
    ``password`` to each server block."""

    name: str
    email: str
    imap: ProposedBlock | None = None
    smtp: ProposedBlock | None = None
    pop3: ProposedBlock | None = None


class ProposalOut(BaseModel):
    source: Literal["preset", "autoconfig", "srv"] = Field(
        description="`preset` (a known provider), `autoconfig` (the domain's autoconfig "
        "file), `srv` (RFC 6186 DNS records)"
    )
    origin: str = Field(description="the preset's reason, the autoconfig URL, the SRV domain")
    provider: str | None = Field(description="the provider's or the file's display name")
    oauth2_provider: Literal["google", "microsoft"] | None = Field(
        description="connect through an OAuth2 app of this provider (POST /v1/oauth2/apps)"
    )
    imap: ProposedServer | None = None
    smtp: ProposedServer | None = None
    pop3: ProposedServer | None = None
    account: ProposedAccount = Field(
        description="the same as a POST /v1/accounts body, passwords left out"
    )
    notes: list[str] = Field(description="what to check before using it")

    @classmethod
    def of(cls, proposal: Proposal, email: str, local: str) -> ProposalOut:
        servers = {p: ProposedServer.of(b) for p, b in proposal.servers.items()}
        blocks = {
            p: ProposedBlock(host=s.host, port=s.port, security=s.security, username=s.username)
            for p, s in servers.items()
        }
        return cls(
            source=proposal.source,
            origin=proposal.origin,
            provider=proposal.provider,
            oauth2_provider=proposal.oauth2_provider,  # type: ignore[arg-type]
            account=ProposedAccount(name=local, email=email, **blocks),
            notes=list(proposal.notes),
            **servers,
        )


class SourceOut(BaseModel):
    source: Literal["preset", "autoconfig", "srv"]
    origin: str
    ok: bool = Field(description="whether this source gave a proposal")
    detail: str = Field(description="what it gave, or why nothing")

    @classmethod
    def of(cls, report: SourceReport) -> SourceOut:
        return cls(source=report.source, origin=report.origin, ok=report.ok, detail=report.detail)


class DiscoveryOut(BaseModel):
    """Every proposal found, the most trustworthy first: a known provider, then the
    domain's autoconfig file(s), then SRV records. Empty when nothing was found."""

    email: str
    domain: str = Field(description="the address's domain, in its ASCII (IDNA) form")
    proposals: list[ProposalOut]
    sources: list[SourceOut]

    @classmethod
    def of(cls, found: Discovery) -> DiscoveryOut:
        address = found.address
        return cls(
            email=address.email,
            domain=address.domain,
            proposals=[ProposalOut.of(p, address.email, address.local) for p in found.proposals],
            sources=[SourceOut.of(r) for r in found.reports],
        )
