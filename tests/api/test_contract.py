"""The OpenAPI document says what the gateway does: the holes contract fuzzing found.

Each test pins one mismatch between the schema and the gateway (``make fuzz`` found them
with Schemathesis): a status the gateway answered but did not document, a value the schema
allowed but the gateway refused, or the other way round.
"""

from __future__ import annotations

import re

import httpx
import jsonschema_rs
import pytest

from gateway.api.schemas.common import comma_list_pattern
from gateway.api.schemas.events import EVENT_PATTERN
from gateway.api.schemas.messages import FLAG_REGEX
from gateway.events.sse import parse_types
from gateway.events.types import EVENT_TYPES, is_valid_pattern
from gateway.model.accounts import AccountSpec
from gateway.protocols.imap.encoding import flag_atom
from tests.api.helpers import spec

from ..mailstack import MailStack

# Characters that tell validators apart: C0/C1 controls, DEL, white space of every kind,
# the IMAP atom-specials, some letters beyond ASCII.
PROBES = [chr(c) for c in range(0x00, 0xA1)] + list(
    "\u00e9\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\u4e2d"
)


@pytest.fixture
def openapi(client: httpx.AsyncClient) -> dict:
    return client.app.openapi()  # type: ignore[attr-defined]


def component(openapi: dict, name: str) -> dict:
    """A component schema with its references resolvable (for jsonschema_rs)."""
    return {**openapi["components"]["schemas"][name], "components": openapi["components"]}


def fits(pattern: str, value: str) -> bool:
    """Does ``value`` match the JSON Schema ``pattern`` (ECMA: ``$`` is the very end)?"""
    return re.search(pattern.removesuffix("$") + r"\Z", value) is not None


def accepts(validate, value: str) -> bool:
    try:
        validate(value)
    except Exception:  # noqa: BLE001 - any refusal
        return False
    return True


# -- statuses the gateway answers are documented --------------------------------------------


async def test_malformed_json_is_a_documented_400(client: httpx.AsyncClient, openapi: dict) -> None:
    # Undecodable (not UTF-8): 400. JSON that does not parse stays a 422 (json_invalid).
    resp = await client.post(
        "/v1/tokens",
        content=b'{"description": "\x80"}',
        headers={"content-type": "application/json"},
    )
    assert resp.status_code == 400
    assert resp.headers["content-type"] == "application/problem+json"
    for path, item in openapi["paths"].items():
        for method, op in item.items():
            if "requestBody" in op:
                assert {"400", "413"} <= set(op["responses"]), f"{method.upper()} {path}"


async def test_405_allow_names_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    resp = await client.request("OPTIONS", "/v1/accounts")
    assert resp.status_code == 405
    assert {"GET", "POST"} <= {m.strip() for m in resp.headers["allow"].split(",")}
    resp = await client.put("/v1/accounts/some-account")
    assert resp.status_code == 405
    assert {"GET", "PATCH", "DELETE"} <= {m.strip() for m in resp.headers["allow"].split(",")}
    # /messages/batch also fits /messages/{message}: the literal path names the resource.
    resp = await client.request("OPTIONS", "/v1/accounts/some-account/messages/batch")
    assert resp.status_code == 405
    assert resp.headers["allow"] == "POST"


def test_sse_stream_documents_its_events(openapi: dict) -> None:
    media = openapi["paths"]["/v1/events"]["get"]["responses"]["200"]["content"]
    event = media["text/event-stream"]["schema"]
    validator = jsonschema_rs.validator_for(event)
    assert validator.is_valid({"id": "evt_1", "event": "message.new", "data": "{}"})
    assert not validator.is_valid({"event": "message.new"})


def test_attachment_content_type_is_the_parts_own(openapi: dict) -> None:
    op = openapi["paths"]["/v1/accounts/{account}/messages/{message}/attachments/{attachment}"]
    assert "*/*" in op["get"]["responses"]["200"]["content"]


# -- what the schema allows, the gateway accepts (and the other way round) -------------------


def test_account_string_patterns_say_what_the_validators_check(openapi: dict) -> None:
    props = openapi["components"]["schemas"]["AccountSpec"]["properties"]
    server = openapi["components"]["schemas"]["ServerConfig"]["properties"]
    base = spec()

    def with_name(v: str) -> None:
        AccountSpec.model_validate({**base, "name": v})

    def with_email(v: str) -> None:
        AccountSpec.model_validate({**base, "email": v})

    def with_host(v: str) -> None:
        AccountSpec.model_validate({**base, "imap": {**base["imap"], "host": v}})

    for pattern, validate, around in (
        (props["name"]["pattern"], with_name, "ab{}cd"),
        (props["email"]["pattern"], with_email, "a{}b@c{}d"),
        (server["host"]["pattern"], with_host, "mx{}1"),
    ):
        for ch in PROBES:
            value = around.format(ch, ch)
            assert fits(pattern, value) == accepts(validate, value), (pattern, value)


