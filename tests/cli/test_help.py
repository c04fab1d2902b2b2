"""``mailgate --help``, ``--version`` and each command's help; the commands that run the gateway
(serve, migrate, openapi) still parse as before."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
from importlib.metadata import version

import pytest

from gateway.app import create_app
from gateway.cli import main
from gateway.settings import Settings
from tests.conftest import ADMIN_TOKEN

from .conftest import MAILGATE, LiveGateway

COMMANDS = [
    ["serve"],
    ["migrate"],
    ["openapi"],
    ["accounts"],
    ["accounts", "list"],
    ["accounts", "add"],
    ["accounts", "verify"],
    ["accounts", "remove"],
    ["tokens"],
    ["tokens", "create"],
    ["tokens", "list"],
    ["tokens", "revoke"],
    ["send"],
    ["tail"],
]
# Markup that help must not show: reST roles and literals, Markdown code.
MARKUP = re.compile(r"``|:\w+:`|`")


def help_of(capsys: pytest.CaptureFixture[str], *words: str) -> str:
    assert main([*words, "--help"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def test_top_level_help_is_plain_text_naming_every_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = help_of(capsys)
    assert text.startswith("usage: mailgate [-h] [--version] COMMAND ...\n")
    assert not MARKUP.search(text), text
    for command in ("serve", "migrate", "openapi", "accounts", "tokens", "send", "tail"):
        assert re.search(rf"^    {command} +\w", text, re.MULTILINE), command
    assert "MAILGATE_URL    or --url    (default http://127.0.0.1:8025)" in text
    assert "MAILGATE_TOKEN  or --token" in text
    assert "exit status: 0 ok" in text


@pytest.mark.parametrize("words", COMMANDS, ids=" ".join)
def test_every_command_has_plain_help(capsys: pytest.CaptureFixture[str], words: list[str]) -> None:
    text = help_of(capsys, *words)
    assert text.startswith(f"usage: mailgate {' '.join(words)} ")
    assert not MARKUP.search(text), text
    if (
        words[0] in ("accounts", "tokens", "send", "tail")
        and len(words) + (words[0] in ("send", "tail")) > 1
    ):
        for option in ("--url URL", "--token TOKEN", "--timeout SECONDS", "--json"):
            assert option in text, option


def test_version_comes_from_the_package_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"mailgate {version('mailgate')}\n"


def test_serve_help_lists_every_setting_with_its_default_and_description(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    text = help_of(capsys, "serve")
    assert "--host HOST  listen on this address (overrides GATEWAY_HOST)" in text
    assert "--port PORT  listen on this port (overrides GATEWAY_PORT)" in text
    lines = text.splitlines()
    assert max(map(len, lines)) <= 80
    for name, field in Settings.model_fields.items():
        variable = f"GATEWAY_{name.upper()}"
        [at] = [i for i, line in enumerate(lines) if re.match(rf"  {variable}\b", line)]
        described = []
        for line in lines[at + 1 :]:
            if not line.startswith("      "):
                break
            described.append(line.strip())
        assert field.description, name
        expected = field.description.replace("`", '"').rstrip(".")
        assert " ".join(described).startswith(expected), name
    assert "  GATEWAY_PORT=8025" in lines
    assert "  GATEWAY_DATABASE_URL=sqlite+aiosqlite:///./mailgate.db" in lines
    assert "  GATEWAY_ADMIN_TOKEN  (unset)" in lines
    assert "  GATEWAY_MAX_REQUEST_BYTES=52428800 (50 MiB)" in lines
    assert "      IMAP connections per account; 1 to 32" in lines


def test_a_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["accounts", "frobnicate"]) == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err
    assert main([]) == 2


def test_openapi_prints_the_apps_document() -> None:
    out = io.StringIO()
    assert main(["openapi"], stdout=out) == 0
    settings = Settings(database_url="sqlite+aiosqlite:///:memory:", secret_key="unused")
    assert json.loads(out.getvalue()) == create_app(settings).openapi()


def test_migrate_current_on_a_new_database(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    out = io.StringIO()
    assert main(["migrate"], stdout=out) == 0
    assert out.getvalue().startswith("database schema upgraded from ")
    current = io.StringIO()
    assert main(["migrate", "current"], stdout=current) == 0
    assert current.getvalue().endswith("(the newest)\n")


def test_the_installed_command(gateway: LiveGateway) -> None:
    env = {**os.environ, "MAILGATE_URL": gateway.url, "MAILGATE_TOKEN": ADMIN_TOKEN}
    shown = subprocess.run([str(MAILGATE), "--version"], capture_output=True, text=True, timeout=30)
    assert (shown.returncode, shown.stdout) == (0, f"mailgate {version('mailgate')}\n")

    account = gateway.add_account(protocols=("imap",))
    listed = subprocess.run(
        [str(MAILGATE), "accounts", "list"], capture_output=True, text=True, env=env, timeout=30
    )
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[0].split()[:2] == ["ID", "EMAIL"]
    assert any(
        line.split()[:2] == [account["id"], account["email"]] for line in listed.stdout.splitlines()
    )

    gone = subprocess.run(
        [str(MAILGATE), "accounts", "verify", "no-such-account"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert (gone.returncode, gone.stdout) == (1, "")
    assert gone.stderr == (
        "mailgate accounts verify: error: account_not_found (404): no account 'no-such-account'\n"
    )
