"""The commands that run the gateway itself: ``serve``, ``migrate`` and ``openapi``."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import socket
from typing import Any

from ..settings import Settings
from .output import Output
from .settings_help import environment_help


def register(commands: Any) -> None:
    """Add ``serve``, ``migrate`` and ``openapi`` to the ``mailgate`` subcommands."""
    width = min(shutil.get_terminal_size().columns, 100) - 2
    serve = commands.add_parser(
        "serve",
        help="run the gateway (settings from GATEWAY_* variables)",
        description="Run the gateway: the HTTP API, the outbox, the watchers and webhooks. "
        "Settings come from the GATEWAY_* environment variables listed below.",
        epilog=environment_help(Settings, width=width),
    )
    serve.add_argument("--host", help="listen on this address (overrides GATEWAY_HOST)")
    serve.add_argument("--port", type=int, help="listen on this port (overrides GATEWAY_PORT)")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="run N gateway processes on the address, to use N cores "
        "(PostgreSQL only; each is an instance of its own: see README, Scale)",
    )
    serve.set_defaults(run=run_serve, prog=serve.prog, local=True)

    migrate = commands.add_parser(
        "migrate",
        help="upgrade the database schema (GATEWAY_DATABASE_URL) to this version's",
        description="Upgrade the store's schema (GATEWAY_DATABASE_URL) to this version's, or "
        "say where it stands. Back up the store first.",
    )
    migrate.add_argument(
        "action",
        nargs="?",
        choices=("upgrade", "current"),
        default="upgrade",
        help="upgrade (the default), or current: print the schema's revision (exit 1 when behind)",
    )
    migrate.add_argument(
        "--sql", action="store_true", help="print the SQL of the upgrade instead of running it"
    )
    migrate.set_defaults(run=run_migrate, prog=migrate.prog, local=True)

    openapi = commands.add_parser(
        "openapi",
        help="print the OpenAPI document",
        description="Print the gateway's OpenAPI document (JSON) on standard output.",
    )
    openapi.set_defaults(run=run_openapi, prog=openapi.prog, local=True)


def run_serve(args: argparse.Namespace, out: Output) -> int:
    import uvicorn

    from ..app import create_app
    from ..server import raise_fd_limit, server_options
    from . import workers

    settings = Settings()
    # Where it listens is part of the instance's identity (gateway/instance.py).
    listen = {"host": args.host, "port": args.port}
    settings = settings.model_copy(update={k: v for k, v in listen.items() if v})
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.workers < 1:
        out.note("mailgate serve: --workers must be at least 1")
        return 2
    refusal = workers.refusal(settings, args.workers)
    if refusal is not None:
        out.note(f"mailgate serve: {refusal}")
        return 2
    if args.workers > 1:
        return workers.Supervisor(settings, args.workers).run()
    raise_fd_limit(settings)
    app = create_app(settings)
    inherited = os.environ.pop(workers.LISTEN_FD_ENV, None)
    if inherited is not None:  # a worker of ``--workers``: the supervisor's socket
        sock = socket.socket(fileno=int(inherited))
        server = uvicorn.Server(uvicorn.Config(app, **server_options(settings)))
        server.run(sockets=[sock])
        return 0
    uvicorn.run(app, host=settings.host, port=settings.port, **server_options(settings))
    return 0


def run_openapi(args: argparse.Namespace, out: Output) -> int:
    from ..app import create_app

    settings = Settings(database_url="sqlite+aiosqlite:///:memory:", secret_key="unused")
    json.dump(create_app(settings).openapi(), out.stdout, indent=2, sort_keys=True)
    out.stdout.write("\n")
    return 0


def run_migrate(args: argparse.Namespace, out: Output) -> int:
    # Without the app: a quick step before a deploy.
    return asyncio.run(_migrate(Settings().database_url, args.action, sql=args.sql, out=out))


async def _migrate(database_url: str, action: str, *, sql: bool, out: Output) -> int:
    from ..errors import SchemaNotCurrent
    from ..store import migrate
    from ..store.db import Store

    engine = Store(database_url).create_engine()
    try:
        if action == "current":
            state = await migrate.state(engine)
            behind = "" if state.current else f"; run `mailgate migrate` to reach {state.head}"
            out.line(f"database schema {state.describe()}{behind}")
            return 0 if state.current else 1
        if sql:
            out.stdout.write(await migrate.upgrade_sql(engine))
            return 0
        before = await migrate.upgrade(engine)
    except SchemaNotCurrent as exc:
        out.note(f"mailgate migrate: {exc}")
        return 2
    finally:
        await engine.dispose()
    if before.current:
        out.line(f"database schema already at revision {before.head} (the newest)")
    else:
        out.line(f"database schema upgraded from {before.origin()} to revision {before.head}")
    return 0
