"""``mailgate``: run the gateway, and manage a running one over its HTTP API."""

from __future__ import annotations

import argparse
import os
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import TextIO

from . import accounts, send, serve, tail, tokens
from .client import DEFAULT_URL, TOKEN_ENV, URL_ENV, GatewayClient, resolve_token, resolve_url
from .errors import EXIT_INTERRUPTED, EXIT_STATUS_HELP, CommandError
from .output import ArgumentParser, Output

DEFAULT_TIMEOUT = 60.0
# Options every operator command takes, also accepted before the command
# (`mailgate --json accounts list`); SUPPRESS keeps a subcommand's default from hiding the
# value given before it.
_CONNECTION_DEFAULTS = {"url": None, "token": None, "timeout": DEFAULT_TIMEOUT, "json": False}

DESCRIPTION = """\
mailgate, a REST/HTTP gateway to mail servers (SMTP, IMAP and POP3 as JSON).

"mailgate serve" runs the gateway; the operator commands (accounts, tokens, send, tail) \
manage a running one over its HTTP API."""

EPILOG = f"""\
operator commands reach the gateway at:
  {URL_ENV}    or --url    (default {DEFAULT_URL})
  {TOKEN_ENV}  or --token  (an API token; admin for accounts and tokens)

They print tables, or JSON with --json. "mailgate COMMAND --help" explains a command.

{EXIT_STATUS_HELP}"""


def package_version() -> str:
    try:
        return version("mailgate")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _connection_options(parser: argparse.ArgumentParser, *, hidden: bool) -> None:
    def doc(text: str) -> str:
        return argparse.SUPPRESS if hidden else text

    group = parser.add_argument_group("gateway connection") if not hidden else parser
    group.add_argument(
        "--url",
        default=argparse.SUPPRESS,
        help=doc(f"the gateway's base URL (default: ${URL_ENV}, else {DEFAULT_URL})"),
    )
    group.add_argument(
        "--token",
        default=argparse.SUPPRESS,
        help=doc(
            f"the API token (default: ${TOKEN_ENV}; prefer the variable: "
            "a command line is visible to other users)"
        ),
    )
    group.add_argument(
        "--timeout",
        type=float,
        default=argparse.SUPPRESS,
        metavar="SECONDS",
        help=doc(f"seconds to wait for the gateway (default: {DEFAULT_TIMEOUT:g})"),
    )
    group.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help=doc("print the gateway's JSON instead of a table"),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="mailgate", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"mailgate {package_version()}")
    _connection_options(parser, hidden=True)
    connection = argparse.ArgumentParser(add_help=False)
    _connection_options(connection, hidden=False)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    serve.register(commands)
    accounts.register(commands, connection)
    tokens.register(commands, connection)
    send.register(commands, connection)
    tail.register(commands, connection)
    return parser


def main(
    argv: list[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run one ``mailgate`` command; returns the exit status (see ``EXIT_STATUS_HELP``)."""
    out = Output(stdout or sys.stdout, stderr or sys.stderr)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error argparse printed
        return exc.code if isinstance(exc.code, int) else 2
    for name, default in _CONNECTION_DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, default)
    try:
        if getattr(args, "local", False):  # serve, migrate, openapi: no gateway to reach
            return args.run(args, out)
        with GatewayClient(
            resolve_url(args.url), resolve_token(args.token), timeout=args.timeout
        ) as client:
            return args.run(args, client, out)
    except CommandError as exc:
        out.note(f"{args.prog}: error: {exc.message}")
        return exc.exit_code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `mailgate tail | head -1`: the reader has what it wanted
        _silence(out.stdout)
        return 0


def _silence(stream: TextIO) -> None:
    """Point a closed pipe's stream at /dev/null so that exiting does not raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
    except (OSError, ValueError, AttributeError):
        pass
