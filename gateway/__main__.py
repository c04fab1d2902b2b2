"""Command line: ``mailgate serve`` and ``mailgate openapi``."""

from __future__ import annotations

import argparse
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
    args = parser.parse_args(argv)

    from .app import create_app
    from .settings import Settings

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


if __name__ == "__main__":
    sys.exit(main())
