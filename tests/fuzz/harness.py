"""A real gateway (``mailgate serve``) on a real mail stack, and Schemathesis pointed at it.

The gateway runs as its own process with a SQLite file in a temporary directory and an
admin token; two accounts point at the Dovecot + Postfix stack and hold messages (plain,
multipart with an attachment, a POP3 maildrop), a mailbox, a queued send, a token. Their
ids go into Schemathesis' dictionaries, so that most generated requests to account-scoped
routes reach real data while the rest explores made-up ids. Accounts that the fuzzer may
delete or reconfigure are separate throwaway ones. Every request has a timeout; the
whole run has a time budget.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import httpx

from ..mailstack import MailStack, make_stack_dir, start_mailstack

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
ALL_PHASES = "examples,coverage,fuzzing,stateful"
REQUEST_TIMEOUT = 20.0  # seconds per request; the gateway's own upstream timeouts are shorter


@dataclass(frozen=True)
class Budget:
    """How much of the contract to explore."""

    phases: str
    max_examples: int
    max_time: int  # seconds for the whole Schemathesis run
    workers: int
    exclude: tuple[str, ...] = ()  # operation names ("POST /v1/...") left out
    seed: int | None = None


# `make fuzz`: every phase, every operation. One worker: with two, Hypothesis describes
# filters with ast.parse from two threads, which CPython 3.11 does not survive (SystemError
# "AST constructor recursion depth mismatch", an error of the run, not of the gateway).
FULL = Budget(ALL_PHASES, max_examples=100, max_time=1200, workers=1)
# The part the normal test run covers (a fixed seed, so CI is repeatable): every
# operation, fewer cases; no stateful
# sequences, and the operations that really send mail or create mailboxes (and so do
# slow SMTP/IMAP work per case) stay for `make fuzz`.
BOUNDED = Budget(
    "examples,coverage,fuzzing",
    max_examples=8,
    max_time=60,
    workers=1,
    exclude=(
        "POST /v1/accounts/{account}/send",
        "POST /v1/accounts/{account}/send/raw",
        "POST /v1/accounts/{account}/messages/{message}/forward",
        "POST /v1/accounts/{account}/mailboxes/{mailbox}/messages/{message}/forward",
        "POST /v1/accounts/{account}/drafts/{draft}/send",
        "POST /v1/accounts/{account}/mailboxes",
        "POST /v1/accounts/{account}/mailboxes/{mailbox}/messages",
    ),
    seed=1,
)


@dataclass
class Seed:
    """Ids of the real data the gateway holds, by path parameter."""

    accounts: list[str]
    doomed_accounts: list[str]
    mailboxes: list[str]
    messages: list[str]
    uidls: list[str]
    queue_ids: list[str]
    token_ids: list[str]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class GatewayProcess:
    """``python -m gateway serve`` on a free loopback port, its log in ``workdir``."""

    def __init__(self, workdir: Path, admin_token: str) -> None:
        self.workdir = workdir
        self.admin_token = admin_token
        self.port = free_port()
        self.log_path = workdir / "gateway.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")},
            "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{self.workdir / 'gateway.db'}",
            "GATEWAY_ADMIN_TOKEN": self.admin_token,
            "GATEWAY_SECRET_KEY": secrets.token_hex(16),
            "GATEWAY_LOG_LEVEL": "warning",
            "GATEWAY_CONNECT_TIMEOUT": "5",
            "GATEWAY_COMMAND_TIMEOUT": "10",
            "GATEWAY_SSE_HEARTBEAT": "1",
            "GATEWAY_OUTBOX_POLL_INTERVAL": "0.5",
            # Autodiscovery asks a nameserver that is not there: no query leaves loopback.
            "GATEWAY_AUTODISCOVER_NAMESERVERS": '["127.0.0.1:9"]',
            "GATEWAY_AUTODISCOVER_TIMEOUT": "1",
        }
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gateway",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"gateway exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gateway not ready in {timeout} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def tracebacks(self) -> list[str]:
        """The unhandled errors the gateway logged (each a 500), with their tracebacks."""
        if not self.log_path.exists():
            return []
        text = self.log_path.read_text(errors="replace")
        chunks = text.split("unhandled error")[1:]
        return ["unhandled error" + c[:4000] for c in chunks]


# -- seeding -----------------------------------------------------------------------------


def _server(stack: MailStack, user: str, protocol: str) -> dict:
    port = {"imap": stack.imap, "smtp": stack.submission, "pop3": stack.pop3}[protocol]
    return {
        "host": stack.host,
        "port": port,
        "security": "starttls",
        "username": user,
        "password": stack.password,
        "ca_file": str(stack.cert),
    }


def _account(stack: MailStack, account_id: str) -> dict:
    user = stack.new_user(f"{account_id}-")
    return {
        "id": account_id,
        "name": f"Fuzz {account_id}",
        "email": user,
        **{p: _server(stack, user, p) for p in ("imap", "smtp", "pop3")},
    }


def _messages(user: str, count: int) -> list[bytes]:
    out = []
    for i in range(count):
        msg = EmailMessage()
        msg["From"] = "Sender <sender@example.test>"
        msg["To"] = user
        msg["Subject"] = f"Fuzz message {i} \u00e9\u00e8"
        msg["Message-ID"] = f"<fuzz-{i}-{secrets.token_hex(4)}@example.test>"
        msg.set_content(f"Body {i}\nwith two lines\n")
        if i % 3 == 0:
            msg.add_alternative(f"<p>Body {i}</p>", subtype="html")
        if i % 4 == 0:
            msg.add_attachment(
                b"\x00\x01binary" * 10,
                maintype="application",
                subtype="octet-stream",
                filename=f"data-{i}.bin",
            )
        out.append(msg.as_bytes().replace(b"\n", b"\r\n"))
    return out


def seed(client: httpx.Client, stack: MailStack) -> Seed:
    """Accounts with mail, a mailbox, a queued send and a token; returns their ids."""
    accounts = ["fuzz-a", "fuzz-b"]
    doomed = [f"fuzz-doomed-{i}" for i in range(1, 7)]
    emails = {}
    for account_id in accounts + doomed:
        resp = client.post("/v1/accounts", json=_account(stack, account_id))
        resp.raise_for_status()
        emails[account_id] = resp.json()["email"]
    for account_id, count in zip(accounts, (12, 6), strict=True):
        stack.deliver_many(emails[account_id], _messages(emails[account_id], count))
    seeded = Seed(accounts, doomed, ["INBOX"], [], [], [], [])
    for account_id in accounts:
        resp = client.post(f"/v1/accounts/{account_id}/mailboxes", json={"path": "Fuzz/Sub"})
        resp.raise_for_status()
        mailboxes = client.get(f"/v1/accounts/{account_id}/mailboxes").json()["items"]
        seeded.mailboxes += [m["id"] for m in mailboxes if m["id"] not in seeded.mailboxes]
        listing = client.get(f"/v1/accounts/{account_id}/mailboxes/INBOX/messages").json()
        seeded.messages += [m["id"] for m in listing["items"]]
        pop3 = client.get(f"/v1/accounts/{account_id}/pop3/messages").json()
        seeded.uidls += [m["uidl"] for m in pop3["items"]]
    resp = client.post(
        "/v1/accounts/fuzz-a/send",
        json={
            "to": [emails["fuzz-b"]],
            "subject": "later",
            "text": "queued",
            "mode": "queue",
            "send_at": "2099-01-01T00:00:00Z",
        },
    )
    resp.raise_for_status()
    seeded.queue_ids.append(resp.json()["queue_id"])
    resp = client.post("/v1/tokens", json={"description": "fuzz", "scopes": ["read"]})
    resp.raise_for_status()
    seeded.token_ids.append(resp.json()["id"])
    return seeded


# -- Schemathesis configuration ----------------------------------------------------------


def _toml(value: object) -> str:
    # JSON strings, numbers, booleans and arrays of them are valid TOML.
    return json.dumps(value)


# positive_data_acceptance's default expectation for a schema-valid request.
_ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
_STATEFUL_422 = (
    "GET /v1/accounts/{account}/mailboxes/{mailbox}/messages",  # cursor
    "GET /v1/accounts/{account}/pop3/messages",  # cursor
    "GET /v1/outbox",  # cursor
    "GET /v1/webhooks/{webhook_id}/deliveries",  # cursor
    "GET /v1/audit",  # cursor
    "POST /v1/accounts",  # aliases: addresses, IDNA domains
    "PATCH /v1/accounts/{account}",  # aliases: addresses, IDNA domains
    "POST /v1/accounts/{account}/send",  # addresses, what makes a message
    "POST /v1/accounts/{account}/send/raw",  # an RFC 5322 message
    "POST /v1/accounts/{account}/mailboxes/{mailbox}/messages",  # a message or a draft
    "POST /v1/accounts/{account}/mailboxes",  # the server's naming rules
    "PATCH /v1/accounts/{account}/mailboxes/{mailbox}",  # the server's naming rules
    "PATCH /v1/accounts/{account}/messages/{message}/labels",  # Gmail only (X-GM-EXT-1)
    "GET /v1/search",  # cursor; at least one filter
    "GET /v1/accounts/{account}/drafts",  # cursor
    "POST /v1/accounts/{account}/drafts",  # addresses, the account's from-policy
    "PUT /v1/accounts/{account}/drafts/{draft}",  # as POST
    "PATCH /v1/accounts/{account}/drafts/{draft}",  # as POST
    "POST /v1/accounts/{account}/drafts/{draft}/send",  # a draft may have no recipient
    "POST /v1/accounts/{account}/messages/{message}/forward",  # as a send
    "POST /v1/accounts/{account}/mailboxes/{mailbox}/messages/{message}/forward",  # as a send
    "POST /v1/webhooks",  # the host's addresses
    "POST /v1/oauth2/apps",  # the endpoints' addresses, as for webhooks
)


def config_toml(seeded: Seed, budget: Budget) -> str:
    """``schemathesis.toml``: the seeded ids as dictionaries bound to the path parameters."""
    dictionaries = {
        "accounts": seeded.accounts,
        "doomed": seeded.doomed_accounts,
        "mailboxes": seeded.mailboxes,
        "messages": seeded.messages,
        "uidls": seeded.uidls,
        "queue_ids": seeded.queue_ids,
        "token_ids": seeded.token_ids,
        "attachments": ["1", "2", "3", "1.1", "2.1"],
    }
    bindings = {
        "path.account": ("accounts", 0.85),
        "query.account": ("accounts", 0.5),
        "path.mailbox": ("mailboxes", 0.7),
        "path.message": ("messages", 0.8),
        "path.uidl": ("uidls", 0.8),
        "path.queue_id": ("queue_ids", 0.5),
        "path.token_id": ("token_ids", 0.5),
        "path.attachment": ("attachments", 0.8),
    }
    lines = [f"request-timeout = {REQUEST_TIMEOUT}", "max-stream-events = 2", ""]
    for name, values in dictionaries.items():
        lines += [f"[dictionaries.{name}]", f"values = {_toml(list(dict.fromkeys(values)))}", ""]
    lines.append("[parameters]")
    for key, (name, probability) in bindings.items():
        lines.append(f'"{key}" = {{ dictionary = "{name}", probability = {probability} }}')
    # Where a schema-valid request meets a rule that lives outside the request, a 422 is the
    # right answer and no schema can foresee it: an opaque cursor the gateway did not issue,
    # the mail server's own rules for mailbox names, a webhook host that does not resolve
    # to a public address, an address whose domain has no IDNA form. Only there may a
    # schema-valid request get a 422.
    for name in _STATEFUL_422:
        lines += [
            "",
            "[[operations]]",
            f"include-name = {_toml(name)}",
            "checks.positive_data_acceptance.expected-statuses = " + _toml([*_ACCEPTED, "422"]),
        ]
    # The OAuth2 callback's `state` names an authorization request the gateway stored: a
    # made-up or missing one is a 400 (410 once expired), whatever the schema says.
    lines += [
        "",
        "[[operations]]",
        f"include-name = {_toml('GET /v1/oauth2/callback')}",
        "checks.positive_data_acceptance.expected-statuses = "
        + _toml([*_ACCEPTED, "400", "410", "422"]),
    ]
    # A change-feed state (`since`) is one the gateway issued for that account or mailbox:
    # any other is a 410 cannot_calculate_changes (the client lists again).
    for name in (
        "GET /v1/accounts/{account}/changes",
        "GET /v1/accounts/{account}/mailboxes/{mailbox}/changes",
    ):
        lines += [
            "",
            "[[operations]]",
            f"include-name = {_toml(name)}",
            "checks.positive_data_acceptance.expected-statuses = " + _toml([*_ACCEPTED, "410"]),
        ]
    # Accounts the fuzzer creates point at made-up hosts: a 503 (unreachable) or 504 (no
    # answer) is their documented outcome. A 500 or a 502 (the server refused what the
    # gateway sent, or the gateway misread the server) still fails the run.
    lines += [
        "",
        "[checks.not_a_server_error]",
        'expected-statuses = ["2xx", "3xx", "4xx", "503", "504"]',
    ]
    # An account's POP3 (IMAP, SMTP) resources answer 404 protocol_not_configured when the
    # account has no such server: the stateful phase's "created resource not found" check
    # does not hold for them by design.
    lines += [
        "",
        "[[operations]]",
        f"include-path-regex = {_toml(r'^/v1/accounts/[{]account[}]/.+')}",
        "checks.ensure_resource_availability.enabled = false",
    ]
    # DELETE /v1/outbox/{id} cancels: the cancelled item stays readable (status
    # "cancelled"), so "deleted resource still available" does not apply.
    lines += [
        "",
        "[[operations]]",
        f"include-path-regex = {_toml('^/v1/outbox/')}",
        "checks.use_after_free.enabled = false",
    ]
    # A query parameter travels as text: the "false" that stands for a JSON boolean where
    # append's `flags` wants an array is a valid keyword on the wire.
    lines += [
        "",
        "[[operations]]",
        f"include-name = {_toml('POST /v1/accounts/{account}/mailboxes/{mailbox}/messages')}",
        "checks.negative_data_rejection.enabled = false",
    ]
    # Deleting or reconfiguring an account must not take the real data away from the
    # rest of the run: those two operations get throwaway accounts.
    for name in ("DELETE /v1/accounts/{account}", "PATCH /v1/accounts/{account}"):
        lines += [
            "",
            "[[operations]]",
            f"include-name = {_toml(name)}",
            'parameters = { "path.account" = { dictionary = "doomed", probability = 0.85 } }',
        ]
    return "\n".join(lines) + "\n"


def schemathesis_command(url: str, admin_token: str, budget: Budget, workdir: Path) -> list[str]:
    # Every check is on by default; `--checks all` would also override the exceptions that
    # schemathesis.toml makes for single operations.
    cmd = [
        str(SCHEMATHESIS),
        "--config-file",
        str(workdir / "schemathesis.toml"),
        "run",
        f"{url}/openapi.json",
        "--phases",
        budget.phases,
        "--max-examples",
        str(budget.max_examples),
        "--max-time",
        str(budget.max_time),
        "--workers",
        str(budget.workers),
        "--request-timeout",
        str(REQUEST_TIMEOUT),
        "-H",
        f"Authorization: Bearer {admin_token}",
        "--generation-database",
        "none",
        "--report",
        "junit",
        "--report-dir",
        str(workdir / "report"),
        "--no-color",
        "--suppress-health-check",
        "all",
    ]
    if budget.seed is not None:
        cmd += ["--seed", str(budget.seed)]
    for name in budget.exclude:
        cmd += ["--exclude-name", name]
    return cmd


@dataclass
class Outcome:
    returncode: int
    output: str
    tracebacks: list[str]
    seconds: float

    @property
    def clean(self) -> bool:
        return self.returncode == 0 and not self.tracebacks

    def report(self) -> str:
        parts = [self.output]
        if self.tracebacks:
            parts.append(f"gateway logged {len(self.tracebacks)} unhandled error(s):")
            parts += self.tracebacks[:5]
        return "\n".join(parts)


@contextlib.contextmanager
def own_stack() -> Iterator[MailStack]:
    directory = make_stack_dir("mailgate-fuzz-")
    stack = start_mailstack(directory)
    try:
        yield stack
    finally:
        stack.stop()
        import shutil

        shutil.rmtree(directory, ignore_errors=True)


def run_contract(budget: Budget, stack: MailStack, workdir: Path, stream: bool = False) -> Outcome:
    """Start a gateway, seed it, run Schemathesis against it; the gateway is stopped after."""
    admin_token = "fuzz-admin-" + secrets.token_hex(12)
    gateway = GatewayProcess(workdir, admin_token)
    gateway.start()
    started = time.monotonic()
    try:
        with httpx.Client(
            base_url=gateway.url, timeout=60, headers={"Authorization": f"Bearer {admin_token}"}
        ) as client:
            seeded = seed(client, stack)
        (workdir / "schemathesis.toml").write_text(config_toml(seeded, budget))
        cmd = schemathesis_command(gateway.url, admin_token, budget, workdir)
        proc = subprocess.Popen(
            cmd,
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={
                **os.environ,
                "NO_COLOR": "1",
                "PYTHONPATH": str(ROOT),
                "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks",
            },
        )
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if stream:
                sys.stdout.write(line)
                sys.stdout.flush()
        try:
            proc.wait(budget.max_time + 120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        output = "".join(lines).replace(admin_token, "<admin token>")
        (workdir / "schemathesis.out").write_text(output)
        return Outcome(proc.returncode, output, gateway.tracebacks(), time.monotonic() - started)
    finally:
        gateway.stop()


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--bounded", action="store_true", help="the part CI runs")
    parser.add_argument("--max-examples", type=int)
    parser.add_argument("--max-time", type=int)
    parser.add_argument("--phases")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)
    budget = BOUNDED if args.bounded else FULL
    budget = Budget(
        args.phases or budget.phases,
        args.max_examples or budget.max_examples,
        args.max_time or budget.max_time,
        budget.workers,
        budget.exclude,
        args.seed if args.seed is not None else budget.seed,
    )
    workdir = Path(tempfile.mkdtemp(prefix="mailgate-fuzz-run-"))
    with own_stack() as stack:
        outcome = run_contract(budget, stack, workdir, stream=True)
    if outcome.tracebacks:
        print(outcome.report().split(outcome.output, 1)[-1])
    print(f"contract fuzzing took {outcome.seconds:.0f} s; work directory {workdir}")
    if not args.keep and outcome.clean:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if outcome.clean else 1
