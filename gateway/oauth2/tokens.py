"""Access tokens that keep working: refresh at the block's token endpoint, one at a time.

    refresher = TokenRefresher(store, repo, http)
    token = await refresher.access_token(account_id, "imap")         # refreshed when due
    token = await refresher.after_auth_failure(account_id, "imap", token)  # once, after a NO

A token is due ``ahead`` seconds before its ``expires_at``, minus a jitter of up to
``jitter`` seconds fixed per account and token (accounts spread out, an account does not
flap). The refresh (RFC 6749 section 6, ``grant_type=refresh_token`` with the client's
credentials as form fields) runs once per account at a time: an asyncio lock per account in
this process and, on PostgreSQL, a transaction-scoped advisory lock across instances. Whoever
waited re-reads the stored tokens after the lock and uses the fresh ones instead of calling
the endpoint again, so 50 requests arriving at expiry cause one call.

``token_url`` comes with the account (whoever may write accounts chooses it): with a
``url_policy`` (the webhooks' ``WebhookUrlPolicy``: one resolution, private and own
addresses refused) each call first checks it, and the request goes to the address just
checked (``PINNED`` extension; give the client a ``PinnedTransport``), as for webhooks.

A rotated refresh token (RFC 6749 section 10.4) is stored in the same transaction as the new
access token, in every block of the account that held the old one (one grant usually serves
IMAP, SMTP and POP3). ``invalid_grant`` (Google's revoked consent; Microsoft's AADSTS70043
and 700082 after idle periods come as ``invalid_grant`` too) raises
``OAuth2ReauthRequired``, and that refresh token is not sent again: later calls fail at once
(no retry storm) until a new consent stores another one.

App-only blocks (``grant = "client_credentials"``, Microsoft 365 shared mailboxes) have no
refresh token: a due token is replaced by a new client credentials request (RFC 6749
section 4.4, with the block's ``scope``), under the same locks. A refused client credential
(``invalid_client``: Microsoft's AADSTS7000215 wrong or AADSTS7000222 expired secret;
``unauthorized_client``, ``invalid_grant``, ``invalid_scope``) is ``OAuth2ReauthRequired``
too, with one ``on_reauth`` notice, and those credentials are not sent again until the block
gets other ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import sqlalchemy as sa

from ..errors import (
    AccountNotFound,
    InvalidInput,
    OAuth2ReauthRequired,
    ProtocolNotConfigured,
    UpstreamError,
    UpstreamUnavailable,
)
from ..events.pinned_transport import PINNED
from ..events.url_policy import WebhookUrlPolicy
from ..model.accounts import OAuth2Config, Protocol
from ..store.accounts import AccountRepo
from ..store.db import Store

log = logging.getLogger(__name__)

# RFC 6749 section 5.2 error codes after which only a new consent (or a fixed client
# registration) helps; anything else (5xx, network, temporarily_unavailable) may pass.
_REAUTH_ERRORS = frozenset({"invalid_grant", "unauthorized_client", "invalid_client"})
# App-only: a scope the app may not have (no admin consent for it) does not heal either.
APP_ONLY_REFUSALS = _REAUTH_ERRORS | {"invalid_scope"}


@dataclass(frozen=True)
class TokenGrant:
    """What the token endpoint issued."""

    access_token: str
    expires_at: datetime | None
    refresh_token: str | None  # a rotated one; None: keep the one used


async def post_token_form(
    http: httpx.AsyncClient,
    token_url: str,
    form: dict[str, str],
    *,
    http_timeout: float,
    extensions: dict[str, object],
) -> httpx.Response:
    """POST ``form`` to a token endpoint (RFC 6749 section 3.2); one it cannot reach is
    ``UpstreamUnavailable`` (``oauth2_unavailable``)."""
    try:
        return await http.post(
            token_url,
            data=form,
            timeout=http_timeout,
            headers={"Accept": "application/json"},
            extensions=extensions,
        )
    except httpx.HTTPError as exc:
        raise UpstreamUnavailable(
            f"token endpoint unreachable ({type(exc).__name__})",
            code="oauth2_unavailable",
            protocol="oauth2",
        ) from None


def parse_token_response(
    status: int, body: bytes, *, now: datetime, refusals: frozenset[str] = _REAUTH_ERRORS
) -> TokenGrant:
    """The token endpoint's answer (RFC 6749 sections 5.1 and 5.2) as a grant, or the error
    (``OAuth2ReauthRequired`` for the error codes in ``refusals``).

    The error texts carry the endpoint's error code and description, never a token.
    """
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise UpstreamUnavailable(
            f"token endpoint answered HTTP {status} without JSON",
            code="oauth2_unavailable",
            protocol="oauth2",
        )
    if status != 200:
        error = str(doc.get("error", ""))[:64]
        described = str(doc.get("error_description", ""))[:200]
        detail = f"token endpoint: {error or f'HTTP {status}'}" + (
            f" ({described})" if described else ""
        )
        if error in refusals:
            refused = OAuth2ReauthRequired(detail, protocol="oauth2")
            refused.oauth_status = error
            raise refused
        if status >= 500 or error == "temporarily_unavailable":
            raise UpstreamUnavailable(detail, code="oauth2_unavailable", protocol="oauth2")
        raise UpstreamError(detail, code="oauth2_refresh_failed", protocol="oauth2")
    access = doc.get("access_token")
    if not isinstance(access, str) or not access:
        raise UpstreamError(
            "token endpoint: no access_token in its answer",
            code="oauth2_refresh_failed",
            protocol="oauth2",
        )
    expires_in = doc.get("expires_in")
    expires_at = None
    if isinstance(expires_in, int | float) or (
        isinstance(expires_in, str) and expires_in.isdigit()
    ):
        expires_at = now + timedelta(seconds=float(expires_in))
    refresh = doc.get("refresh_token")
    return TokenGrant(access, expires_at, refresh if isinstance(refresh, str) and refresh else None)


def jitter_fraction(account_id: str, expires_at: datetime) -> float:
    """A fraction in [0, 1) fixed per account and expiry (spreads refreshes, no flapping)."""
    digest = hashlib.sha256(f"{account_id}|{expires_at.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def refresh_due(
    oauth2: OAuth2Config, account_id: str, *, now: datetime, ahead: float, jitter: float
) -> bool:
    """Whether the access token should be refreshed before use: none stored, or its expiry
    is within ``ahead`` plus this account's jitter. Without ``expires_at`` only a refusal
    tells (``after_auth_failure``)."""
    if oauth2.access_token is None:
        return True
    if oauth2.expires_at is None:
        return False
    expires_at = oauth2.expires_at
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    margin = ahead + jitter * jitter_fraction(account_id, expires_at)
    return now >= expires_at - timedelta(seconds=margin)


def advisory_key(account_id: str) -> int:
    """The PostgreSQL advisory lock key (signed 64-bit) of an account's token refresh."""
    digest = hashlib.sha256(f"mailgate.oauth2.refresh|{account_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class TokenRefresher:
    """Hands out current access tokens of accounts' OAuth2 server blocks (see module doc)."""

    def __init__(
        self,
        store: Store,
        repo: AccountRepo,
        http: httpx.AsyncClient,
        *,
        ahead: float = 120.0,
        jitter: float = 60.0,
        timeout: float = 20.0,
        url_policy: WebhookUrlPolicy | None = None,
        clock: Callable[[], float] = time.time,
        on_reauth: Callable[[str, OAuth2Config], Awaitable[None]] | None = None,
    ) -> None:
        self._store = store
        self._repo = repo
        self._http = http  # the app's client (its transport decides which hosts it may dial)
        self.ahead = ahead
        self.jitter = jitter
        self.timeout = timeout
        self._url_policy = url_policy
        self._clock = clock
        self._locks: dict[str, asyncio.Lock] = {}
        # account -> fingerprint of a refused refresh token (or client credential)
        self._refused: dict[str, str] = {}
        # account -> (fingerprint, lifetime in s) of the last access token obtained here
        self._issued: dict[str, tuple[str, float]] = {}
        # Awaited once per refused refresh token or client credential: (account, the block)
        # (gateway.services: the account.reauth_required event with a new authorize URL).
        self.on_reauth = on_reauth

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    async def access_token(self, account_id: str, protocol: Protocol) -> str:
        """The block's access token, refreshed first when it is due."""
        oauth2 = await self._oauth2(account_id, protocol)
        seen = oauth2.access_token.get_secret_value() if oauth2.access_token else None
        if seen is not None and not self._due(account_id, oauth2):
            return seen
        return await self._refresh(account_id, protocol, seen=seen)

    def note_issued(self, account_id: str, access_token: str, expires_at: datetime | None) -> None:
        """An access token obtained elsewhere (the consent's code exchange): its lifetime
        caps the refresh margin as for those refreshed here."""
        if expires_at is not None:
            lifetime = (expires_at - self._now()).total_seconds()
            self._issued[account_id] = (_fingerprint(access_token), lifetime)

    async def after_auth_failure(self, account_id: str, protocol: Protocol, failed: str) -> str:
        """A new access token after the server refused ``failed``: the one stored meanwhile
        by another request or instance, else one refresh. The caller retries once."""
        return await self._refresh(account_id, protocol, seen=failed)

    # -- internals -----------------------------------------------------------------------

    def _due(self, account_id: str, oauth2: OAuth2Config) -> bool:
        ahead, jitter = self.ahead, self.jitter
        issued = self._issued.get(account_id)
        if (
            issued is not None
            and oauth2.access_token is not None
            and issued[0] == _fingerprint(oauth2.access_token.get_secret_value())
        ):
            # A lifetime shorter than ``ahead`` (a test server's 30 s) must not make every
            # use refresh: the margin is at most half of it.
            ahead, jitter = min(ahead, issued[1] / 2), min(jitter, issued[1] / 4)
        return refresh_due(oauth2, account_id, now=self._now(), ahead=ahead, jitter=jitter)

    async def _oauth2(self, account_id: str, protocol: Protocol) -> OAuth2Config:
        account = await self._repo.get(account_id)
        if account is None:
            raise AccountNotFound(f"no account {account_id!r}")
        server = account.server(protocol)
        if server is None or server.oauth2 is None:
            raise ProtocolNotConfigured(f"account {account_id!r} has no OAuth2 {protocol} block")
        return server.oauth2

    async def _refresh(self, account_id: str, protocol: Protocol, *, seen: str | None) -> str:
        """Refresh unless the stored token is no longer ``seen`` (the due or refused one)."""
        lock = self._locks.setdefault(account_id, asyncio.Lock())
        async with lock, self._across_instances(account_id):
            # Re-read under the lock: whoever held it may have stored a fresh token. That
            # one is used as it is, even if it is due already by the clock (a provider's
            # lifetime shorter than ``ahead`` must not make every request refresh).
            oauth2 = await self._oauth2(account_id, protocol)
            current = (
                oauth2.access_token.get_secret_value() if oauth2.access_token is not None else None
            )
            if current is not None and current != seen:
                return current
            if oauth2.grant == "client_credentials":
                return await self._app_token(account_id, protocol, oauth2)
            if oauth2.refresh_token is None or not oauth2.token_url:
                raise OAuth2ReauthRequired(
                    f"{protocol}: the access token is not usable and no refresh token (or "
                    "token_url) is stored",
                    protocol="oauth2",
                )
            used = oauth2.refresh_token.get_secret_value()
            if self._refused.get(account_id) == _fingerprint(used):
                raise OAuth2ReauthRequired(
                    f"{protocol}: the token endpoint refused this refresh token before "
                    "(invalid_grant); waiting for a new consent",
                    protocol="oauth2",
                )
            try:
                grant = await self._call_token_endpoint(oauth2, used)
            except OAuth2ReauthRequired:
                self._refused[account_id] = _fingerprint(used)
                log.warning(
                    "oauth2: account %s needs a new consent (token endpoint refused "
                    "its refresh token)",
                    account_id,
                )
                await self._notify_reauth(account_id, oauth2)
                raise
            await self._repo.rotate_oauth2(
                account_id,
                used,
                {
                    "access_token": grant.access_token,
                    "expires_at": grant.expires_at.isoformat() if grant.expires_at else None,
                    "refresh_token": grant.refresh_token or used,
                },
            )
            if grant.expires_at is not None:
                lifetime = (grant.expires_at - self._now()).total_seconds()
                self._issued[account_id] = (_fingerprint(grant.access_token), lifetime)
            log.info(
                "oauth2: account %s: access token refreshed%s",
                account_id,
                " (refresh token rotated)" if grant.refresh_token not in (None, used) else "",
            )
            return grant.access_token

    async def _app_token(self, account_id: str, protocol: Protocol, oauth2: OAuth2Config) -> str:
        """A new app-only token (client credentials grant), unless these credentials were
        refused before; stored in every block of the account that uses them."""
        if not oauth2.token_url or not oauth2.client_id or oauth2.client_secret is None:
            raise OAuth2ReauthRequired(
                f"{protocol}: app-only access needs token_url, client_id and client_secret",
                protocol="oauth2",
            )
        secret = oauth2.client_secret.get_secret_value()
        credential = _fingerprint(
            "\n".join((oauth2.token_url, oauth2.client_id, secret, oauth2.scope or ""))
        )
        if self._refused.get(account_id) == credential:
            raise OAuth2ReauthRequired(
                f"{protocol}: the token endpoint refused these client credentials before; "
                "waiting for new ones",
                protocol="oauth2",
            )
        form = {
            "grant_type": "client_credentials",
            "client_id": oauth2.client_id,
            "client_secret": secret,
        }
        if oauth2.scope:
            form["scope"] = oauth2.scope
        try:
            grant = await self._post_token(oauth2.token_url, form, APP_ONLY_REFUSALS)
        except OAuth2ReauthRequired:
            self._refused[account_id] = credential
            log.warning(
                "oauth2: account %s: the token endpoint refused the app's client "
                "credentials (app-only access stops until they are replaced)",
                account_id,
            )
            await self._notify_reauth(account_id, oauth2)
            raise
        await self._repo.store_app_token(
            account_id,
            oauth2.client_id,
            oauth2.token_url,
            {
                "access_token": grant.access_token,
                "expires_at": grant.expires_at.isoformat() if grant.expires_at else None,
            },
        )
        if grant.expires_at is not None:
            lifetime = (grant.expires_at - self._now()).total_seconds()
            self._issued[account_id] = (_fingerprint(grant.access_token), lifetime)
        log.info("oauth2: account %s: app-only access token obtained", account_id)
        return grant.access_token

    async def _notify_reauth(self, account_id: str, oauth2: OAuth2Config) -> None:
        if self.on_reauth is None:
            return
        try:
            await self.on_reauth(account_id, oauth2)
        except Exception:
            log.exception("oauth2: reauth notice for account %s failed", account_id)

    async def _call_token_endpoint(self, oauth2: OAuth2Config, refresh_token: str) -> TokenGrant:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        if oauth2.client_id:
            form["client_id"] = oauth2.client_id
        if oauth2.client_secret is not None:
            form["client_secret"] = oauth2.client_secret.get_secret_value()
        assert oauth2.token_url is not None
        return await self._post_token(oauth2.token_url, form)

    async def _post_token(
        self, token_url: str, form: dict[str, str], refusals: frozenset[str] = _REAUTH_ERRORS
    ) -> TokenGrant:
        """POST ``form`` to the token endpoint (checked by the URL policy, pinned)."""
        extensions = {}
        if self._url_policy is not None:
            try:
                extensions[PINNED] = await self._url_policy.check(token_url)
            except InvalidInput as exc:
                raise UpstreamError(
                    f"token_url refused: {exc.detail}",
                    code="oauth2_token_url_refused",
                    protocol="oauth2",
                ) from None
        reply = await post_token_form(
            self._http, token_url, form, http_timeout=self.timeout, extensions=extensions
        )
        return parse_token_response(
            reply.status_code, reply.content, now=self._now(), refusals=refusals
        )

    @contextlib.asynccontextmanager
    async def _across_instances(self, account_id: str) -> AsyncIterator[None]:
        """On PostgreSQL: hold the account's advisory lock (released when the transaction
        ends, also if this instance dies). SQLite has one instance: nothing to do."""
        if self._store.dialect != "postgresql":
            yield
            return
        assert self._store.engine is not None
        async with self._store.engine.begin() as conn:
            await conn.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(account_id)}
            )
            yield
