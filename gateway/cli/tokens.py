"""``mailgate tokens create|list|revoke``."""

from __future__ import annotations

import argparse
from typing import Any

from .client import GatewayClient, segment
from .errors import EXIT_USAGE, CommandError
from .output import Output, format_fields, format_time

SCOPES = ("read", "write", "send", "admin", "metrics")


def register(commands: Any, connection: argparse.ArgumentParser) -> None:
    tokens = commands.add_parser(
        "tokens",
        help="create, list and revoke API tokens",
        description="The API tokens of a running gateway (needs an admin token).",
    )
    sub = tokens.add_subparsers(title="commands", metavar="COMMAND", required=True)

    create = sub.add_parser(
        "create",
        parents=[connection],
        help="create a token (shown once)",
        description="Create an API token. The token is printed this once and stored only as "
        "a hash: keep it now.",
        epilog="example: mailgate tokens create --scope read --scope send --account alice "
        "--description 'my app'",
    )
    create.add_argument(
        "--scope",
        action="append",
        required=True,
        metavar="SCOPE",
        help=f"what the token may do: {', '.join(SCOPES)} (repeat, or "
        "comma-separated; admin implies all)",
    )
    create.add_argument(
        "--account",
        action="append",
        metavar="ID",
        help="limit the token to this account (repeat; default: every account)",
    )
    create.add_argument("--description", default="", help="what the token is for")
    create.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print only the token (for TOKEN=$(mailgate tokens create ...))",
    )
    create.set_defaults(run=run_create, prog=create.prog)

    listing = sub.add_parser(
        "list",
        parents=[connection],
        help="list the tokens",
        description="List the tokens (never their secrets).",
    )
    listing.set_defaults(run=run_list, prog=listing.prog)

    revoke = sub.add_parser(
        "revoke",
        parents=[connection],
        help="revoke a token",
        description="Revoke a token: its requests and event streams stop within "
        "GATEWAY_TOKEN_CACHE_SECONDS on every instance.",
    )
    revoke.add_argument("id", help="the token's id (see mailgate tokens list)")
    revoke.set_defaults(run=run_revoke, prog=revoke.prog)


def parse_scopes(values: list[str]) -> list[str]:
    """Repeated and comma-separated scopes, each checked, without repeats."""
    scopes: list[str] = []
    for value in values:
        for scope in filter(None, (s.strip().lower() for s in value.split(","))):
            if scope not in SCOPES:
                raise CommandError(
                    f"unknown scope {scope!r}: choose from {', '.join(SCOPES)}", EXIT_USAGE
                )
            if scope not in scopes:
                scopes.append(scope)
    if not scopes:
        raise CommandError("give at least one --scope", EXIT_USAGE)
    return scopes


def run_create(args: argparse.Namespace, client: GatewayClient, out: Output) -> int:
    body: dict[str, Any] = {"description": args.description, "scopes": parse_scopes(args.scope)}
    if args.account:
        body["accounts"] = args.account
    token = client.request("POST", "/v1/tokens", json=body)
    if args.json:
        out.json(token)
    elif args.quiet:
        out.line(token["token"])
    else:
        out.lines(
            format_fields(
                [
                    ("token", token["token"]),
                    ("id", token["id"]),
                    ("scopes", token["scopes"]),
                    ("accounts", token["accounts"] or "all"),
                    ("description", token["description"]),
                ]
            )
        )
        out.note("the token is shown only this once: store it now")
    return 0


def run_list(args: argparse.Namespace, client: GatewayClient, out: Output) -> int:
    body = client.request("GET", "/v1/tokens")
    if args.json:
        out.json(body)
        return 0
    rows = [
        (
            t["id"],
            t["prefix"],
            t["scopes"],
            t["accounts"] or "all",
            t["description"],
            format_time(t["created_at"]),
            format_time(t["last_used_at"]),
        )
        for t in body["items"]
    ]
    out.table(
        ("id", "prefix", "scopes", "accounts", "description", "created", "last used"),
        rows,
        empty="no tokens",
    )
    return 0


def run_revoke(args: argparse.Namespace, client: GatewayClient, out: Output) -> int:
    client.request("DELETE", f"/v1/tokens/{segment(args.id)}")
    if not args.json:
        out.line(f"revoked token {args.id}")
    return 0