def test_json_types_are_not_coerced(openapi: dict) -> None:
    base = spec()
    refused = [
        {**base, "imap": {**base["imap"], "port": "993"}},
        {**base, "imap": {**base["imap"], "port": True}},
        {**base, "imap": {**base["imap"], "tls_verify": 0}},
        {**base, "imap": {**base["imap"], "oauth2": {"expires_at": 1700000000}}},
    ]
    for body in refused:
        assert not accepts(AccountSpec.model_validate, body), body
    # ... and what JSON Schema calls an integer still is one.
    AccountSpec.model_validate({**base, "imap": {**base["imap"], "port": 993.0}})


async def test_json_booleans_are_not_coerced_in_requests(client: httpx.AsyncClient) -> None:
    assert (await client.post("/v1/accounts", json=spec())).status_code == 201
    for body in ({"headers_only": 0}, {"delete": "true"}, {"limit": "5"}, {"limit": True}):
        resp = await client.post("/v1/accounts/acct-a/pop3/retrieve", json=body)
        assert resp.status_code == 422, (body, resp.text)
    resp = await client.post(
        "/v1/accounts/acct-a/send",
        json={"to": ["b@example.test"], "text": "x", "send_at": 4102444800},
    )
    assert resp.status_code == 422, resp.text


def test_flag_pattern_says_what_the_mail_layer_checks() -> None:
    for value in [f"a{ch}b" for ch in PROBES] + [
        "\\Seen",
        "\\seen",
        "\\Recent",
        "\\Foo",
        "\\",
        "k" * 50,
        "k" * 51,
    ]:
        schema_ok = fits(f"^{FLAG_REGEX}$", value)
        if schema_ok:
            flag_atom(value)  # the gateway passes every flag the schema allows
        elif not value.startswith("\\") or value == "\\":
            assert not accepts(flag_atom, value), value
        # "\Foo" passes flag_atom and is refused by the server (a 422 as well)


def test_event_type_patterns_say_what_the_gateway_accepts(openapi: dict) -> None:
    candidates = [
        "*",
        "message.*",
        "pop3.*",
        "mess.*",
        ".*",
        "",
        "message.new ",
        *EVENT_TYPES,
        "message.newer",
        "Message.new",
        "account.*",
    ]
    for value in candidates:
        assert fits(f"^(?:{EVENT_PATTERN})$", value) == is_valid_pattern(value), value
    types = comma_list_pattern(EVENT_PATTERN)
    query = [
        p for p in openapi["paths"]["/v1/events"]["get"]["parameters"] if p["name"] == "types"
    ][0]
    assert query["schema"]["pattern"] == types
    for value in [
        "message.new, pop3.*",
        " * ",
        ",,",
        "message.new,nope",
        "message.new\u3000",
        "message.new\x00",
        "message.*,,account.error",
    ]:
        assert fits(types, value) == accepts(lambda v: parse_types(v, EVENT_TYPES), value), value


def test_cross_field_rules_are_in_the_schema(openapi: dict) -> None:
    batch = jsonschema_rs.validator_for(component(openapi, "BatchRequest"))
    assert not batch.is_valid({"ids": ["x"], "action": "move"})
    assert not batch.is_valid({"ids": ["x"], "action": "copy", "mailbox": None})
    assert not batch.is_valid({"ids": ["x"], "action": "flag"})
    assert batch.is_valid({"ids": ["x"], "action": "move", "mailbox": "INBOX"})
    assert batch.is_valid({"ids": ["x"], "action": "delete"})
    retrieve = jsonschema_rs.validator_for(component(openapi, "Pop3RetrieveRequest"))
    assert not retrieve.is_valid({"delete": True, "headers_only": True})
    assert retrieve.is_valid({"delete": True})


def test_oauth2_app_provider_rules_are_in_the_schema(openapi: dict) -> None:
    app = jsonschema_rs.validator_for(component(openapi, "OAuth2AppCreate"))
    base = {
        "provider": "google",
        "name": "n",
        "client_id": "c",
        "client_secret": "s",
        "redirect_url": "https://gw.example/v1/oauth2/callback",
    }
    url = "https://idp.example/x"
    generic = {
        **base,
        "provider": "generic",
        "authorization_url": url,
        "token_url": url,
        "servers": {"imap": {"host": "imap.example", "port": 993}},
    }
    assert app.is_valid(base) and app.is_valid(generic)
    assert app.is_valid({**base, "provider": "microsoft", "tenant": "contoso.example"})
    assert not app.is_valid({**base, "token_url": url})  # generic only
    assert not app.is_valid({**base, "tenant": "contoso.example"})  # microsoft only
    assert not app.is_valid({**generic, "servers": {"imap": None}})  # a generic needs servers
    assert not app.is_valid({k: v for k, v in generic.items() if k != "token_url"})


