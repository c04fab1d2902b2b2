"""Pure pieces of the command line: tables, fields, times, help text, SSE parsing, event lines,
argument parsing and error lines (no I/O)."""

from __future__ import annotations

import argparse

import httpx
import pytest
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.cli.accounts import parse_server
from gateway.cli.client import problem_line, resolve_url
from gateway.cli.errors import CommandError
from gateway.cli.output import HelpFormatter, cell, format_fields, format_table, format_time
from gateway.cli.settings_help import bounds_text, environment_help
from gateway.cli.sse import SseComment, SseEvent, parse_sse
from gateway.cli.tail import event_line
from gateway.cli.tokens import parse_scopes
from gateway.settings import Settings


def test_table_columns_line_up_and_nothing_shows_as_a_dash() -> None:
    assert format_table(
        ("id", "scopes", "used"), [("a", ["read", "send"], None), ("longer-id", [], True)]
    ) == [
        "ID         SCOPES      USED",
        "a          read, send  -",
        "longer-id  -           yes",
    ]


def test_cells_never_break_a_line() -> None:
    assert cell("two\nlines\r\nhere") == "two lines here"
    assert cell(False) == "no" and cell("") == "-" and cell(0) == "0"


def test_fields_align_their_values() -> None:
    assert format_fields([("token", "mg_x"), ("description", "")]) == [
        "token:        mg_x",
        "description:  -",
    ]


def test_times_in_utc() -> None:
    assert format_time("2024-05-01T14:00:05+02:00") == "2024-05-01 12:00:05Z"
    assert format_time("2024-05-01T12:00:05Z") == "2024-05-01 12:00:05Z"
    assert format_time(None) == "-" and format_time("soon") == "soon"


def test_help_fills_paragraphs_and_keeps_examples() -> None:
    parser = argparse.ArgumentParser(
        prog="x",
        formatter_class=HelpFormatter,
        description="one two three four five six seven eight nine ten eleven twelve",
        epilog="examples:\n  x --long-option value --another-long-option value --and-more\n\n"
        "a last paragraph that is long enough to be filled over more than one line here",
    )
    formatter = HelpFormatter("x", width=40)
    assert formatter._fill_text(parser.epilog, 40, "") == (
        "examples:\n  x --long-option value --another-long-option value --and-more\n\n"
        "a last paragraph that is long enough to\nbe filled over more than one line here"
    )


def test_sse_events_comments_and_sticky_ids() -> None:
    stream = [
        "retry: 3000",
        "",
        ": connected",
        "",
        "id: 7",
        "event: message.new",
        'data: {"a":',
        "data: 1}",
        "",
        ": heartbeat",
        "",
        "event: error",
        'data: {"code": "token_revoked"}',
        "",
        "data: no type",
        "",
        "event: nodata",
        "",
    ]
    assert list(parse_sse(stream)) == [
        SseComment("connected"),
        SseEvent(type="message.new", data='{"a":\n1}', id="7"),
        SseComment("heartbeat"),
        SseEvent(type="error", data='{"code": "token_revoked"}', id="7"),
        SseEvent(type="message", data="no type", id="7"),
    ]


def test_event_lines_say_what_happened() -> None:
    new = {
        "type": "message.new",
        "account": "bob",
        "created_at": "2024-05-01T12:00:00Z",
        "data": {
            "mailbox": "INBOX",
            "uid": 4,
            "subject": "Hi there",
            "from": {"name": "Alice", "address": "alice@example.test"},
        },
    }
    assert event_line(new) == (
        "2024-05-01 12:00:00Z  message.new       bob  INBOX from alice@example.test 'Hi there'"
    )
    flags = {
        "type": "message.flags",
        "account": "bob",
        "created_at": "2024-05-01T12:00:00Z",
        "data": {"mailbox": "INBOX", "uid": 4, "added": ["\\Seen"], "removed": []},
    }
    assert event_line(flags).endswith("bob  INBOX +\\Seen uid 4")
    failed = {
        "type": "message.failed",
        "account": "a",
        "created_at": "2024-05-01T12:00:00Z",
        "data": {
            "message_id": "<m@x>",
            "error": "550 no such user",
            "rejected": [{"address": "x@y"}],
        },
    }
    assert event_line(failed).endswith("a  <m@x> refused x@y error: 550 no such user")
    other = {
        "type": "account.error",
        "account": "a",
        "created_at": "2024-05-01T12:00:00Z",
        "data": {"protocol": "imap", "error": "login\nrefused", "extra": {"k": 1}},
    }
    assert event_line(other).endswith('a  protocol=imap error=login refused extra={"k": 1}')
    assert len(event_line({**other, "data": {"error": "x" * 500}})) < 260


