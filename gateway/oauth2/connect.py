"""Connecting a mailbox through its provider's consent: apps, authorize URLs, callbacks.

    url = await connect.authorize(app_id, account_id, login_hint=None, token_id=...)
    account = await connect.callback(code=..., state=...)   # the provider's redirect
    account = await connect.app_only(app_id, account_id, mailbox="shared@example.com")

``authorize`` stores a random ``state`` (only its SHA-256), the PKCE (RFC 7636, S256)
verifier encrypted, the account it is for and who asked, for ``STATE_TTL`` seconds. The
callback consumes the state first (single use, atomically) and only then exchanges the code
(with the verifier) at the app's token endpoint, reads the mailbox address (the id_token's
``email``, issued to this client, or the userinfo endpoint) and creates or updates the
account with the provider's server blocks and the grant. A forged, replayed or expired
state raises before anything else happens. Every endpoint URL is checked by the same policy
as token refreshes and webhooks, and the request goes to the address checked.

``app_only`` connects a mailbox without anyone's consent (Microsoft 365 shared mailboxes):
the app's own credentials get a token with the client credentials grant (RFC 6749 section
4.4) at once, so that a wrong secret or tenant is told now, and the account's blocks log in
as the mailbox with tokens of the app (``oauth2.grant = "client_credentials"``; the refresher
asks for new ones when they are due). Which mailboxes the app may open is the mail server's
business (Exchange: ``Add-MailboxPermission`` for the app's service principal).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from ..accounts.registry import AccountRegistry
from ..errors import (
    AccountNotFound,
    InvalidInput,
    InvalidState,
    OAuth2AppNotFound,
    OAuth2ReauthRequired,
    OAuth2StateRefused,
    UpstreamError,
    UpstreamUnavailable,
)
from ..events.pinned_transport import PINNED
from ..events.url_policy import WebhookUrlPolicy
from ..model.accounts import Account, AccountSpec, OAuth2Config
from ..model.records import OAuth2App
from ..store.oauth2 import OAuth2Repo
from ..store.schema import utcnow
from .providers import GOOGLE, MULTI_TENANT, MailServer, Provider, microsoft
from .tokens import APP_ONLY_REFUSALS, TokenGrant, parse_token_response, post_token_form

log = logging.getLogger(__name__)

STATE_TTL = 600.0  # seconds an authorize URL may be used


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge), RFC 7636 sections 4.1-4.2."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def provider_of(app: OAuth2App) -> Provider:
    """The endpoints, scopes and servers an app uses (presets, or what it was created with)."""
    config = app.config
    if app.provider == "google":
        base = GOOGLE
    elif app.provider == "microsoft":
        base = microsoft(config.get("tenant") or "common")
    else:
        base = Provider(
            authorization_url=config["authorization_url"],
            token_url=config["token_url"],
            userinfo_url=config.get("userinfo_url"),
            scopes=(),
            servers={
                p: MailServer(s["host"], s["port"], s["security"], s.get("max_connections"))
                for p, s in (config.get("servers") or {}).items()
            },
            app_only_scope=" ".join(config.get("scopes") or ()) or None,
        )
    scopes = tuple(config.get("scopes") or ()) or base.scopes
    return Provider(
        base.authorization_url,
        base.token_url,
        base.userinfo_url,
        scopes,
        base.servers,
        base.app_only_scope,
    )


def server_blocks(
    provider: Provider, app: OAuth2App, username: str, oauth2: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """The account's server blocks for ``provider``: its servers (with their connection
    caps), the app's TLS settings, logging in as ``username`` with ``oauth2``."""
    extra = {k: app.config[k] for k in ("tls_verify", "ca_file") if k in app.config}
    blocks = {}
    for proto, server in provider.servers.items():
        block = {
            "host": server.host,
            "port": server.port,
            "security": server.security,
            "username": username,
            "oauth2": oauth2,
            **extra,
        }
        if server.max_connections is not None:
            block["max_connections"] = server.max_connections
        blocks[proto] = block
    return blocks


