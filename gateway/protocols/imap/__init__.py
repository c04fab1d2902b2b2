"""IMAP client adapter: wire framing, string encoding, response parsing and the session.

Public API (used by the connection pool, the mail service and the IDLE watchers):
``ImapSession`` (connect/login/select(readonly=True: EXAMINE)/resync/fetch/uid_fetch/
uid_search/status/list/append/idle_start/idle_done/noop/command/logout),
``SelectedMailbox``, ``Untagged``, ``ImapRejected``.

Modules: ``wire`` (linear reader under aioimaplib's protocol class), ``encoding`` (the
one encoder: quoted strings, literals, modified UTF-7, atoms, sequence sets),
``tokens`` and ``parsing`` (responses), ``connection`` (connect, STARTTLS, login,
commands, IDLE), ``session`` (the verbs).
"""

from .session import ImapRejected, ImapSession, SelectedMailbox
from .wire import Untagged

__all__ = ["ImapRejected", "ImapSession", "SelectedMailbox", "Untagged"]
