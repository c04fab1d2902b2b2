"""IMAP client adapter: wire framing, string encoding, response parsing and the session.

Public API (used by the connection pool, the mail service and the IDLE watchers):
``ImapSession`` (connect/login/select/examine/uid_fetch/uid_search/status/list/
append/idle_start/idle_done/noop/logout), ``SelectedMailbox``, ``Untagged``.
"""

from .session import ImapRejected, ImapSession, SelectedMailbox
from .wire import Untagged

__all__ = ["ImapRejected", "ImapSession", "SelectedMailbox", "Untagged"]