def email_from_id_token(id_token: str, *, client_id: str, now: float) -> str | None:
    """The ``email`` of an OpenID Connect id_token received straight from the token endpoint
    (OIDC Core 3.1.3.7: TLS to the issuer stands in for the signature there), after checking
    it was issued to ``client_id`` and has not expired; None when it has no email."""
    try:
        payload = id_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        raise UpstreamError(
            "token endpoint: the id_token does not parse",
            code="oauth2_id_token_invalid",
            protocol="oauth2",
        ) from None
    if not isinstance(claims, dict):
        raise UpstreamError(
            "token endpoint: the id_token does not parse",
            code="oauth2_id_token_invalid",
            protocol="oauth2",
        )
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if client_id not in audiences:
        raise UpstreamError(
            "token endpoint: the id_token was issued to another client",
            code="oauth2_id_token_invalid",
            protocol="oauth2",
        )
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp < now - 60:
        raise UpstreamError(
            "token endpoint: the id_token has expired",
            code="oauth2_id_token_invalid",
            protocol="oauth2",
        )
    email = claims.get("email") or claims.get("preferred_username")
    return email if isinstance(email, str) and "@" in email else None


@dataclass(frozen=True)
class Connected:
    account: Account
    created: bool


class OAuth2Connect:
    """OAuth2 apps and the consent flow that connects accounts (see module doc)."""

    def __init__(
        self,
        repo: OAuth2Repo,
        accounts: AccountRegistry,
        http: httpx.AsyncClient,
        url_policy: WebhookUrlPolicy,
        *,
        timeout: float = 20.0,
        on_issued: Callable[[str, str, datetime | None], None] | None = None,
    ) -> None:
        self.repo = repo
        self._accounts = accounts
        self._http = http
        self._policy = url_policy
        self._timeout = timeout
        # Called with (account_id, data) once per refused grant (gateway.services wires the
        # event bus): account.reauth_required.
        # Told of each access token the code exchange issued (TokenRefresher.note_issued).
        self.on_issued = on_issued

    # -- apps --------------------------------------------------------------------------------

    async def create_app(
        self,
        *,
        provider: str,
        name: str,
        client_id: str,
        client_secret: str,
        config: dict[str, Any],
        created_by: str | None,
    ) -> OAuth2App:
        if provider == "generic":
            for key in ("authorization_url", "token_url"):
                if not config.get(key):
                    raise InvalidInput(f"a generic provider needs {key}")
            if not config.get("servers"):
                raise InvalidInput("a generic provider needs servers (imap, smtp or pop3)")
            for key in ("authorization_url", "token_url", "userinfo_url"):
                if config.get(key):
                    await self._check(config[key], key)
        app = OAuth2App(
            id="oa_" + secrets.token_hex(8),
            provider=provider,
            name=name,
            client_id=client_id,
            client_secret=client_secret,
            config=config,
            created_by=created_by,
            created_at=utcnow(),
        )
        await self.repo.insert_app(app)
        return app

    # -- consent -----------------------------------------------------------------------------

    async def authorize(
        self, app_id: str, account_id: str, *, login_hint: str | None, token_id: str | None
    ) -> str:
        """The provider's authorization URL for a new consent for ``account_id``."""
        app = await self.repo.get_app(app_id)
        provider = provider_of(app)
        state = secrets.token_urlsafe(32)
        verifier, challenge = pkce_pair()
        await self.repo.add_state(
            state,
            app_id=app.id,
            account_id=account_id,
            verifier=verifier,
            token_id=token_id,
            ttl=STATE_TTL,
        )
        query = {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": app.config["redirect_url"],
            "scope": " ".join(provider.scopes),
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        if app.provider == "google":
            # A refresh token is only issued with offline access, and again only on consent.
            query.update(access_type="offline", prompt="consent")
        if login_hint:
            query["login_hint"] = login_hint
        separator = "&" if "?" in provider.authorization_url else "?"
        return provider.authorization_url + separator + urlencode(query)

    async def callback(
        self, *, code: str | None, state: str | None, error: str | None = None
    ) -> Connected:
        if not state:
            raise OAuth2StateRefused("the callback carries no state")
        pending = await self.repo.consume_state(state)  # raises: forged, replayed, expired
        if error or not code:
            raise OAuth2StateRefused(
                "the provider did not grant access", code="oauth2_consent_denied"
            )
        try:
            app = await self.repo.get_app(pending.app_id)
        except OAuth2AppNotFound:
            raise OAuth2StateRefused("the OAuth2 app of this request was deleted") from None
        provider = provider_of(app)
        grant, doc = await self._exchange(app, provider, code, pending.verifier)
        email = None
        if isinstance(doc.get("id_token"), str):
            email = email_from_id_token(doc["id_token"], client_id=app.client_id, now=time.time())
        if email is None and provider.userinfo_url:
            email = await self._userinfo(provider.userinfo_url, grant.access_token)
        if email is None:
            raise UpstreamError(
                "the provider told no mailbox address (id_token or userinfo)",
                code="oauth2_no_email",
                protocol="oauth2",
            )
        oauth2 = {
            "access_token": grant.access_token,
            "refresh_token": grant.refresh_token,
            "token_url": provider.token_url,
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "expires_at": grant.expires_at.isoformat() if grant.expires_at else None,
            "mechanism": "auto",
        }
        blocks = server_blocks(provider, app, email, oauth2)
        connected = await self._store_account(pending.account_id, email, blocks)
        if self.on_issued is not None:
            self.on_issued(connected.account.id, grant.access_token, grant.expires_at)
        return connected

    async def app_only(
        self,
        app_id: str,
        account_id: str,
        *,
        mailbox: str,
        name: str | None = None,
        scope: str | None = None,
    ) -> Connected:
        """Connect ``mailbox`` with the app's own credentials (no consent; see module doc):
        a first token now, then the account created or updated (its address must be
        ``mailbox``)."""
        app = await self.repo.get_app(app_id)
        provider = provider_of(app)
        if app.provider == "microsoft" and (app.config.get("tenant") or "common") in MULTI_TENANT:
            raise InvalidState(
                "app-only access needs the app's own tenant (its id or "
                "domain): a multi-tenant app (common) cannot get app-only "
                "tokens",
                code="oauth2_app_only_unsupported",
            )
        if app.provider == "google":
            raise InvalidState(
                "Google has no app-only (client credentials) access to Gmail; "
                "connect each mailbox through the consent flow",
                code="oauth2_app_only_unsupported",
            )
        scope = scope or provider.app_only_scope
        grant = await self._client_credentials(app, provider, scope)
        oauth2 = {
            "access_token": grant.access_token,
            "token_url": provider.token_url,
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "expires_at": grant.expires_at.isoformat() if grant.expires_at else None,
            "mechanism": "auto",
            "grant": "client_credentials",
            "scope": scope,
        }
        blocks = server_blocks(provider, app, mailbox, oauth2)
        connected = await self._store_account(account_id, mailbox, blocks, name=name)
        if self.on_issued is not None:
            self.on_issued(connected.account.id, grant.access_token, grant.expires_at)
        return connected

    async def reauth_url(
        self, account_id: str, oauth2: OAuth2Config
    ) -> tuple[str, str | None] | None:
        """(app id, a fresh authorize URL) for an account whose grant was refused, when the
        app its tokens came from is known; app-only access gets no URL (a consent does not
        help: the app needs new credentials)."""
        if not oauth2.client_id or not oauth2.token_url:
            return None
        app = next(
            (
                a
                for a in await self.repo.list_apps()
                if a.client_id == oauth2.client_id and provider_of(a).token_url == oauth2.token_url
            ),
            None,
        )
        if app is None:
            return None
        if oauth2.grant == "client_credentials":
            return app.id, None
        return app.id, await self.authorize(app.id, account_id, login_hint=None, token_id=None)

    # -- internals ---------------------------------------------------------------------------

    async def _store_account(
        self, account_id: str, email: str, blocks: dict[str, dict], *, name: str | None = None
    ) -> Connected:
        try:
            current = await self._accounts.get(account_id)
        except AccountNotFound:
            current = None
        if current is None:
            spec = AccountSpec.model_validate(
                {"id": account_id, "name": name or email, "email": email, **blocks}
            )
            return Connected(await self._accounts.create(spec), created=True)
        if current.email.lower() != email.lower():
            raise InvalidState(
                "the mailbox that consented is not this account's address; nothing was changed",
                code="oauth2_mailbox_mismatch",
            )
        return Connected(await self._accounts.update(account_id, blocks), created=False)

    async def _check(self, url: str, what: str) -> Any:
        try:
            return await self._policy.check(url)
        except InvalidInput as exc:
            raise InvalidInput(f"{what} refused: {exc.detail}") from None

    async def _pinned(self, url: str) -> dict[str, Any]:
        try:
            return {PINNED: await self._policy.check(url)}
        except InvalidInput as exc:
            raise UpstreamError(
                f"endpoint refused: {exc.detail}",
                code="oauth2_token_url_refused",
                protocol="oauth2",
            ) from None

    async def _post_token(self, provider: Provider, form: dict[str, str]) -> httpx.Response:
        """``form`` to the provider's token endpoint, through the pinned transport."""
        return await post_token_form(
            self._http,
            provider.token_url,
            form,
            http_timeout=self._timeout,
            extensions=await self._pinned(provider.token_url),
        )

    async def _exchange(
        self, app: OAuth2App, provider: Provider, code: str, verifier: str
    ) -> tuple[Any, dict]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": app.config["redirect_url"],
            "code_verifier": verifier,
            "client_id": app.client_id,
            "client_secret": app.client_secret,
        }
        reply = await self._post_token(provider, form)
        try:
            grant = parse_token_response(reply.status_code, reply.content, now=datetime.now(UTC))
        except OAuth2ReauthRequired as exc:  # invalid_grant here: a bad or used code
            raise UpstreamError(exc.detail, code="oauth2_code_refused", protocol="oauth2") from None
        if grant.refresh_token is None:
            raise UpstreamError(
                "token endpoint issued no refresh token (offline access?)",
                code="oauth2_no_refresh_token",
                protocol="oauth2",
            )
        return grant, json.loads(reply.content)

    async def _client_credentials(
        self, app: OAuth2App, provider: Provider, scope: str | None
    ) -> TokenGrant:
        """RFC 6749 section 4.4 at the app's token endpoint; a refusal (a wrong or expired
        secret, no such app in the tenant) is told as the provider said it."""
        form = {
            "grant_type": "client_credentials",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
        }
        if scope:
            form["scope"] = scope
        reply = await self._post_token(provider, form)
        try:
            return parse_token_response(
                reply.status_code, reply.content, now=datetime.now(UTC), refusals=APP_ONLY_REFUSALS
            )
        except OAuth2ReauthRequired as exc:  # invalid_client & co: the app's credentials
            raise UpstreamError(
                exc.detail, code="oauth2_client_refused", protocol="oauth2"
            ) from None

    async def _userinfo(self, url: str, access_token: str) -> str | None:
        try:
            reply = await self._http.get(
                url,
                timeout=self._timeout,
                headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
                extensions=await self._pinned(url),
            )
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(
                f"userinfo endpoint unreachable ({type(exc).__name__})",
                code="oauth2_unavailable",
                protocol="oauth2",
            ) from None
        try:
            doc = reply.json() if reply.status_code == 200 else None
        except ValueError:
            doc = None
        email = doc.get("email") if isinstance(doc, dict) else None
        return email if isinstance(email, str) and "@" in email else None
