"""What each OAuth2 provider needs: its endpoints, default scopes and mail servers.

``google`` and ``microsoft`` are presets; ``generic`` takes the endpoints and server blocks
given when the app is created (any RFC 6749 server with PKCE, such as the tests' own).
``max_connections`` is each provider's cap on an account's simultaneous connections
(Gmail: 15 IMAP connections; Exchange Online: 20); ``app_only_scope`` is what a client
credentials request asks for (app-only access; Google offers none for Gmail).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ProviderName = Literal["google", "microsoft", "generic"]


@dataclass(frozen=True)
class MailServer:
    host: str
    port: int
    security: Literal["tls", "starttls", "none"]
    max_connections: int | None = None


@dataclass(frozen=True)
class Provider:
    authorization_url: str
    token_url: str
    userinfo_url: str | None
    scopes: tuple[str, ...]
    servers: dict[str, MailServer]
    app_only_scope: str | None = None  # None: no client credentials access


GOOGLE = Provider(
    authorization_url="https://accounts.google.com/o/oauth2/v2/auth",
    token_url="https://oauth2.googleapis.com/token",
    userinfo_url="https://openidconnect.googleapis.com/v1/userinfo",
    scopes=("https://mail.google.com/", "openid", "email"),
    servers={
        "imap": MailServer("imap.gmail.com", 993, "tls", max_connections=15),
        "smtp": MailServer("smtp.gmail.com", 465, "tls"),
        "pop3": MailServer("pop.gmail.com", 995, "tls"),
    },
)

MICROSOFT_SCOPES = (
    "https://outlook.office.com/IMAP.AccessAsUser.All",
    "https://outlook.office.com/POP.AccessAsUser.All",
    "https://outlook.office.com/SMTP.Send",
    "offline_access",
    "openid",
    "email",
)
MICROSOFT_SERVERS = {
    "imap": MailServer("outlook.office365.com", 993, "tls", max_connections=20),
    "smtp": MailServer("smtp.office365.com", 587, "starttls"),
    "pop3": MailServer("outlook.office365.com", 995, "tls"),
}


def microsoft(tenant: str) -> Provider:
    """Microsoft identity platform v2.0 for ``tenant`` (``common``, ``organizations`` or a
    tenant id or domain); no userinfo call: the id_token carries the address."""
    base = f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0"
    return Provider(
        authorization_url=f"{base}/authorize",
        token_url=f"{base}/token",
        userinfo_url=None,
        scopes=MICROSOFT_SCOPES,
        servers=MICROSOFT_SERVERS,
        app_only_scope=MICROSOFT_APP_ONLY_SCOPE,
    )


# App-only (client credentials) access to Exchange Online over IMAP, POP and SMTP AUTH: the
# app's application permissions (IMAP.AccessAsApp, POP.AccessAsApp, SMTP.SendAsApp) come
# with this one scope; the tenant must be named ("common" and "organizations" cannot
# issue app-only tokens).
MICROSOFT_APP_ONLY_SCOPE = "https://outlook.office365.com/.default"
MULTI_TENANT = frozenset({"common", "organizations", "consumers"})
