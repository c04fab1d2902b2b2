"""A throwaway Cyrus IMAP 3.6 beside the Dovecot stack (stdlib only), same interface.

Wraps ``scripts/cyrus.sh``. ``CyrusStack`` is a ``MailStack`` whose IMAP, POP3 and LMTP
ports are Cyrus's; SMTP stays the Dovecot stack's Postfix (Dovecot authenticates every
``<local>@example.test``, so a Cyrus user can send through it; mail to example.test still
lands in Dovecot). Cyrus serves the Dovecot stack's certificate, so ``ca_file`` and
``ssl_context()`` verify both servers.

What differs from Dovecot, and why the helpers below exist:
- users exist once created (``new_user`` adds them to Cyrus's SASL database); their INBOX and
  special-use folders are created at the first login or delivery;
- there is no Maildir to write into: ``seed_maildir`` APPENDs over IMAP (MULTIAPPEND; flags
  given as Maildir letters, as for Dovecot), ``maildir_count`` is STATUS MESSAGES.
"""

from __future__ import annotations

import imaplib
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .mailstack import (
    MailStack,
    MailStackError,
    _mutf7,
    _read_env,
    make_stack_dir,
    pick_base_port,
)

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "cyrus.sh"
_MAILDIR_FLAGS = {
    "S": "\\Seen",
    "F": "\\Flagged",
    "R": "\\Answered",
    "T": "\\Deleted",
    "D": "\\Draft",
}
_CRLF = re.compile(rb"\r\n|\r(?!\n)|\n")  # as imaplib's APPEND: Cyrus refuses bare LF
_APPEND_BATCH = 500
_APPEND_BATCH_BYTES = 16 << 20


def _quoted(mailbox: str) -> str:
    """A mailbox name as an IMAP quoted string, modified UTF-7 (RFC 3501 5.1.3)."""
    return '"' + _mutf7(mailbox).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _multiappend(imap: imaplib.IMAP4, quoted: str, flag_list: str, batch: list[bytes]) -> int:
    """One MULTIAPPEND (RFC 3502) with non-synchronizing literals (RFC 7888): Cyrus stores
    the batch in one transaction, ~7 times faster than one APPEND per message."""
    head = f" {flag_list} ".encode()
    parts = [b"S1 APPEND " + quoted.encode()]
    parts += [head + b"{%d+}\r\n" % len(raw) + raw for raw in batch]
    imap.send(b"".join(parts) + b"\r\n")
    while not (line := imap.readline()).startswith(b"S1 "):
        if not line:
            raise MailStackError("connection closed during MULTIAPPEND")
    if not line.startswith(b"S1 OK"):
        raise MailStackError(f"MULTIAPPEND failed: {line[:200]!r}")
    return len(batch)


def _script(*args: str, timeout: float = 600) -> str:
    proc = subprocess.run(
        ["bash", str(SCRIPT), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise MailStackError(
            f"cyrus.sh {' '.join(args)} failed (exit {proc.returncode}):\n{proc.stdout}"
        )
    return proc.stdout


@dataclass
class CyrusStack(MailStack):
    """Cyrus for IMAP, POP3 and LMTP; the Dovecot stack's Postfix for SMTP."""

    server = "cyrus"

    def new_user(self, prefix: str = "u") -> str:
        user = super().new_user(prefix)
        _script("adduser", str(self.dir), user)
        return user

    def stop(self) -> None:
        _script("stop", str(self.dir))

    def start(self) -> None:
        _script("start", str(self.dir), str(self.base_port))

    def _imap(self, user: str) -> imaplib.IMAP4:
        imap = imaplib.IMAP4(self.host, self.imap, timeout=60)
        imap.login(user, self.password)
        return imap

    def seed_maildir(
        self,
        user: str,
        messages: Iterable[bytes],
        mailbox: str = "INBOX",
        flags: str = "",
        index: bool = True,
    ) -> int:
        """APPEND ``messages`` to ``mailbox`` (created when missing), in order."""
        flag_list = "(" + " ".join(_MAILDIR_FLAGS[f] for f in sorted(set(flags))) + ")"
        quoted = _quoted(mailbox)
        imap = self._imap(user)
        try:
            if mailbox.upper() != "INBOX":
                imap.create(quoted)  # NO when it exists: fine
            written = 0
            batch: list[bytes] = []
            size = 0
            for raw in messages:
                batch.append(_CRLF.sub(b"\r\n", raw))
                size += len(batch[-1])
                if len(batch) == _APPEND_BATCH or size >= _APPEND_BATCH_BYTES:
                    written += _multiappend(imap, quoted, flag_list, batch)
                    batch, size = [], 0
            if batch:
                written += _multiappend(imap, quoted, flag_list, batch)
        finally:
            imap.logout()
        return self.mailbox_status(user, mailbox) if index else written

    def mailbox_status(self, user: str, mailbox: str = "INBOX") -> int:
        quoted = _quoted(mailbox)
        imap = self._imap(user)
        try:
            typ, data = imap.status(quoted, "(MESSAGES)")
        finally:
            imap.logout()
        if typ != "OK":
            return 0
        return int(data[0].rsplit(b"MESSAGES", 1)[1].strip(b" ()"))

    def maildir_count(self, user: str, mailbox: str = "INBOX") -> int:
        return self.mailbox_status(user, mailbox)

    def maildir_path(self, user: str, mailbox: str = "INBOX") -> Path:
        raise MailStackError("Cyrus keeps no Maildir: use seed_maildir/maildir_count")

    def processes(self) -> list[tuple[int, str]]:
        conf = f"-C {self.dir / 'imapd.conf'}"
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
            except OSError:
                continue
            if conf in cmdline:
                found.append((int(entry.name), cmdline))
        return found


def start_cyrus(dovecot: MailStack, dir: Path | None = None) -> CyrusStack:
    """Start Cyrus in a fresh directory on free ports, with ``dovecot``'s certificate."""
    d = (dir or make_stack_dir("cyrus-")).resolve()
    last: MailStackError | None = None
    for _ in range(5):
        base = pick_base_port()
        try:
            _script("start", str(d), str(base), str(dovecot.cert), str(dovecot.dir / "key.pem"))
            break
        except MailStackError as exc:
            last = exc
            _script("stop", str(d))
    else:
        assert last is not None
        raise last
    env = _read_env(d / "cyrus.env")
    return CyrusStack(
        dir=d,
        imap=int(env["IMAP_PORT"]),
        imaps=int(env["IMAPS_PORT"]),
        pop3=int(env["POP3_PORT"]),
        pop3s=int(env["POP3S_PORT"]),
        lmtp=int(env["LMTP_PORT"]),
        submission=dovecot.submission,
        smtps=dovecot.smtps,
        smtp=dovecot.smtp,
        cert=dovecot.cert,
        host=dovecot.host,
        domain=dovecot.domain,
        password=dovecot.password,
    )


def remove(stack: CyrusStack) -> None:
    stack.stop()
    shutil.rmtree(stack.dir, ignore_errors=True)
