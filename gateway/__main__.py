"""Command line: ``mailgate serve``, ``mailgate migrate`` and ``mailgate openapi``."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mailgate", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the gateway (settings from GATEWAY_* variables)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    sub.add_parser("openapi", help="print the OpenAPI document")
    migrate = sub.add_parser(
        "migrate", help="upgrade the database schema (GATEWAY_DATABASE_URL) to this version's")
    migrate.add_argument("action", nargs="?", choices=("upgrade", "current"), default="upgrade",
                         help="current: print the schema's revision (exit 1 when behind)")
    migrate.add_argument("--sql", action="store_true",
                         help="print the SQL of the upgrade instead of running it")
    args = parser.parse_args(argv)

    from .settings import Settings

    if args.command == "migrate":  # without the app: a quick step before a deploy
        return asyncio.run(_migrate(Settings().database_url, args.action, sql=args.sql))

    from .app import create_app

    if args.command == "openapi":
        settings = Settings(database_url="sqlite+aiosqlite:///:memory:", secret_key="unused")
        json.dump(create_app(settings).openapi(), sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
        return 0

    import uvicorn

    from .server import raise_fd_limit, server_options

    settings = Settings()
    # Where it listens is part of the instance's identity (gateway/instance.py).
    listen = {"host": args.host, "port": args.port}
    settings = settings.model_copy(update={k: v for k, v in listen.items() if v})
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    raise_fd_limit(settings)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        **server_options(settings),
    )
    return 0


async def _migrate(database_url: str, action: str, *, sql: bool) -> int:
    from .errors import SchemaNotCurrent
    from .store import migrate
    from .store.db import Store

    engine = Store(database_url).create_engine()
    try:
        if action == "current":
            state = await migrate.state(engine)
            behind = "" if state.current else f"; run `mailgate migrate` to reach {state.head}"
            print(f"database schema {state.describe()}{behind}")
            return 0 if state.current else 1
        if sql:
            sys.stdout.write(await migrate.upgrade_sql(engine))
            return 0
        before = await migrate.upgrade(engine)
    except SchemaNotCurrent as exc:
        print(f"mailgate migrate: {exc}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    if before.current:
        print(f"database schema already at revision {before.head} (the newest)")
    else:
        print(f"database schema upgraded from {before.origin()} to revision {before.head}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
