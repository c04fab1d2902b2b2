"""Throwaway Dovecot + Postfix on loopback for tests and benchmarks (stdlib only).

Wraps ``scripts/mailstack.sh`` (needs root; installs the packages when missing)::

    stack = start_mailstack(make_stack_dir())
    user = stack.new_user()                      # every <local>@example.test exists
    stack.deliver(user, b"Subject: hi\\r\\n\\r\\nbody\\r\\n")
    stack.seed_maildir(user, messages)           # fast bulk load straight into Maildir
    stack.stop()

Port layout (127.0.0.1 only): base+0 IMAP (STARTTLS), +1 IMAPS, +2 POP3 (STLS), +3 POP3S,
+4 SMTP submission (STARTTLS, AUTH also without TLS), +5 SMTPS, +6 plain SMTP without auth
(local domain only), +7 LMTP. Every address ``<local>@example.test`` logs in with password
``secret``; Postfix rejects local parts starting with ``unknown`` at RCPT (550 User unknown),
and accepts mail to local parts starting with ``gone`` only for its local(8) agent to bounce it
(no such user: a DSN to the sender).
The server certificate is self-signed: verify it with ``stack.ssl_context()``.
"""

from __future__ import annotations

import base64
import itertools
import os
import random
import re
import secrets
import smtplib
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "mailstack.sh"
MAIL_UID = 8
MAIL_GID = 8
PORT_NAMES = ("imap", "imaps", "pop3", "pop3s", "submission", "smtps", "smtp", "lmtp")
_ENV_PORT_KEYS = {name: f"{name.upper()}_PORT" for name in PORT_NAMES}
_seq = itertools.count()


class MailStackError(RuntimeError):
    """The mailstack script failed; the message holds its output and log tails."""


def _script(*args: str, timeout: float = 600, env: dict[str, str] | None = None) -> str:
    """Run scripts/mailstack.sh; returns its combined output, raises MailStackError.
    ``env`` adds variables to the environment (the OAuth2 settings of ``start``)."""
    # The script redirects the daemons' stdio to a log file, so pipes are safe here.
    proc = subprocess.run(
        ["bash", str(SCRIPT), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, **env} if env else None,
    )
    if proc.returncode != 0:
        raise MailStackError(
            f"mailstack.sh {' '.join(args)} failed (exit {proc.returncode}):\n{proc.stdout}"
        )
    return proc.stdout


def _read_env(path: Path) -> dict[str, str]:
    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and key and not key.startswith("#"):
            env[key.strip()] = value.strip()
    return env


def _mutf7(name: str) -> str:
    """IMAP modified UTF-7 (RFC 3501 5.1.3), as Dovecot stores names on disk."""
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            data = "".join(buf).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode().rstrip("=").replace("/", ",") + "-")
            buf.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            buf.append(ch)
    flush()
    return "".join(out)


