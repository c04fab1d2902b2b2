"""TLS client contexts shared by every protocol adapter (IMAP, SMTP, POP3)."""

from __future__ import annotations

import ssl
from functools import lru_cache

from ..errors import UpstreamUnavailable


def client_ssl_context(*, verify: bool = True, ca_file: str | None = None) -> ssl.SSLContext:
    """A client-side TLS context: verified by default against the system CAs or ``ca_file``.

    ``verify=False`` disables certificate and host name checks (self-signed test servers
    only; the account must opt out explicitly). Contexts are cached: building one loads the
    CA store, which costs milliseconds per connection otherwise.
    """
    try:
        return _cached_context(bool(verify), ca_file or None)
    except (OSError, ssl.SSLError) as exc:
        # A missing, unreadable or not-PEM CA file (or a name too long for a file): no TLS
        # with the server, as when its handshake fails (503; the account needs fixing).
        reason = exc.strerror or "not PEM"
        raise UpstreamUnavailable(
            f"the account's ca_file cannot be used ({reason})", code="ca_file_unusable"
        ) from None


@lru_cache(maxsize=64)
def _cached_context(verify: bool, ca_file: str | None) -> ssl.SSLContext:
    if not verify:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        if ca_file:
            ctx.load_verify_locations(cafile=ca_file)
        return ctx
    ctx = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx
