"""``mailgate send``: a message built from options, or a raw one from a file or stdin."""

from __future__ import annotations

import argparse
import base64
import mimetypes
import sys
from pathlib import Path
from typing import Any

from .client import GatewayClient, segment
from .errors import EXIT_USAGE, CommandError
from .output import Output, format_fields

_BUILT = ("from_", "to", "cc", "bcc", "reply_to", "subject", "text", "html", "attach", "header")


def register(commands: Any, connection: argparse.ArgumentParser) -> None:
    send = commands.add_parser(
        "send",
        parents=[connection],
        help="send a message through an account",
        description="Send a message through an account's SMTP server: built from the "
        "options below, or an RFC 5322 message as it is (--raw).",
        epilog="examples:\n"
        "  mailgate send alice --to bob@example.com --subject Hi --text 'Hello Bob'\n"
        "  echo 'Hello' | mailgate send alice --to bob@example.com --subject Hi --text -\n"
        "  mailgate send alice --raw message.eml",
    )
    send.add_argument("account", help="the account's id")
    built = send.add_argument_group("a message built from options")
    built.add_argument(
        "--from",
        dest="from_",
        metavar="ADDRESS",
        help="the sender (default: the account's address)",
    )
    for name in ("to", "cc", "bcc"):
        built.add_argument(
            f"--{name}",
            action="append",
            default=[],
            metavar="ADDRESS",
            help=f"a {name.capitalize()} recipient (repeat); 'Name <a@example.com>' works",
        )
    built.add_argument("--reply-to", metavar="ADDRESS", help="the Reply-To address")
    built.add_argument("--subject", default=None, help="the subject")
    built.add_argument("--text", metavar="TEXT", help="the plain-text body ('-': standard input)")
    built.add_argument("--html", metavar="HTML", help="the HTML body ('-': standard input)")
    built.add_argument(
        "--attach", action="append", default=[], metavar="FILE", help="attach a file (repeat)"
    )
    built.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="an extra header (repeat)",
    )
    raw = send.add_argument_group("a raw message")
    raw.add_argument(
        "--raw", metavar="FILE", help="send this RFC 5322 message as it is ('-': standard input)"
    )
    raw.add_argument(
        "--mail-from", metavar="ADDRESS", help="the envelope sender (default: the From header)"
    )
    raw.add_argument(
        "--rcpt-to",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="an envelope recipient (repeat; default: To, Cc and Bcc)",
    )
    both = send.add_argument_group("either way")
    both.add_argument(
        "--queue",
        action="store_true",
        help="hand it to the durable outbox instead of sending it now",
    )
    both.add_argument(
        "--send-at", metavar="TIME", help="queue it until this RFC 3339 time (2030-01-01T09:00:00Z)"
    )
    both.add_argument(
        "--no-save-to-sent", action="store_true", help="do not copy it to the Sent mailbox"
    )
    both.add_argument(
        "--idempotency-key",
        metavar="KEY",
        help="the same key within 24 h sends nothing again and answers as the first time",
    )
    send.set_defaults(run=run_send, prog=send.prog)


def _text(value: str) -> str:
    """A body given on the command line, or ``-`` for standard input."""
    return sys.stdin.read() if value == "-" else value


def attachment(path_text: str) -> dict[str, Any]:
    path = Path(path_text)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"--attach {path_text}: {exc.strerror or exc}", EXIT_USAGE) from None
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return {
        "filename": path.name,
        "content_type": content_type,
        "content": base64.b64encode(content).decode("ascii"),
    }


def message_body(args: argparse.Namespace) -> dict[str, Any]:
    """The JSON body of ``POST /v1/accounts/{account}/send``."""
    if not (args.to or args.cc or args.bcc):
        raise CommandError("give at least one recipient: --to, --cc or --bcc", EXIT_USAGE)
    if args.text == "-" and args.html == "-":
        raise CommandError("only one of --text and --html can come from standard input", EXIT_USAGE)
    body: dict[str, Any] = {
        "to": args.to,
        "cc": args.cc,
        "bcc": args.bcc,
        "subject": args.subject or "",
    }
    if args.from_:
        body["from"] = args.from_
    if args.reply_to:
        body["reply_to"] = args.reply_to
    if args.text is not None:
        body["text"] = _text(args.text)
    if args.html is not None:
        body["html"] = _text(args.html)
    if args.attach:
        body["attachments"] = [attachment(p) for p in args.attach]
    if args.header:
        headers = {}
        for item in args.header:
            name, sep, value = item.partition(":")
            if not sep or not name.strip():
                raise CommandError(f"--header: write 'Name: value' (got {item!r})", EXIT_USAGE)
            headers[name.strip()] = value.strip()
        body["headers"] = headers
    if args.no_save_to_sent:
        body["save_to_sent"] = False
    if args.queue:
        body["mode"] = "queue"
    if args.send_at:
        body["send_at"] = args.send_at
    return body


def raw_message(args: argparse.Namespace) -> bytes:
    if args.raw == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(args.raw).read_bytes()
    except OSError as exc:
        raise CommandError(f"--raw {args.raw}: {exc.strerror or exc}", EXIT_USAGE) from None


def run_send(args: argparse.Namespace, client: GatewayClient, out: Output) -> int:
    headers = {"Idempotency-Key": args.idempotency_key} if args.idempotency_key else {}
    path = f"/v1/accounts/{segment(args.account)}/send"
    if args.raw is not None:
        given = [name for name in _BUILT if getattr(args, name)]
        if given:
            raise CommandError(
                f"--raw sends the message as it is: leave out "
                f"--{given[0].rstrip('_').replace('_', '-')}",
                EXIT_USAGE,
            )
        params: dict[str, Any] = {}
        if args.mail_from:
            params["mail_from"] = args.mail_from
        if args.rcpt_to:
            params["rcpt_to"] = args.rcpt_to
        if args.no_save_to_sent:
            params["save_to_sent"] = "false"
        if args.queue:
            params["mode"] = "queue"
        if args.send_at:
            params["send_at"] = args.send_at
        result = client.request(
            "POST",
            path + "/raw",
            content=raw_message(args),
            params=params,
            headers={**headers, "Content-Type": "message/rfc822"},
        )
    else:
        if args.mail_from or args.rcpt_to:
            raise CommandError("--mail-from and --rcpt-to go with --raw", EXIT_USAGE)
        result = client.request("POST", path, json=message_body(args), headers=headers)
    if args.json:
        out.json(result)
        return 0
    if "status_url" in result:
        out.lines(
            format_fields(
                [
                    ("queued", result["queue_id"]),
                    ("message_id", result["message_id"]),
                    ("send_at", result.get("send_at") or "now"),
                ]
            )
        )
        return 0
    rejected = [f"{r['address']} ({r['code']} {r['message']})" for r in result["rejected"]]
    out.lines(
        format_fields(
            [
                ("sent", result["message_id"]),
                ("accepted", result["accepted"]),
                ("rejected", rejected),
                ("saved to Sent", result["saved_to_sent"]),
                ("server said", result["smtp_response"]),
            ]
        )
    )
    if rejected:
        out.note(f"{len(rejected)} recipient(s) refused by the server")
    return 0
