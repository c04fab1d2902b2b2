"""Thunderbird autoconfig files (``config-v1.1.xml``): parsed defensively into a proposal.

The format: https://wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat —
``clientConfig/emailProvider`` with ``incomingServer type="imap|pop3"`` and
``outgoingServer type="smtp"``, each with ``hostname``, ``port``, ``socketType``
(``SSL``, ``STARTTLS``, ``plain``), ``username`` (``%EMAILADDRESS%``, ``%EMAILLOCALPART%``,
``%EMAILDOMAIN%``) and ``authentication`` elements.

The file comes from a server the gateway does not trust, so the parser is the stdlib's
expat with every door closed: a document with a DOCTYPE is refused outright (so no entity,
internal or external, is ever declared or expanded: no "billion laughs", no XXE), as are
documents over ``MAX_BYTES``, deeper than ``MAX_DEPTH`` or with more than ``MAX_ELEMENTS``
elements. Pure: no I/O here (the fetch is ``service.py``'s, through the pinned transport).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.parsers import expat

from .proposals import Address, Auth, Proposal, Protocol, Security, ServerBlock, valid_host

MAX_BYTES = 256 * 1024
MAX_DEPTH = 16
MAX_ELEMENTS = 5000
MAX_TEXT = 1024  # characters of one element's text

_SECURITY: dict[str, Security] = {
    "ssl": "tls",
    "tls": "tls",
    "starttls": "starttls",
    "plain": "none",
}
_PASSWORD_AUTH = {"password-cleartext", "password-encrypted", "plain", "secure"}
_TYPES: dict[tuple[str, str], Protocol] = {
    ("incomingServer", "imap"): "imap",
    ("incomingServer", "pop3"): "pop3",
    ("outgoingServer", "smtp"): "smtp",
}


class AutoconfigRefused(ValueError):
    """The document is not one the gateway reads (hostile, too big, not autoconfig)."""


@dataclass
class _Element:
    tag: str
    attrs: dict[str, str]
    children: list[_Element] = field(default_factory=list)
    text: str = ""

    def child_text(self, tag: str) -> str | None:
        for child in self.children:
            if child.tag == tag:
                return child.text.strip()
        return None

    def all_text(self, tag: str) -> list[str]:
        return [c.text.strip() for c in self.children if c.tag == tag]


def _refuse(*_args: object) -> None:
    raise AutoconfigRefused("a DOCTYPE or entity declaration (refused: no DTDs)")


def parse_xml(data: bytes) -> _Element:
    """A small element tree of ``data``; AutoconfigRefused for anything hostile or broken."""
    if len(data) > MAX_BYTES:
        raise AutoconfigRefused(f"larger than {MAX_BYTES} bytes")
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse  # type: ignore[assignment]
    root: list[_Element] = []
    stack: list[_Element] = []
    count = 0

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal count
        count += 1
        if count > MAX_ELEMENTS or len(stack) >= MAX_DEPTH:
            raise AutoconfigRefused("too many or too deeply nested elements")
        element = _Element(tag.rsplit(":", 1)[-1], dict(attrs))
        (stack[-1].children if stack else root).append(element)
        stack.append(element)

    def end(_tag: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        if stack and len(stack[-1].text) < MAX_TEXT:
            stack[-1].text += data[:MAX_TEXT]

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise AutoconfigRefused(f"not well-formed XML ({expat.ErrorString(exc.code)})") from None
    except RecursionError:  # pragma: no cover - MAX_DEPTH stops it first
        raise AutoconfigRefused("too deeply nested") from None
    if not root:
        raise AutoconfigRefused("empty document")
    return root[0]


def _fill(template: str, address: Address) -> str:
    return (
        template.replace("%EMAILADDRESS%", address.email)
        .replace("%EMAILLOCALPART%", address.local)
        .replace("%EMAILDOMAIN%", address.domain)
    )


def _server(element: _Element, address: Address) -> ServerBlock | None:
    """A server element as a block; None when the gateway cannot use it."""
    host = valid_host(_fill(element.child_text("hostname") or "", address))
    security = _SECURITY.get((element.child_text("socketType") or "").lower())
    try:
        port = int(element.child_text("port") or "")
    except ValueError:
        return None
    methods = {m.lower() for m in element.all_text("authentication")} or {"password-cleartext"}
    auth: Auth | None = (
        "password" if methods & _PASSWORD_AUTH else "oauth2" if "oauth2" in methods else None
    )
    username = _fill(element.child_text("username") or "%EMAILADDRESS%", address)
    if (
        host is None
        or security is None
        or not 1 <= port <= 65535
        or auth is None
        or not username
        or len(username) > 512
        or not username.isprintable()
    ):
        return None
    return ServerBlock(
        host=host,
        port=port,
        security=security,
        username=username,
        auth=auth,
        origin=f"{element.tag} type={element.attrs.get('type', '')}",
    )


def parse_autoconfig(data: bytes, address: Address, *, origin: str) -> Proposal:
    """The servers an autoconfig document proposes for ``address``: per protocol the first
    usable one in document order (the file's preference), one with TLS before a plain one.
    AutoconfigRefused when the document is hostile, not autoconfig, or names no server."""
    root = parse_xml(data)
    if root.tag != "clientConfig":
        raise AutoconfigRefused("not an autoconfig document (no clientConfig)")
    provider = next((c for c in root.children if c.tag == "emailProvider"), None)
    if provider is None:
        raise AutoconfigRefused("no emailProvider")
    found: dict[Protocol, list[ServerBlock]] = {}
    for element in provider.children:
        protocol = _TYPES.get((element.tag, element.attrs.get("type", "").lower()))
        block = _server(element, address) if protocol else None
        if protocol and block:
            found.setdefault(protocol, []).append(block)
    servers: dict[Protocol, ServerBlock] = {}
    for protocol, blocks in found.items():
        servers[protocol] = next((b for b in blocks if b.security != "none"), blocks[0])
    if not servers:
        raise AutoconfigRefused(
            "no usable server (IMAP, POP3 or SMTP with a password or OAuth2 login)"
        )
    notes = []
    if any(b.security == "none" for b in servers.values()):
        notes.append("a server without TLS: passwords would cross the network in clear")
    if any(b.auth == "oauth2" for b in servers.values()):
        notes.append(
            "a server wants OAuth2: connect the account through an OAuth2 app "
            "(POST /v1/oauth2/apps/{app}/authorize)"
        )
    name = provider.child_text("displayName")
    return Proposal(
        source="autoconfig",
        origin=origin,
        servers=servers,
        provider=name[:200] if name else None,
        notes=tuple(notes),
    )
