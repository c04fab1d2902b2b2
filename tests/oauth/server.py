"""A real OAuth 2.0 authorization server on loopback, for tests (authlib + Flask + werkzeug).

    with OAuthServer(access_token_ttl=30) as server:
        client = server.register_client(redirect_uri="http://127.0.0.1/cb")
        tokens = authorize(server, client, "alice@example.test")   # tests/oauth/flow.py
        server.token_calls["refresh_token"]                         # calls per grant type

What it implements, all through authlib's grant and endpoint classes (nothing accepts
anything): the authorization code grant (RFC 6749 section 4.1) with PKCE S256 required
(RFC 7636), behind an HTML login form that an HTTP client can follow (every
``<local>@example.test`` logs in with password ``secret``, as on the mail stack); refresh
tokens with rotation (each refresh issues a new refresh token and revokes the one used, so
a replayed refresh token gets ``invalid_grant``); the client credentials grant (app-only
access, as Microsoft's for shared mailboxes: the token names the app, not a mailbox);
revocation (RFC 7009; revoking a refresh token ends the whole grant); introspection (RFC
7662), which Dovecot's ``oauth2`` passdb calls with the resource server's client credentials
as form fields. Expired and revoked access tokens introspect as ``{"active": false}``
(Dovecot ignores ``exp``). An app-only token introspects with ``username`` = the client id
(RFC 7662: the resource owner, here the client itself) and ``app_id`` = the client id; which
mailboxes an app may open is the mail server's business (Exchange's Add-MailboxPermission;
the stack's ``grant_mailbox``, see ``tests/oauth/app_only.py``).

Counters (``token_calls``, ``introspections``, ``revocations``) let tests assert how often
the gateway called the token endpoint ("exactly one refresh").
"""

from __future__ import annotations

import html
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from authlib.common.security import generate_token
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from flask import Flask, Response, request
from werkzeug.serving import WSGIRequestHandler, make_server

DOMAIN = "example.test"
PASSWORD = "secret"
_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


@dataclass(frozen=True)
class User:
    """A mailbox owner; ``username`` is what introspection reports (the SASL user)."""

    username: str

    def get_user_id(self) -> str:
        return self.username


@dataclass
class Client(ClientMixin):
    """A registered client: the gateway (authorization code, refresh, client credentials)
    or a resource server that may introspect (Dovecot)."""

    client_id: str
    client_secret: str
    redirect_uris: list[str] = field(default_factory=list)
    scope: str = "mail"
    grant_types: tuple[str, ...] = ("authorization_code", "refresh_token")
    may_introspect: bool = False

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope: str) -> str:
        allowed = set(self.scope.split())
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in _AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


@dataclass
class Token(TokenMixin):
    """One issued grant: an access token and (except client credentials) a refresh token."""

    client_id: str
    user: User | None
    scope: str
    access_token: str
    expires_in: int
    refresh_token: str | None = None
    issued_at: float = field(default_factory=time.time)
    access_revoked: bool = False
    refresh_revoked: bool = False
    server: OAuthServer | None = field(default=None, repr=False)

    def check_client(self, client: ClientMixin) -> bool:
        return client.get_client_id() == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return self.access_revoked

    def get_user(self) -> User | None:
        return self.user

    def get_client(self) -> ClientMixin:
        assert self.server is not None
        return self.server.clients[self.client_id]


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: User
    code_challenge: str | None
    code_challenge_method: str | None
    created: float = field(default_factory=time.time)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def is_expired(self) -> bool:
        return time.time() > self.created + 60