def _listescape(part: str) -> str:
    """Dovecot's listescape plugin (escape char ``\\``) for one hierarchy level."""
    out = []
    for i, ch in enumerate(part):
        if ch in ".\\" or (i == 0 and ch == "~"):
            out.append(f"\\{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


def _port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _ephemeral_range() -> tuple[int, int]:
    try:
        lo, hi = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(lo), int(hi)
    except (OSError, ValueError):
        return 32768, 60999


def pick_base_port(lo: int = 20000, hi: int = 60000, tries: int = 200) -> int:
    """A random base port in [lo, hi) whose 8 ports are all free on 127.0.0.1.

    Bases overlapping the kernel's ephemeral range are avoided when possible, so that
    outgoing connections cannot grab one of the ports between the check and the start.
    """
    eph_lo, eph_hi = _ephemeral_range()
    rng = random.SystemRandom()
    for attempt in range(tries):
        base = rng.randrange(lo, hi - len(PORT_NAMES))
        last = base + len(PORT_NAMES) - 1
        if attempt < tries // 2 and not (last < eph_lo or base > eph_hi):
            continue
        if all(_port_free(p) for p in range(base, last + 1)):
            return base
    raise MailStackError(f"no free block of {len(PORT_NAMES)} ports found in {lo}-{hi}")


def make_stack_dir(prefix: str = "mailstack-") -> Path:
    """A fresh directory for a stack. Its ancestors must be searchable by other users
    (the mail user uid 8 and postfix reach into it): pytest's tmp_path is not."""
    base = "/tmp" if os.path.isdir("/tmp") else None
    return Path(tempfile.mkdtemp(prefix=prefix, dir=base))


@dataclass
class MailStack:
    """A running Dovecot + Postfix pair whose state lives in ``dir``."""

    dir: Path
    imap: int
    imaps: int
    pop3: int
    pop3s: int
    submission: int
    smtps: int
    smtp: int
    lmtp: int
    cert: Path
    host: str = "127.0.0.1"
    domain: str = "example.test"
    password: str = "secret"
    server = "dovecot"  # which IMAP/POP3 server answers (tests/cyrusstack.py: "cyrus")

    # ------------------------------------------------------------ construction

    @classmethod
    def from_env(cls, dir: Path | str) -> MailStack:
        """Attach to a stack started before (reads DIR/mailstack.env)."""
        d = Path(dir).resolve()
        env = _read_env(d / "mailstack.env")
        return cls(
            dir=d,
            cert=Path(env["CERT"]),
            host=env.get("HOST", "127.0.0.1"),
            domain=env.get("DOMAIN", "example.test"),
            password=env.get("PASSWORD", "secret"),
            **{name: int(env[key]) for name, key in _ENV_PORT_KEYS.items()},
        )

    @property
    def base_port(self) -> int:
        return self.imap

    @property
    def ports(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in PORT_NAMES}

    @property
    def dovecot_conf(self) -> Path:
        return self.dir / "dovecot.conf"

    def ssl_context(self) -> ssl.SSLContext:
        """Client context that trusts only this stack's certificate (verification on)."""
        return ssl.create_default_context(cafile=str(self.cert))

    # ------------------------------------------------------------ lifecycle

    def stop(self) -> None:
        """Stop Postfix and Dovecot and wait until all their processes are gone."""
        _script("stop", str(self.dir))

    def start(self) -> None:
        """(Re)start whatever is not running, on the same ports."""
        _script("start", str(self.dir), str(self.base_port))

    def stop_dovecot(self) -> None:
        _script("stop-dovecot", str(self.dir))

    def start_dovecot(self) -> None:
        _script("start-dovecot", str(self.dir))

    def restart_dovecot(self) -> None:
        """Stop and start Dovecot only; returns when its ports greet again."""
        _script("restart-dovecot", str(self.dir))

    def kill_dovecot(self) -> None:
        """SIGKILL every process of this Dovecot instance (others are untouched)."""
        _script("kill-dovecot", str(self.dir))

    def stop_postfix(self) -> None:
        _script("stop-postfix", str(self.dir))

    def start_postfix(self) -> None:
        """Start Postfix again; returns when its ports greet."""
        _script("start-postfix", str(self.dir))

    def processes(self) -> list[tuple[int, str]]:
        """(pid, command line) of every live process of this stack (for leak checks)."""
        instance = ""
        conf = self.dovecot_conf
        if conf.exists():
            m = re.search(r"^instance_name = (\S+)", conf.read_text(), re.M)
            instance = m.group(1) if m else ""
        dovecot_arg = f"-c {conf}"
        postfix_env = f"MAIL_CONFIG={self.dir / 'postfix'}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
                if re.search(r"^State:\s+Z", status, re.M):
                    continue
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
                environ = (entry / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if (
                (instance and f"{instance}/" in cmdline)
                or cmdline.endswith(dovecot_arg)
                or postfix_env in environ
            ):
                found.append((int(entry.name), cmdline))
        return found

    def __enter__(self) -> MailStack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ users and mail

    def new_user(self, prefix: str = "u") -> str:
        """A fresh address that no test used before (all addresses exist)."""
        return f"{prefix}{secrets.token_hex(6)}@{self.domain}"

    def home(self, user: str) -> Path:
        """Dovecot home of a user: DIR/mail/<domain>/<localpart> (lower-cased)."""
        user = user.lower()
        local, _, domain = user.partition("@")
        return self.dir / "mail" / (domain or self.domain) / local

    def maildir_path(self, user: str, mailbox: str = "INBOX") -> Path:
        """Maildir++ folder of ``mailbox`` (a Unicode name, ``/`` separated)."""
        root = self.home(user) / "Maildir"
        if mailbox.upper() == "INBOX":
            return root
        parts = [_listescape(_mutf7(p)) for p in mailbox.split("/")]
        return root / ("." + ".".join(parts))

    def deliver(self, to: str | Iterable[str], raw: bytes, sender: str = "") -> None:
        """Deliver one message over LMTP; returns once Dovecot has stored it."""
        self.deliver_many(to, [raw], sender=sender)

    def deliver_many(
        self, to: str | Iterable[str], messages: Iterable[bytes], sender: str = ""
    ) -> int:
        """Deliver messages over one LMTP connection (~100/s); returns the count."""
        rcpts = [to] if isinstance(to, str) else list(to)
        sender = sender or f"sender@{self.domain}"
        count = 0
        with smtplib.LMTP(self.host, self.lmtp, timeout=60) as lmtp:
            for raw in messages:
                for rcpt in rcpts:
                    # One recipient per transaction: LMTP answers DATA once per
                    # recipient and smtplib reads only one reply.
                    refused = lmtp.sendmail(sender, [rcpt], raw)
                    if refused:
                        raise MailStackError(f"LMTP refused {refused}")
                count += 1
        return count

    def seed_maildir(
        self,
        user: str,
        messages: Iterable[bytes],
        mailbox: str = "INBOX",
        flags: str = "",
        index: bool = True,
    ) -> int:
        """Write messages straight into the user's Maildir (fast: ~thousands/s).

        Files go to tmp/ then cur/ with a ``:2,<flags>`` name (flags are Maildir letters,
        e.g. ``"S"`` for \\Seen), owned by the mail user; UIDs follow the given order.
        With ``index`` Dovecot then indexes the mailbox (``doveadm mailbox status``).
        Returns the number of messages in the mailbox as Dovecot reports it (or the
        number written when ``index`` is false).
        """
        path = self.maildir_path(user, mailbox)
        self._make_maildir(path, is_folder=mailbox.upper() != "INBOX")
        flags = "".join(sorted(set(flags)))
        host = socket.gethostname().replace("/", "\\057").replace(":", "\\072")
        pid = os.getpid()
        now = int(time.time())
        tmp_dir, cur_dir = path / "tmp", path / "cur"
        written = 0
        for i, raw in enumerate(messages):
            sec, usec = now + i // 1_000_000, i % 1_000_000
            name = f"{sec}.M{usec}P{pid}Q{next(_seq)}.{host},S={len(raw)}"
            tmp_path = tmp_dir / name
            fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                view = memoryview(raw)
                while view:
                    view = view[os.write(fd, view) :]
                os.fchown(fd, MAIL_UID, MAIL_GID)
            finally:
                os.close(fd)
            os.rename(tmp_path, cur_dir / f"{name}:2,{flags}")
            written += 1
        if not index:
            return written
        return self.mailbox_status(user, mailbox)

    def mailbox_status(self, user: str, mailbox: str = "INBOX") -> int:
        """Message count as Dovecot sees it (this also makes Dovecot index new files)."""
        proc = subprocess.run(
            [
                "doveadm",
                "-c",
                str(self.dovecot_conf),
                "mailbox",
                "status",
                "-u",
                user,
                "messages",
                mailbox,
            ],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        m = re.search(r"messages=(\d+)", proc.stdout)
        if proc.returncode != 0 or not m:
            raise MailStackError(
                f"doveadm mailbox status failed ({proc.returncode}): {proc.stdout}{proc.stderr}"
            )
        return int(m.group(1))

    def maildir_count(self, user: str, mailbox: str = "INBOX") -> int:
        """Number of message files in the mailbox's new/ and cur/ (0 if it has none)."""
        path = self.maildir_path(user, mailbox)
        total = 0
        for sub in ("new", "cur"):
            try:
                total += sum(1 for e in os.scandir(path / sub) if e.is_file())
            except FileNotFoundError:
                pass
        return total

    def _make_maildir(self, path: Path, is_folder: bool) -> None:
        # Create every missing directory from DIR/mail down, owned by the mail user.
        mail_root = self.dir / "mail"
        chain = []
        p = path
        while p != mail_root and mail_root in p.parents:
            chain.append(p)
            p = p.parent
        for d in reversed(chain):
            if not d.exists():
                try:
                    os.mkdir(d, 0o700)
                except FileExistsError:
                    continue
                os.chown(d, MAIL_UID, MAIL_GID)
        for sub in ("cur", "new", "tmp"):
            d = path / sub
            if not d.exists():
                os.makedirs(d, 0o700, exist_ok=True)
                os.chown(d, MAIL_UID, MAIL_GID)
        if is_folder and not (path / "maildirfolder").exists():
            (path / "maildirfolder").touch(0o600)
            os.chown(path / "maildirfolder", MAIL_UID, MAIL_GID)


def start_mailstack(
    dir: Path | str,
    base_port: int | None = None,
    *,
    oauth2_introspection_url: str | None = None,
    oauth2_client_id: str = "",
    oauth2_client_secret: str = "",
    auth_debug: bool = False,
) -> MailStack:
    """Start (or attach to) the stack in ``dir``; returns when every port greets.

    Without ``base_port`` a random free block of 8 ports is chosen (retried if another
    program takes it first), so several test runs on one machine never collide.

    With ``oauth2_introspection_url`` the stack also takes XOAUTH2 and OAUTHBEARER on IMAP,
    POP3 and SMTP AUTH, each token checked at that RFC 7662 endpoint with the given client
    credentials (password logins are unchanged); ``auth_debug`` writes Dovecot's auth
    debug log to DIR/log/dovecot.log. The OAuth2 settings are kept for later starts.
    """
    env = {}
    if oauth2_introspection_url:
        env = {
            "MAILSTACK_OAUTH2_INTROSPECTION_URL": oauth2_introspection_url,
            "MAILSTACK_OAUTH2_CLIENT_ID": oauth2_client_id,
            "MAILSTACK_OAUTH2_CLIENT_SECRET": oauth2_client_secret,
        }
    if auth_debug:
        env["MAILSTACK_AUTH_DEBUG"] = "1"
    d = Path(dir)
    d.mkdir(parents=True, exist_ok=True)
    d = d.resolve()
    if base_port is not None:
        _script("start", str(d), str(base_port), env=env)
        return MailStack.from_env(d)
    env_file = d / "mailstack.env"
    if env_file.exists():
        # Already started once: keep its ports (a no-op if it is still running).
        try:
            old = int(_read_env(env_file)["BASEPORT"])
            _script("start", str(d), str(old), env=env)
            return MailStack.from_env(d)
        except (KeyError, ValueError, MailStackError):
            pass
    last: MailStackError | None = None
    for _ in range(5):
        base = pick_base_port()
        try:
            _script("start", str(d), str(base), env=env)
            return MailStack.from_env(d)
        except MailStackError as e:
            last = e
            if "already in use" not in str(e):
                raise
    assert last is not None
    raise last
