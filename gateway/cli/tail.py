"""``mailgate tail``: follow the gateway's event stream, one line per event."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from .client import GatewayClient
from .errors import EXIT_FAILED, EXIT_UNREACHABLE, EXIT_USAGE, CommandError
from .output import Output, cell, format_time
from .sse import SseComment, SseEvent, parse_sse

RECONNECT_DELAY = 3.0  # seconds; the gateway's streams say `retry: 3000`
# A stream sends a heartbeat every GATEWAY_SSE_HEARTBEAT (15 s): this long without a byte
# means the connection is dead, and the stream is opened again.
READ_TIMEOUT = 120.0


def register(commands: Any, connection: argparse.ArgumentParser) -> None:
    tail = commands.add_parser(
        "tail",
        parents=[connection],
        help="follow the events (new mail, sends, errors)",
        description="Follow the gateway's events as they happen, one line each (--json: "
        "each event's JSON). A lost connection is opened again without losing events; "
        "Ctrl-C stops.",
        epilog="examples:\n  mailgate tail --account alice\n"
        "  mailgate tail --types 'message.*' --json",
    )
    tail.add_argument("--account", metavar="ID", help="only this account's events")
    tail.add_argument(
        "--types",
        metavar="TYPES",
        help="only these event types, comma-separated ('message.*' works)",
    )
    tail.add_argument(
        "--since", metavar="EVENT_ID", help="first replay the stored events after this one"
    )
    tail.add_argument("--count", type=int, metavar="N", help="stop after N events")
    tail.set_defaults(run=run_tail, prog=tail.prog)


def describe(event: dict[str, Any]) -> str:
    """What an event says, in a few words (the human form of a ``tail`` line)."""
    data = event.get("data") or {}
    kind = event.get("type", "")
    if kind in ("message.new", "message.deleted", "message.flags"):
        parts = [data.get("mailbox")]
        sender = data.get("from")
        if isinstance(sender, list):
            sender = sender[0] if sender else None
        if isinstance(sender, dict):
            sender = sender.get("address")
        parts += [
            f"from {sender}" if sender else None,
            repr(data["subject"]) if data.get("subject") else None,
        ]
        if kind == "message.flags":
            parts += [f"+{f}" for f in data.get("added") or ()]
            parts += [f"-{f}" for f in data.get("removed") or ()]
        if kind != "message.new" or not data.get("subject"):
            parts.append(f"uid {data['uid']}" if data.get("uid") is not None else None)
        return " ".join(cell(p) for p in parts if p)
    if kind in ("message.sent", "message.failed"):
        parts = [data.get("message_id")]
        if data.get("accepted"):
            parts.append("to " + ", ".join(data["accepted"]))
        if data.get("rejected"):
            parts.append("refused " + ", ".join(r.get("address", "?") for r in data["rejected"]))
        if data.get("error"):
            parts.append(f"error: {data['error']}")
        return " ".join(cell(p) for p in parts if p)
    # Everything else: its fields, short.
    text = " ".join(
        f"{k}={cell(json.dumps(v) if isinstance(v, dict | list) else v)}" for k, v in data.items()
    )
    return text if len(text) <= 200 else text[:197] + "..."


def event_line(event: dict[str, Any]) -> str:
    return "  ".join(
        (
            format_time(event.get("created_at")),
            f"{event.get('type', '?'):<16}",
            cell(event.get("account")),
            describe(event),
        )
    ).rstrip()


def run_tail(args: argparse.Namespace, client: GatewayClient, out: Output) -> int:
    if args.count is not None and args.count < 1:
        raise CommandError("--count must be at least 1", EXIT_USAGE)
    params = {k: v for k, v in (("account", args.account), ("types", args.types)) if v}
    last_id: str | None = args.since
    seen = 0
    connected_once = False
    while True:
        headers = {"Accept": "text/event-stream"}
        if last_id:
            headers["Last-Event-ID"] = last_id
        try:
            with client.stream(
                "/v1/events", params=params, headers=headers, read_timeout=READ_TIMEOUT
            ) as response:
                for item in parse_sse(response.iter_lines()):
                    if isinstance(item, SseComment):
                        if item.text == "connected":
                            connected_once = True
                            out.note(f"following events at {client.url} (Ctrl-C to stop)")
                        continue
                    if item.type == "error":
                        raise CommandError(
                            f"the gateway ended the stream: {_error(item)}", EXIT_FAILED
                        )
                    if item.id:
                        last_id = item.id
                    _print(out, item, as_json=args.json)
                    seen += 1
                    if args.count is not None and seen >= args.count:
                        return 0
        except CommandError as exc:
            if exc.exit_code != EXIT_UNREACHABLE or not connected_once:
                raise
            out.note(f"{exc.message}; reconnecting in {RECONNECT_DELAY:g} s")
        else:
            out.note(f"the gateway closed the stream; reconnecting in {RECONNECT_DELAY:g} s")
        time.sleep(RECONNECT_DELAY)


def _print(out: Output, item: SseEvent, *, as_json: bool) -> None:
    if as_json:
        out.line(item.data)  # the gateway's own JSON line, as it came
        return
    try:
        event = json.loads(item.data)
    except ValueError:
        event = {"type": item.type, "data": {"raw": item.data}}
    out.line(event_line(event))


def _error(item: SseEvent) -> str:
    try:
        body = json.loads(item.data)
        return f"{body['code']}: {body['detail']}"
    except (ValueError, KeyError, TypeError):
        return item.data