@pytest.mark.parametrize(
    ("text", "security", "expected"),
    [
        ("imap.example.com", None, ("imap.example.com", 993, "tls")),
        ("imap.example.com:143", None, ("imap.example.com", 143, "starttls")),
        ("imap.example.com:10143", None, ("imap.example.com", 10143, "tls")),
        ("imap.example.com", "starttls", ("imap.example.com", 143, "starttls")),
        ("[::1]:993", None, ("::1", 993, "tls")),
        ("127.0.0.1:1143", "none", ("127.0.0.1", 1143, "none")),
    ],
)
def test_a_server_from_host_and_port(
    text: str, security: str | None, expected: tuple[str, int, str]
) -> None:
    server = parse_server(text, "imap", security)
    assert (server["host"], server["port"], server["security"]) == expected


@pytest.mark.parametrize("text", ["", ":993", "host:port", "host:", "[::1]:x", "[::1]:", "[::1]x"])
def test_a_server_that_is_not_host_and_port(text: str) -> None:
    with pytest.raises(CommandError) as refused:
        parse_server(text, "smtp", None)
    assert refused.value.exit_code == 2 and "--smtp" in refused.value.message


def test_smtp_and_pop3_default_ports() -> None:
    assert parse_server("mx", "smtp", None)["port"] == 465
    assert parse_server("mx", "smtp", "starttls")["port"] == 587
    assert parse_server("mx:587", "smtp", None)["security"] == "starttls"
    assert parse_server("pop", "pop3", None)["port"] == 995


def test_scopes_repeated_or_comma_separated() -> None:
    assert parse_scopes(["read,send", "READ", " admin "]) == ["read", "send", "admin"]
    with pytest.raises(CommandError):
        parse_scopes([","])


def test_urls() -> None:
    assert resolve_url("http://gw.example:9000/") == "http://gw.example:9000"
    with pytest.raises(CommandError):
        resolve_url("gw.example:9000")


def response(status: int, body: bytes, content_type: str, **headers: str) -> httpx.Response:
    return httpx.Response(
        status,
        content=body,
        headers={"Content-Type": content_type, **headers},
        request=httpx.Request("GET", "http://gw.test/v1/accounts"),
    )


def test_problem_lines() -> None:
    busy = response(
        503,
        b'{"type": "t", "title": "x", "status": 503, "code": '
        b'"imap_unavailable", "detail": "server down"}',
        "application/problem+json",
        **{"Retry-After": "1"},
    )
    assert problem_line(busy) == "imap_unavailable (503): server down; retry after 1 s"
    refused = response(
        502,
        b'{"code": "smtp_rejected", "detail": "all refused", "rejected": '
        b'[{"address": "x@y", "code": 550, "message": "no such user"}]}',
        "application/problem+json",
    )
    assert problem_line(refused) == "smtp_rejected (502): all refused; x@y: 550 no such user"
    proxy = response(404, b"<html>\n<h1>Not Found</h1></html>", "text/html")
    assert problem_line(proxy) == (
        "HTTP 404 Not Found: <html> <h1>Not Found</h1></html> "
        "(is http://gw.test/ a mailgate gateway?)"
    )


def test_environment_help_of_a_model() -> None:
    class Example(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="EX_")
        size: int = Field(default=3, ge=1, le=32, description="How many `things`.")
        delay: float = Field(default=0.5, gt=0, description="Seconds")
        name: str | None = Field(default=None, description="A name")

    assert environment_help(Example, width=60) == (
        "environment variables (defaults after =):\n"
        '  EX_SIZE=3\n      How many "things"; 1 to 32\n'
        "  EX_DELAY=0.5\n      Seconds; more than 0\n"
        "  EX_NAME  (unset)\n      A name"
    )


def test_every_setting_is_described() -> None:
    assert [n for n, f in Settings.model_fields.items() if not f.description] == []
    assert bounds_text(Settings.model_fields["request_read_timeout"]) == "more than 0, at most 60"
