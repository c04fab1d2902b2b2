"""TLS client contexts shared by every protocol adapter (IMAP, SMTP, POP3)."""

from __future__ import annotations

import ssl
from functools import lru_cache


def client_ssl_context(*, verify: bool = True, ca_file: str | None = None) -> ssl.SSLContext:
    """A client-side TLS context: verified by default against the system CAs or ``ca_file``.

    ``verify=False`` disables certificate and host name checks (self-signed test servers
    only; the account must opt out explicitly). Contexts are cached: building one loads the
    CA store, which costs milliseconds per connection otherwise.
    """
    return _cached_context(bool(verify), ca_file or None)


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
