"""``mailgate accounts list|add|verify|remove``."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from .client import GatewayClient, segment
from .errors import EXIT_FAILED, EXIT_USAGE, CommandError
from .output import Output

PROTOCOLS = ("imap", "smtp", "pop3")
SECURITIES = ("tls", "starttls", "none")
# The well-known ports: implicit TLS (RFC 8314), and the ones that start in plain text.
TLS_PORTS = {"imap": 993, "smtp": 465, "pop3": 995}
PLAIN_PORTS = {"imap": 143, "smtp": 587, "pop3": 110}
_STARTTLS_PORTS = {143, 110, 587, 25}


def register(commands: Any, connection: argparse.ArgumentParser) -> None:
    accounts = commands.add_parser(
        "accounts",
        help="list, add, verify and remove mail accounts",
        description="The mail accounts of a running gateway (an admin token adds and removes).",
    )
    sub = accounts.add_subparsers(title="commands", metavar="COMMAND", required=True)

    listing = sub.add_parser(
        "list",
        parents=[connection],
        help="list the accounts",
        description="List the accounts the token may see.",
    )
    listing.set_defaults(run=run_list, prog=listing.prog)

    add = sub.add_parser(
        "add",
        parents=[connection],
        help="add an account",
        description="Add an account: its address and at least one server. The password is "
        "read from standard input (--password-stdin) or asked for, never taken from the "
        "command line.",
        epilog="A server is HOST or HOST:PORT. Without --security, ports 993, 995 and 465 "
        "use TLS, 143, 110, 587 and 25 STARTTLS; no port means TLS on the usual port.\n\n"
        "example:\n  mailgate accounts add alice@example.com --imap imap.example.com \\\n"
        "      --smtp smtp.example.com:587",
    )
    add.add_argument("email", help="the account's address (also the login, unless --username)")
    add.add_argument("--id", help="the account's id in URLs (default: chosen by the gateway)")
    add.add_argument("--name", help="a display name (default: the address)")
    for protocol in PROTOCOLS:
        add.add_argument(
            f"--{protocol}", metavar="HOST[:PORT]", help=f"the {protocol.upper()} server"
        )
    add.add_argument(
        "--security",
        choices=SECURITIES,
        help="how every server is reached (default: by port, see below)",
    )
    add.add_argument("--username", help="the login name on the servers (default: the address)")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (else it is asked for)",
    )
    add.add_argument(
        "--ca-file",
        metavar="PATH",
        help="a CA certificate file (on the gateway's host) the servers' "
        "certificates are checked against",
    )
    add.add_argument(
        "--no-tls-verify",
        action="store_true",
        help="do not check the servers' certificates (self-signed test servers)",
    )
    add.add_argument(
        "--alias",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="another address the account may send as (repeat; *@domain for a whole domain)",
    )
    add.set_defaults(run=run_add, prog=add.prog)

    verify = sub.add_parser(
        "verify",
        parents=[connection],
        help="log in to the account's servers now",
        description="Log in to each server of the account now and report the result "
        "(exit status 1 when one refuses).",
    )
    verify.add_argument("account", help="the account's id")
    verify.set_defaults(run=run_verify, prog=verify.prog)

    remove = sub.add_parser(
        "remove",
        parents=[connection],
        help="remove an account",
        description="Remove an account from the gateway (its mail stays on the servers).",
    )
    remove.add_argument("account", help="the account's id")
    remove.set_defaults(run=run_remove, prog=remove.prog)


def server_text(server: dict[str, Any] | None) -> str | None:
    """A server block as ``host:port/security``."""
    if server is None:
        return None
    return f"{server['host']}:{server['port']}/{server['security']}"


def run_list(args: argparse.Namespace, client: GatewayClient, out: Output) -> int:
    body = client.request("GET", "/v1/accounts")
    if args.json:
        out.json(body)
        return 0
    rows = [
        (
            a["id"],
            a["email"],
            a["name"],
            *(server_text(a.get(p)) for p in PROTOCOLS),
            a.get("source"),
        )
        for a in body["items"]
    ]
    out.table(("id", "email", "name", "imap", "smtp", "pop3", "source"), rows, empty="no accounts")
    return 0


def parse_server(text: str, protocol: str, security: str | None) -> dict[str, Any]:
    """``HOST`` or ``HOST:PORT`` (``[v6]:PORT``) as a server block without credentials."""
    host, port_text = text.strip(), None
    if host.startswith("["):
        inside, _, rest = host[1:].partition("]")
        host, port_text = inside, rest[1:] if rest.startswith(":") else (rest or None)
    elif host.count(":") == 1:  # more: an IPv6 address without a port
        host, _, port_text = host.partition(":")
    if not host or (port_text is not None and not port_text.isdigit()):
        raise CommandError(f"--{protocol}: give HOST or HOST:PORT (got {text!r})", EXIT_USAGE)
    port = int(port_text) if port_text else None
    if security is None:
        security = "starttls" if port in _STARTTLS_PORTS else "tls"
    if port is None:
        port = TLS_PORTS[protocol] if security == "tls" else PLAIN_PORTS[protocol]
    return {"host": host, "port": port, "security": security}


def read_password(args: argparse.Namespace, username: str) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass(f"Password of {username}: ")
    else:
        raise CommandError(
            "no terminal to ask the password on: pipe it in with --password-stdin", EXIT_USAGE
        )
    if not password:
        raise CommandError("the password is empty", EXIT_USAGE)
    return password


def account_spec(args: argparse.Namespace, password: str) -> dict[str, Any]:
    """The body of ``POST /v1/accounts``."""
    spec: dict[str, Any] = {"name": args.name or args.email, "email": args.email}
    if args.id:
        spec["id"] = args.id
    if args.alias:
        spec["aliases"] = args.alias
    for protocol in PROTOCOLS:
        text = getattr(args, protocol)
        if text is None:
            continue
        server = parse_server(text, protocol, args.security)
        server.update(username=args.username or args.email, password=password)
        if args.ca_file:
            server["ca_file"] = args.ca_file
        if args.no_tls_verify:
            server["tls_verify"] = False
        spec[protocol] = server
    return spec


def run_add(args: argparse.Namespace, client: GatewayClient, out: Output) -> int:
    if not any(getattr(args, p) for p in PROTOCOLS):
        raise CommandError("give at least one server: --imap, --smtp or --pop3", EXIT_USAGE)
    for protocol in PROTOCOLS:  # a bad server is refused before the password is asked for
        if getattr(args, protocol) is not None:
            parse_server(getattr(args, protocol), protocol, args.security)
    password = read_password(args, args.username or args.email)
    account = client.request("POST", "/v1/accounts", json=account_spec(args, password))
    if args.json:
        out.json(account)
        return 0
    out.line(f"added account {account['id']} ({account['email']})")
    out.lines(f"  {p}: {server_text(account[p])}" for p in PROTOCOLS if account.get(p))
    out.note(f"check the logins with: mailgate accounts verify {account['id']}")
    return 0


def run_verify(args: argparse.Namespace, client: GatewayClient, out: Output) -> int:
    body = client.request("POST", f"/v1/accounts/{segment(args.account)}/verify")
    status = 0 if body["ok"] else EXIT_FAILED
    if args.json:
        out.json(body)
        return status
    rows = [
        (p, "ok" if body[p]["ok"] else "FAILED", body[p]["detail"])
        for p in PROTOCOLS
        if body.get(p) is not None
    ]
    out.table(("protocol", "result", "detail"), rows, empty="no servers configured")
    if not body["ok"]:
        out.note(f"account {body['account']}: not every server accepted the login")
    return status


def run_remove(args: argparse.Namespace, client: GatewayClient, out: Output) -> int:
    client.request("DELETE", f"/v1/accounts/{segment(args.account)}")
    if not args.json:  # 204: nothing for a program to read but the exit status
        out.line(f"removed account {args.account}")
    return 0
