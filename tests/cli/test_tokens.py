"""``mailgate tokens create|list|revoke`` against a live gateway."""

from __future__ import annotations

from .conftest import Mailgate


def test_create_shows_the_token_once_and_it_works(mailgate: Mailgate, account: dict) -> None:
    created = mailgate(
        "tokens",
        "create",
        "--scope",
        "read,send",
        "--account",
        account["id"],
        "--description",
        "cli test app",
    )
    assert created.code == 0, created.err
    fields = dict(line.split(":", 1) for line in created.out.splitlines())
    fields = {k: v.strip() for k, v in fields.items()}
    assert list(fields) == ["token", "id", "scopes", "accounts", "description"]
    assert fields["scopes"] == "read, send" and fields["accounts"] == account["id"]
    assert fields["description"] == "cli test app"
    assert created.err == "the token is shown only this once: store it now\n"

    # The new token sees only its account.
    seen = mailgate("accounts", "list", "--json", "--token", fields["token"])
    assert seen.code == 0, seen.err
    assert [a["id"] for a in seen.json()["items"]] == [account["id"]]
    # ... and cannot make tokens.
    refused = mailgate("tokens", "list", "--token", fields["token"])
    assert refused.code == 1 and "(403)" in refused.err


def test_create_quiet_prints_only_the_token_and_json_everything(mailgate: Mailgate) -> None:
    quiet = mailgate("tokens", "create", "--scope", "metrics", "-q")
    assert quiet.code == 0, quiet.err
    token = quiet.out.strip()
    assert quiet.out == token + "\n" and " " not in token and len(token) > 20

    as_json = mailgate("tokens", "create", "--scope", "read", "--scope", "write", "--json")
    body = as_json.json()
    assert body["scopes"] == ["read", "write"] and body["accounts"] is None
    assert body["token"].startswith(body["prefix"])


def test_list_shows_prefixes_never_tokens(mailgate: Mailgate) -> None:
    created = mailgate(
        "tokens", "create", "--scope", "read", "--description", "listed", "--json"
    ).json()
    listed = mailgate("tokens", "list")
    assert listed.code == 0, listed.err
    header, *rows = listed.out.splitlines()
    assert header.split() == [
        "ID",
        "PREFIX",
        "SCOPES",
        "ACCOUNTS",
        "DESCRIPTION",
        "CREATED",
        "LAST",
        "USED",
    ]
    row = next(r for r in rows if r.startswith(created["id"] + " "))
    assert created["prefix"] in row and "listed" in row and " all " in row
    assert row.rstrip().endswith("-")  # never used
    assert created["token"] not in listed.out

    as_json = mailgate("tokens", "list", "--json").json()
    mine = next(t for t in as_json["items"] if t["id"] == created["id"])
    assert "token" not in mine and mine["prefix"] == created["prefix"]


def test_revoke_stops_the_token(mailgate: Mailgate) -> None:
    created = mailgate("tokens", "create", "--scope", "read", "--json").json()
    assert mailgate("accounts", "list", "--token", created["token"]).code == 0

    revoked = mailgate("tokens", "revoke", created["id"])
    assert revoked.code == 0, revoked.err
    assert revoked.out == f"revoked token {created['id']}\n"
    refused = mailgate("accounts", "list", "--token", created["token"])
    assert refused.code == 1 and "(401)" in refused.err
    assert created["token"] not in refused.err

    again = mailgate("tokens", "revoke", created["id"])
    assert again.code == 1
    assert again.err == (
        f"mailgate tokens revoke: error: token_not_found (404): no token {created['id']!r}\n"
    )


def test_a_scope_that_does_not_exist_is_a_usage_error(mailgate: Mailgate) -> None:
    bad = mailgate("tokens", "create", "--scope", "read,superuser")
    assert bad.code == 2
    assert bad.err == (
        "mailgate tokens create: error: unknown scope 'superuser': choose from "
        "read, write, send, admin, metrics\n"
    )