def test_account_update_fields_that_cannot_be_null_are_not_nullable(openapi: dict) -> None:
    update = jsonschema_rs.validator_for(component(openapi, "AccountUpdate"))
    for key in ("name", "email", "watch_mailboxes", "aliases", "allow_any_from"):
        assert not update.is_valid({key: None}), key
    assert update.is_valid({"imap": None})  # null removes a server block


async def test_webhook_host_without_idna_form_is_refused(client: httpx.AsyncClient) -> None:
    # A label over 63 characters has no IDNA form: the resolver raised UnicodeError (a 500).
    resp = await client.post(
        "/v1/webhooks", json={"url": "https://" + "a" * 64 + ".example/hook", "events": ["*"]}
    )
    assert resp.status_code == 422, resp.text


def test_host_names_have_labels_the_resolver_can_encode(openapi: dict) -> None:
    pattern = openapi["components"]["schemas"]["ServerConfig"]["properties"]["host"]["pattern"]
    base = spec()
    for host, ok in (
        ("mail.example.test", True),
        ("a" * 63 + ".test", True),
        ("x.", True),
        ("127.0.0.1", True),
        ("[::1]", True),
        ("a" * 64 + ".test", False),
        ("a..b", False),
        (".a", False),
    ):
        assert fits(pattern, host) is ok, host
        assert (
            accepts(AccountSpec.model_validate, {**base, "imap": {**base["imap"], "host": host}})
            is ok
        ), host


async def test_unusable_ca_file_is_a_503_not_a_500(client: httpx.AsyncClient) -> None:
    # ssl.create_default_context(cafile=...) raised OSError ("File name too long", "No such
    # file"): a 500 from every route that connects.
    body = spec(id="acct-ca")
    body["pop3"] = {**body["imap"], "port": 1110, "ca_file": "/nonexistent/" + "c" * 300}
    assert (await client.post("/v1/accounts", json=body)).status_code == 201
    resp = await client.get("/v1/accounts/acct-ca/pop3")
    assert resp.status_code == 503, resp.text
    assert resp.json()["code"] == "ca_file_unusable"


async def test_webhook_url_with_a_broken_ipv6_host_is_refused(client: httpx.AsyncClient) -> None:
    # urlsplit raises ValueError on an unbalanced "[": that was a 500.
    resp = await client.post("/v1/webhooks", json={"url": "https://[fe80::1/hook", "events": ["*"]})
    assert resp.status_code == 422, resp.text


async def test_account_update_with_null_list_is_refused(client: httpx.AsyncClient) -> None:
    assert (await client.post("/v1/accounts", json=spec())).status_code == 201
    for key in ("watch_mailboxes", "aliases", "name"):
        resp = await client.patch("/v1/accounts/acct-a", json={key: None})
        assert resp.status_code == 422, (key, resp.text)


# -- against the mail server -----------------------------------------------------------------


async def test_keyword_over_50_characters_is_refused_before_the_server(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    mailstack.deliver(account["email"], b"Subject: k\r\n\r\nbody\r\n")
    base = f"/v1/accounts/{account['id']}"
    listing = (await client.get(f"{base}/mailboxes/INBOX/messages")).json()
    message = listing["items"][0]["id"]
    resp = await client.patch(f"{base}/messages/{message}", json={"flags": {"add": ["k" * 51]}})
    assert resp.status_code == 422, resp.text  # was Dovecot's NO, a 502
    resp = await client.patch(f"{base}/messages/{message}", json={"flags": {"add": ["k" * 50]}})
    assert resp.status_code == 200, resp.text


async def test_keyword_with_an_open_bracket_leaves_the_mailbox_readable(
    client: httpx.AsyncClient, account: dict, mailstack: MailStack
) -> None:
    # "a[b" is a legal keyword (RFC 3501: "[" is an atom-char); the FETCH tokenizer took
    # every "[" for a section and answered each listing of the mailbox with a 502.
    mailstack.deliver(account["email"], b"Subject: k\r\n\r\nbody\r\n")
    base = f"/v1/accounts/{account['id']}"
    listing = (await client.get(f"{base}/mailboxes/INBOX/messages")).json()
    message = listing["items"][0]["id"]
    resp = await client.patch(f"{base}/messages/{message}", json={"flags": {"add": ["a[b"]}})
    assert resp.status_code == 200, resp.text
    resp = await client.get(f"{base}/mailboxes/INBOX/messages")
    assert resp.status_code == 200, resp.text
    assert "a[b" in resp.json()["items"][0]["flags"]
    assert (await client.get(f"{base}/messages/{message}")).status_code == 200


async def test_inbox_rename_is_a_conflict(client: httpx.AsyncClient, account: dict) -> None:
    base = f"/v1/accounts/{account['id']}/mailboxes"
    resp = await client.patch(f"{base}/INBOX", json={"path": "Elsewhere"})
    assert resp.status_code == 409, resp.text
    resp = await client.delete(f"{base}/INBOX")
    assert resp.status_code == 409, resp.text
