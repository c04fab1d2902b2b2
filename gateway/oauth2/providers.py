"""What each OAuth2 provider needs: its endpoints, default scopes and mail servers.

``google`` and ``microsoft`` are presets; ``generic`` takes the endpoints and server blocks
given when the app is created (any RFC 6749 server with PKCE, such as the tests' own).
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


@dataclass(frozen=True)
class Provider:
    authorization_url: str
    token_url: str
    userinfo_url: str | None
    scopes: tuple[str, ...]
    servers: dict[str, MailServer]


GOOGLE = Provider(
    authorization_url="https://accounts.google.com/o/oauth2/v2/auth",
    token_url="https://oauth2.googleapis.com/token",
    userinfo_url="https://openidconnect.googleapis.com/v1/userinfo",
    scopes=("https://mail.google.com/", "openid", "email"),
    servers={"imap": MailServer("imap.gmail.com", 993, "tls"),
             "smtp": MailServer("smtp.gmail.com", 465, "tls"),
             "pop3": MailServer("pop.gmail.com", 995, "tls")},
)

MICROSOFT_SCOPES = (
    "https://outlook.office.com/IMAP.AccessAsUser.All",
    "https://outlook.office.com/POP.AccessAsUser.All",
    "https://outlook.office.com/SMTP.Send", "offline_access", "openid", "email",
)
MICROSOFT_SERVERS = {"imap": MailServer("outlook.office365.com", 993, "tls"),
                     "smtp": MailServer("smtp.office365.com", 587, "starttls"),
                     "pop3": MailServer("outlook.office365.com", 995, "tls")}


def microsoft(tenant: str) -> Provider:
    """Microsoft identity platform v2.0 for ``tenant`` (``common``, ``organizations`` or a
    tenant id or domain); no userinfo call: the id_token carries the address."""
    base = f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0"
    return Provider(authorization_url=f"{base}/authorize", token_url=f"{base}/token",
                    userinfo_url=None, scopes=MICROSOFT_SCOPES, servers=MICROSOFT_SERVERS)
