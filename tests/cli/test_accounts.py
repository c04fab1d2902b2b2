"""``mailgate accounts list|add|verify|remove`` against a live gateway on Dovecot and Postfix."""

from __future__ import annotations

import getpass
import io
import sys

import pytest

from tests.conftest import ADMIN_TOKEN

from .conftest import LiveGateway, Mailgate, free_port


def add_argv(gateway: LiveGateway, user: str, account_id: str, *extra: str) -> list[str]:
    """``accounts add`` for a user of the test stack: its three servers with STARTTLS."""
    stack = gateway.stack
    return [
        "accounts",
        "add",
        user,
        "--id",
        account_id,
        "--name",
        "CLI user",
        "--imap",
        f"{stack.host}:{stack.imap}",
        "--smtp",
        f"{stack.host}:{stack.submission}",
        "--pop3",
        f"{stack.host}:{stack.pop3}",
        "--security",
        "starttls",
        "--ca-file",
        str(stack.cert),
        *extra,
    ]


def test_add_reads_the_password_from_stdin_and_the_account_verifies(
    mailgate: Mailgate, gateway: LiveGateway
) -> None:
    user = gateway.stack.new_user("add")
    account_id = user.split("@")[0]
    added = mailgate(
        *add_argv(gateway, user, account_id, "--password-stdin"),
        stdin=gateway.stack.password + "\n",
    )
    assert added.code == 0, added.err
    assert added.out.splitlines()[0] == f"added account {account_id} ({user})"
    stack = gateway.stack
    assert f"  imap: {stack.host}:{stack.imap}/starttls" in added.out
    assert f"  smtp: {stack.host}:{stack.submission}/starttls" in added.out
    assert f"mailgate accounts verify {account_id}" in added.err
    assert gateway.stack.password not in added.out + added.err

    verified = mailgate("accounts", "verify", account_id)
    assert verified.code == 0, verified.err
    lines = verified.out.splitlines()
    assert lines[0].split() == ["PROTOCOL", "RESULT", "DETAIL"]
    assert [line.split()[:2] for line in lines[1:]] == [
        ["imap", "ok"],
        ["smtp", "ok"],
        ["pop3", "ok"],
    ]


def test_add_json_never_shows_the_password(mailgate: Mailgate, gateway: LiveGateway) -> None:
    user = gateway.stack.new_user("addjson")
    added = mailgate(
        *add_argv(
            gateway,
            user,
            user.split("@")[0],
            "--password-stdin",
            "--json",
            "--alias",
            f"*@{gateway.stack.domain}",
        ),
        stdin=gateway.stack.password,
    )
    assert added.code == 0, added.err
    body = added.json()
    assert body["email"] == user and body["aliases"] == [f"*@{gateway.stack.domain}"]
    assert body["imap"]["has_password"] is True and body["imap"]["ca_file"] == str(
        gateway.stack.cert
    )
    assert "password" not in body["imap"]
    assert gateway.stack.password not in added.out + added.err


