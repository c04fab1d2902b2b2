"""When a changed server block may keep the stored secrets (pure: no I/O).

A PATCH that replaces a server block without a password or OAuth2 secrets keeps the stored
ones, so that renaming an account or re-sending its configuration does not need them again.
That is safe only while the secrets go where they went before: to the same server, for the
same user, under the same TLS trust, and (OAuth2) to the same token endpoint for the same
client. Otherwise whoever may edit the account could point it at a server of theirs and
have ``/verify`` (or the next connection) hand them the password; such a change has to
bring the secret again.
"""

from __future__ import annotations

from typing import Any

from ..errors import CredentialsRequired
from ..model.accounts import OAuth2Config, ServerConfig

_OAUTH2_SECRETS = ("access_token", "refresh_token", "client_secret")


def carry_secrets(
    protocol: str, old: ServerConfig | None, change: dict[str, Any]
) -> dict[str, Any]:
    """``change`` (a server block as given), with the stored secrets added where that is safe.

    Raise :class:`CredentialsRequired` when the block gives no secret, the stored block has
    one, and the block changes where or as whom that secret would be used.
    """
    if old is None or (old.password is None and old.oauth2 is None):
        return change
    if "password" in change or _has_oauth2_secret(change.get("oauth2")):
        return change  # the caller gives the secrets: nothing stored is carried over
    new = ServerConfig.model_validate({**change, "password": None, "oauth2": None})
    changed = rebinding_fields(old, new)
    oauth2 = old.oauth2
    if "oauth2" in change:
        if change["oauth2"] is None:
            oauth2 = None  # OAuth2 removed; the password alone is kept
        else:
            changed += oauth2_rebinding_fields(old.oauth2, change["oauth2"])
            # How the stored secrets are used may change (they go to the same places).
            settings = {
                name: value
                for name in ("mechanism", "grant", "scope")
                if (value := _given(change["oauth2"], name)) is not None
            }
            if oauth2 is not None and settings:
                oauth2 = OAuth2Config.model_validate({**oauth2.model_dump(), **settings})
    if changed:
        raise CredentialsRequired(
            f"{protocol}: changing {', '.join(changed)} needs the password (or the OAuth2 "
            "credentials) again; the stored ones are only kept for the same server and user"
        )
    return {**change, "password": old.password, "oauth2": oauth2}


def rebinding_fields(old: ServerConfig, new: ServerConfig) -> list[str]:
    """The fields of ``new`` that send the stored secret elsewhere, or as someone else."""
    changed = []
    if new.host.lower() != old.host.lower():
        changed.append("host")
    if new.port != old.port:
        changed.append("port")
    if new.security != old.security:
        changed.append("security")
    if new.username != old.username:
        changed.append("username")
    if old.tls_verify and not new.tls_verify:
        changed.append("tls_verify")  # an unverified peer may be anyone in the middle
    if new.ca_file != old.ca_file:
        changed.append("ca_file")  # another trust anchor: a server of someone else's choice
    return changed


def oauth2_rebinding_fields(old: OAuth2Config | None, new: Any) -> list[str]:
    """``token_url`` or ``client_id`` changed: the refresh token would go elsewhere."""
    changed = []
    for field in ("token_url", "client_id"):
        given = new.get(field) if isinstance(new, dict) else getattr(new, field, None)
        if given != (getattr(old, field) if old is not None else None):
            changed.append(f"oauth2.{field}")
    return changed


def _given(block: Any, name: str) -> Any:
    return block.get(name) if isinstance(block, dict) else getattr(block, name, None)


def _has_oauth2_secret(block: Any) -> bool:
    if isinstance(block, OAuth2Config):
        return any(getattr(block, name) is not None for name in _OAUTH2_SECRETS)
    if isinstance(block, dict):
        return any(block.get(name) is not None for name in _OAUTH2_SECRETS)
    return False