class OAuthServer:
    """The server, its in-memory state and the thread that serves it on 127.0.0.1."""

    def __init__(
        self,
        *,
        access_token_ttl: int = 30,
        refresh_rotation: bool = True,
        access_token_length: int = 42,
    ) -> None:
        self.access_token_ttl = access_token_ttl
        self.access_token_length = access_token_length  # JWTs of real providers: 1-2.5 kB
        self.clients: dict[str, Client] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.by_access: dict[str, Token] = {}
        self.by_refresh: dict[str, Token] = {}
        self.token_calls: Counter[str] = Counter()  # grant_type -> calls (failed ones too)
        self.token_errors: Counter[str] = Counter()  # OAuth error code -> count
        self.introspections = 0
        self.introspection_down = False  # True: introspection answers 503 (an outage)
        self.userinfo_calls = 0
        self.revocations = 0
        self.lock = threading.RLock()
        self.app = self._build_app(refresh_rotation)
        self._http = make_server(
            "127.0.0.1", 0, self.app, threaded=True, request_handler=_QuietHandler
        )
        self.port = self._http.server_port
        self._thread: threading.Thread | None = None
        # The resource server (Dovecot) authenticates itself at the introspection endpoint.
        self.resource_server = self.register_client(
            client_id="dovecot", grant_types=(), may_introspect=True
        )

    # -- URLs ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def authorize_url(self) -> str:
        return f"{self.url}/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    @property
    def introspection_url(self) -> str:
        return f"{self.url}/introspect"

    @property
    def userinfo_url(self) -> str:
        return f"{self.url}/userinfo"

    @property
    def revocation_url(self) -> str:
        return f"{self.url}/revoke"

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> OAuthServer:
        self._thread = threading.Thread(
            target=self._http.serve_forever, name="oauth-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> OAuthServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- state --------------------------------------------------------------------------

    def register_client(
        self,
        *,
        client_id: str | None = None,
        redirect_uri: str = "http://127.0.0.1/oauth2/callback",
        grant_types: tuple[str, ...] = ("authorization_code", "refresh_token"),
        may_introspect: bool = False,
        scope: str = "mail",
    ) -> Client:
        client = Client(
            client_id=client_id or "client-" + secrets.token_hex(6),
            client_secret=secrets.token_urlsafe(24),
            redirect_uris=[redirect_uri],
            scope=scope,
            grant_types=grant_types,
            may_introspect=may_introspect,
        )
        with self.lock:
            self.clients[client.client_id] = client
        return client

    def expire(self, access_token: str) -> None:
        """Make an access token expired now (as if its lifetime had passed)."""
        with self.lock:
            token = self.by_access[access_token]
            token.issued_at = time.time() - token.expires_in - 1

    def _save_token(self, data: dict, req) -> None:
        user = req.user
        token = Token(
            client_id=req.client.get_client_id(),
            user=user,
            scope=data.get("scope", ""),
            access_token=data["access_token"],
            expires_in=int(data["expires_in"]),
            refresh_token=data.get("refresh_token"),
            server=self,
        )
        with self.lock:
            self.by_access[token.access_token] = token
            if token.refresh_token:
                self.by_refresh[token.refresh_token] = token

    # -- the Flask app ------------------------------------------------------------------

    def _build_app(self, refresh_rotation: bool) -> Flask:
        app = Flask(__name__)
        owner = self

        app.config["OAUTH2_ACCESS_TOKEN_GENERATOR"] = lambda *args, **kwargs: generate_token(
            owner.access_token_length
        )
        app.config["OAUTH2_REFRESH_TOKEN_GENERATOR"] = True
        app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {
            "authorization_code": self.access_token_ttl,
            "refresh_token": self.access_token_ttl,
            "client_credentials": self.access_token_ttl,
        }
        server = AuthorizationServer(
            app, query_client=self.clients.get, save_token=self._save_token
        )

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = _AUTH_METHODS

            def save_authorization_code(self, code: str, req) -> None:
                data = req.payload.data
                with owner.lock:
                    owner.codes[code] = AuthorizationCode(
                        code=code,
                        client_id=req.client.get_client_id(),
                        redirect_uri=req.payload.redirect_uri,
                        scope=req.scope or "",
                        user=req.user,
                        code_challenge=data.get("code_challenge"),
                        code_challenge_method=data.get("code_challenge_method"),
                    )

            def query_authorization_code(self, code: str, client: Client):
                item = owner.codes.get(code)
                if item and item.client_id == client.client_id and not item.is_expired():
                    return item
                return None

            def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
                with owner.lock:
                    owner.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: AuthorizationCode) -> User:
                return authorization_code.user

        class RefreshGrant(grants.RefreshTokenGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = _AUTH_METHODS
            INCLUDE_NEW_REFRESH_TOKEN = refresh_rotation

            def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
                token = owner.by_refresh.get(refresh_token)
                if token is not None and not token.refresh_revoked:
                    return token
                return None

            def authenticate_user(self, refresh_token: Token) -> User | None:
                return refresh_token.user

            def revoke_old_credential(self, refresh_token: Token) -> None:
                if refresh_rotation:
                    with owner.lock:
                        refresh_token.refresh_revoked = True

        class ClientCredentialsGrant(grants.ClientCredentialsGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = _AUTH_METHODS

        class Revocation(RevocationEndpoint):
            CLIENT_AUTH_METHODS = _AUTH_METHODS

            def query_token(self, token_string: str, token_type_hint: str | None):
                if token_type_hint != "refresh_token" and token_string in owner.by_access:
                    return owner.by_access[token_string]
                return owner.by_refresh.get(token_string) or owner.by_access.get(token_string)

            def revoke_token(self, token: Token, req) -> None:
                with owner.lock:
                    token.access_revoked = True
                    if req.form.get("token") == token.refresh_token:
                        token.refresh_revoked = True  # the whole grant ends

        class Introspection(IntrospectionEndpoint):
            CLIENT_AUTH_METHODS = _AUTH_METHODS

            def query_token(self, token_string: str, token_type_hint: str | None):
                if token_type_hint == "refresh_token":
                    token = owner.by_refresh.get(token_string)
                    return token if token and not token.refresh_revoked else None
                return owner.by_access.get(token_string)

            def check_permission(self, token: Token, client: Client, req) -> bool:
                return client.may_introspect or client.client_id == token.client_id

            def introspect_token(self, token: Token) -> dict:
                answer = {
                    "active": True,
                    "client_id": token.client_id,
                    "token_type": "Bearer",
                    "scope": token.scope,
                    "exp": int(token.issued_at + token.expires_in),
                    "iat": int(token.issued_at),
                }
                if token.user is not None:
                    answer["username"] = answer["sub"] = token.user.username
                else:  # client credentials: the client is its own resource owner
                    answer["username"] = answer["sub"] = answer["app_id"] = token.client_id
                return answer

        server.register_grant(CodeGrant, [CodeChallenge(required=True)])
        server.register_grant(RefreshGrant)
        server.register_grant(ClientCredentialsGrant)
        server.register_endpoint(Revocation)
        server.register_endpoint(Introspection)

        @app.get("/authorize")
        def authorize_form():
            # PKCE S256 is required of every client here (RFC 9700 section 2.1.1).
            if request.args.get("code_challenge_method") != "S256":
                return _json_error("invalid_request", "PKCE with S256 is required")
            try:
                server.get_consent_grant(end_user=None)
            except OAuth2Error as error:
                return server.handle_error_response(None, error)
            return _login_form(request.full_path)

        @app.post("/authorize")
        def authorize_submit():
            username = request.form.get("username", "").strip().lower()
            password = request.form.get("password", "")
            if request.args.get("code_challenge_method") != "S256":
                return _json_error("invalid_request", "PKCE with S256 is required")
            if not (username.endswith("@" + DOMAIN) and password == PASSWORD):
                return _login_form(request.full_path, error="wrong user name or password"), 401
            user = User(username)
            try:
                grant = server.get_consent_grant(end_user=user)
            except OAuth2Error as error:
                return server.handle_error_response(None, error)
            return server.create_authorization_response(grant_user=user, grant=grant)

        @app.post("/token")
        def token():
            with owner.lock:
                owner.token_calls[request.form.get("grant_type", "")] += 1
            response = server.create_token_response()
            if response.status_code >= 400:
                error = (response.get_json(silent=True) or {}).get("error", "unknown")
                with owner.lock:
                    owner.token_errors[error] += 1
            return response

        @app.post("/revoke")
        def revoke():
            with owner.lock:
                owner.revocations += 1
            return server.create_endpoint_response("revocation")

        @app.post("/introspect")
        def introspect():
            with owner.lock:
                owner.introspections += 1
                if owner.introspection_down:
                    return _json_error("temporarily_unavailable", "maintenance")[0], 503
            return server.create_endpoint_response("introspection")

        @app.get("/userinfo")
        def userinfo():
            # OpenID Connect userinfo (section 5.3), enough for a generic provider: the
            # mailbox address of an active access token.
            scheme, _, value = request.headers.get("Authorization", "").partition(" ")
            with owner.lock:
                owner.userinfo_calls += 1
                token = owner.by_access.get(value) if scheme.lower() == "bearer" else None
            if token is None or token.is_expired() or token.is_revoked() or token.user is None:
                return {"error": "invalid_token"}, 401
            return {"sub": token.user.username, "email": token.user.username}

        @app.get("/.well-known/oauth-authorization-server")
        def metadata():
            return {
                "issuer": owner.url,
                "authorization_endpoint": owner.authorize_url,
                "token_endpoint": owner.token_url,
                "revocation_endpoint": owner.revocation_url,
                "introspection_endpoint": owner.introspection_url,
                "code_challenge_methods_supported": ["S256"],
                "grant_types_supported": [
                    "authorization_code",
                    "refresh_token",
                    "client_credentials",
                ],
            }

        return app


class _QuietHandler(WSGIRequestHandler):
    """No access log: request lines carry authorization codes and states."""

    def log_request(self, *args: object, **kwargs: object) -> None:
        pass


def _json_error(error: str, description: str) -> tuple[dict, int]:
    return {"error": error, "error_description": description}, 400


def _login_form(action: str, error: str = "") -> Response:
    """The login page: a plain form that posts back to the same URL with its query."""
    notice = f"<p class=error>{html.escape(error)}</p>" if error else ""
    body = (
        "<!doctype html><title>Sign in</title>"
        + notice
        + f'<form method="post" action="{html.escape(action, quote=True)}">'
        '<input name="username" type="email"><input name="password" type="password">'
        '<button type="submit">Sign in</button></form>'
    )
    return Response(body, mimetype="text/html")


def authorize_query(
    client: Client,
    *,
    state: str,
    code_challenge: str,
    scope: str = "mail",
    login_hint: str | None = None,
) -> str:
    """The query string of an authorization request (what an app's authorize URL carries)."""
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uris[0],
        "scope": scope,
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    if login_hint:
        params["login_hint"] = login_hint
    return urlencode(params)
