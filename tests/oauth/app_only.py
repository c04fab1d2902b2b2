"""A mail stack that takes app-only (client credentials) tokens for the mailboxes an app may
open, as Exchange Online does for Microsoft 365 shared mailboxes.

    with app_only_stack(oauth_server, "mailgate-apponly-") as stack:
        grant_mailbox(stack, app.client_id, "shared@example.test")   # Add-MailboxPermission

Exchange checks two things when an app logs in to a mailbox with XOAUTH2: the token is the
app's (Entra ID issued it) and the app holds a permission on that mailbox (granted in
Exchange with ``Add-MailboxPermission`` for the app's service principal). The token names the
app only, so the test authorization server's introspection names the app too (``username``
and ``app_id`` = its client id, see ``tests/oauth/server.py``), and the permission table
lives with the mail server.

Dovecot 2.3 cannot ask the introspection endpoint about the login user (its request carries
the token and the client's addresses only), and its ``oauth2`` passdb requires the
introspected ``username_attribute`` to equal the login user. So the stack chains passdbs
(Dovecot's documented ``result_success`` / ``result_failure`` / ``skip`` rules), after the
stack's own ones (``scripts/mailstack.sh``: user tokens, whose ``username`` must be the login
user; passwords):

1. an ``oauth2`` passdb that accepts any active token (``username_format`` is a constant, so
   the user check always holds) and exports the introspected ``app_id`` (empty for a user's
   token) as a passdb field, then continues (``continue-ok``), failing for good otherwise;
2. a ``passwd-file`` passdb, reached only after (1) succeeded (``skip = unauthenticated``),
   keyed ``<app_id>/<login user>``: the permission table. No line, no login.

A user's token for another user's mailbox fails in (1)'s successor (its ``app_id`` is empty),
so user tokens keep working exactly as before. The overrides go into DIR/dovecot-local.conf,
which ``scripts/mailstack.sh`` includes at the end of dovecot.conf.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

from tests.mailstack import MailStack, make_stack_dir, start_mailstack

from .server import OAuthServer

PERMISSIONS = "mailbox-permissions"


def app_only_passdbs(directory: Path, server: OAuthServer) -> str:
    """The passdb chain (see module doc) for a stack in ``directory``; writes its files."""
    rs = server.resource_server
    args = directory / "dovecot-oauth2-apps.conf.ext"
    args.write_text(
        "# App-only tokens: any active token; its app is checked by the next passdb.\n"
        "introspection_mode = post\n"
        f"introspection_url = {server.introspection_url}\n"
        f"client_id = {rs.client_id}\n"
        f"client_secret = {rs.client_secret}\n"
        "username_attribute = client_id\n"
        "username_format = app\n"
        "active_attribute = active\n"
        "active_value = true\n"
        "pass_attrs = app_id=%{oauth2:app_id}\n"
        "timeout_msecs = 5000\n"
    )
    args.chmod(0o600)
    permissions = directory / PERMISSIONS
    permissions.touch(0o644)
    return f"""
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {args}
  result_success = continue-ok
  result_failure = return-fail
}}
passdb {{
  driver = passwd-file
  mechanisms = xoauth2 oauthbearer
  skip = unauthenticated
  args = username_format=%{{passdb:app_id}}/%Lu {permissions}
  result_failure = return-fail
}}
"""


def grant_mailbox(stack: MailStack, client_id: str, mailbox: str) -> None:
    """Let the app ``client_id`` open ``mailbox`` (Exchange: Add-MailboxPermission)."""
    with (stack.dir / PERMISSIONS).open("a") as table:
        table.write(f"{client_id}/{mailbox.lower()}:::::::nopassword\n")


@contextlib.contextmanager
def app_only_stack(
    server: OAuthServer, prefix: str, *, local_conf: str = ""
) -> Iterator[MailStack]:
    """A private Dovecot + Postfix checking tokens at ``server``, app-only tokens included;
    ``local_conf`` adds Dovecot settings (e.g. ``mail_max_userip_connections``)."""
    directory = make_stack_dir(prefix)
    (directory / "dovecot-local.conf").write_text(app_only_passdbs(directory, server) + local_conf)
    rs = server.resource_server
    stack = start_mailstack(
        directory,
        oauth2_introspection_url=server.introspection_url,
        oauth2_client_id=rs.client_id,
        oauth2_client_secret=rs.client_secret,
    )
    try:
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(directory, ignore_errors=True)