def test_add_asks_for_the_password_on_a_terminal(
    mailgate: Mailgate, gateway: LiveGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts: list[str] = []

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def ask(prompt: str = "Password: ", stream=None) -> str:
        prompts.append(prompt)
        return gateway.stack.password

    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr(getpass, "getpass", ask)
    user = gateway.stack.new_user("prompt")
    added = mailgate(*add_argv(gateway, user, user.split("@")[0]))
    assert added.code == 0, added.err
    assert prompts == [f"Password of {user}: "]
    assert mailgate("accounts", "verify", user.split("@")[0]).code == 0


def test_add_without_a_terminal_or_password_stdin_asks_for_password_stdin(
    mailgate: Mailgate, gateway: LiveGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    user = gateway.stack.new_user("notty")
    added = mailgate(*add_argv(gateway, user, user.split("@")[0]))
    assert added.code == 2
    assert added.err == (
        "mailgate accounts add: error: no terminal to ask the password on: "
        "pipe it in with --password-stdin\n"
    )
    with gateway.http() as http:
        assert http.get(f"/v1/accounts/{user.split('@')[0]}").status_code == 404


def test_add_refuses_a_bad_server_before_asking_for_the_password(mailgate: Mailgate) -> None:
    added = mailgate("accounts", "add", "x@example.test", "--imap", "imap.example.test:imaps")
    assert added.code == 2
    assert "--imap: give HOST or HOST:PORT" in added.err
    assert mailgate("accounts", "add", "x@example.test").code == 2  # no server at all


def test_add_refused_by_the_gateway_is_one_line(mailgate: Mailgate, gateway: LiveGateway) -> None:
    added = mailgate(
        "accounts",
        "add",
        "not-an-address",
        "--imap",
        "127.0.0.1:143",
        "--password-stdin",
        stdin="pw-7f3a91\n",
    )
    assert added.code == 1
    assert added.err.startswith(
        "mailgate accounts add: error: validation_error (422): body.email: "
    )
    assert added.err.count("\n") == 1 and "pw-7f3a91" not in added.err


def test_list_as_a_table_and_as_json(
    mailgate: Mailgate, account: dict, gateway: LiveGateway
) -> None:
    listed = mailgate("accounts", "list")
    assert listed.code == 0, listed.err
    header, *rows = listed.out.splitlines()
    assert header.split() == ["ID", "EMAIL", "NAME", "IMAP", "SMTP", "POP3", "SOURCE"]
    row = next(r for r in rows if r.split()[0] == account["id"])
    stack = gateway.stack
    assert row.split()[1] == account["email"]
    assert f"{stack.host}:{stack.imap}/starttls" in row and row.endswith("api")
    # The columns line up: each header starts where its values start.
    assert row.index(account["email"]) == header.index("EMAIL")
    assert row.index(f"{stack.host}:{stack.submission}") == header.index("SMTP")

    as_json = mailgate("accounts", "list", "--json")
    assert as_json.code == 0
    items = {a["id"]: a for a in as_json.json()["items"]}
    assert items[account["id"]]["email"] == account["email"]


def test_the_connection_options_go_before_or_after_the_command(
    mailgate: Mailgate, account: dict, gateway: LiveGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MAILGATE_URL")
    monkeypatch.delenv("MAILGATE_TOKEN")
    before = mailgate("--url", gateway.url, "--token", ADMIN_TOKEN, "--json", "accounts", "list")
    after = mailgate("accounts", "list", "--url", gateway.url, "--token", ADMIN_TOKEN, "--json")
    assert before.code == after.code == 0
    assert account["id"] in {a["id"] for a in before.json()["items"]}
    assert before.json()["items"] == after.json()["items"]


def test_verify_reports_a_refused_login_and_exits_1(
    mailgate: Mailgate, gateway: LiveGateway
) -> None:
    user = gateway.stack.new_user("wrongpw")
    added = mailgate(
        *add_argv(gateway, user, user.split("@")[0], "--password-stdin"), stdin="not-the-password\n"
    )
    assert added.code == 0, added.err
    verified = mailgate("accounts", "verify", user.split("@")[0])
    assert verified.code == 1
    rows = [line.split()[:2] for line in verified.out.splitlines()[1:]]
    assert rows == [["imap", "FAILED"], ["smtp", "FAILED"], ["pop3", "FAILED"]]
    assert verified.err == f"account {user.split('@')[0]}: not every server accepted the login\n"

    as_json = mailgate("accounts", "verify", user.split("@")[0], "--json")
    assert as_json.code == 1
    assert as_json.json()["ok"] is False and as_json.json()["imap"]["ok"] is False


def test_remove_then_the_account_is_gone(mailgate: Mailgate, account: dict) -> None:
    removed = mailgate("accounts", "remove", account["id"])
    assert removed.code == 0, removed.err
    assert removed.out == f"removed account {account['id']}\n"
    assert account["id"] not in {
        a["id"] for a in mailgate("accounts", "list", "--json").json()["items"]
    }

    again = mailgate("accounts", "remove", account["id"])
    assert again.code == 1
    assert again.err == (
        f"mailgate accounts remove: error: account_not_found (404): no account {account['id']!r}\n"
    )
    assert again.out == ""


def test_a_bad_token_is_one_line_naming_the_token(mailgate: Mailgate) -> None:
    refused = mailgate("accounts", "list", "--token", "not-a-token")
    assert refused.code == 1
    assert refused.err.count("\n") == 1
    assert "(401)" in refused.err and "check the token (MAILGATE_TOKEN or --token)" in refused.err


def test_no_gateway_at_the_url_gives_a_hint(mailgate: Mailgate) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    refused = mailgate("accounts", "list", "--url", url)
    assert refused.code == 3
    assert refused.err == (
        f"mailgate accounts list: error: cannot connect to {url} (connection "
        f"refused): is the gateway running at {url}? (set MAILGATE_URL or "
        "pass --url)\n"
    )


def test_no_token_at_all_is_a_usage_error(
    mailgate: Mailgate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MAILGATE_TOKEN")
    missing = mailgate("accounts", "list")
    assert missing.code == 2
    assert missing.err == (
        "mailgate accounts list: error: no API token: set MAILGATE_TOKEN (or pass --token)\n"
    )
