"""422s say what was expected (issue #16): ``expected`` from the operation's schema.

The pure part (gateway/api/validation_hints.py) over the app's real OpenAPI document, then
the newcomer's three mistakes over HTTP: flags as a list, a JSON body without its
Content-Type, and ``"queue": true``.
"""

from __future__ import annotations

import httpx
import pytest

from gateway.api.validation_hints import describe, example, expected_hint, schema_at
from gateway.app import create_app
from gateway.settings import Settings

MESSAGE = "/v1/accounts/{account}/messages/{message}"
SEND = "/v1/accounts/{account}/send"
LIST = "/v1/accounts/{account}/mailboxes/{mailbox}/messages"


@pytest.fixture(scope="module")
def doc(tmp_path_factory: pytest.TempPathFactory) -> dict:
    db = tmp_path_factory.mktemp("hints") / "g.db"
    app = create_app(
        Settings(database_url=f"sqlite+aiosqlite:///{db}", admin_token="x" * 20, secret_key="k")
    )
    return app.openapi()


def test_flags_as_a_list_is_told_the_object_shape(doc: dict) -> None:
    hint = expected_hint(
        doc, "PATCH", MESSAGE, "application/json", ("body", "flags"), "model_attributes_type"
    )
    assert hint == 'an object like {"add": ["\\\\Seen"]} (fields: add, remove, set)'


def test_a_body_without_json_content_type_is_told_to_send_it(doc: dict) -> None:
    for content_type in (None, "application/x-www-form-urlencoded", "text/plain"):
        hint = expected_hint(doc, "POST", SEND, content_type, ("body",), "model_attributes_type")
        assert hint is not None
        assert hint.startswith(
            "a JSON object, sent with the header 'Content-Type: application/json'"
        ), hint
        assert '"to": ["bob@example.com"]' in hint
    # With the right content type the same error is about the shape only.
    hint = expected_hint(doc, "POST", SEND, "application/json", ("body",), "dict_type")
    assert hint is not None and "Content-Type" not in hint and hint.startswith("an object like")


def test_an_unknown_field_lists_the_fields_and_guesses(doc: dict) -> None:
    queue = expected_hint(
        doc, "POST", SEND, "application/json", ("body", "queue"), "extra_forbidden"
    )
    assert queue is not None and queue.startswith("one of the fields from, to, cc")
    assert queue.endswith('(did you mean "mode": "queue"?)')
    typo = expected_hint(
        doc, "POST", SEND, "application/json", ("body", "subjet"), "extra_forbidden"
    )
    assert typo is not None and typo.endswith('(did you mean "subject"?)')
    folder = expected_hint(
        doc, "POST", MESSAGE + "/move", "application/json", ("body", "folder"), "extra_forbidden"
    )
    assert folder == "the field mailbox"


def test_locations_through_unions_lists_and_parameters(doc: dict) -> None:
    # pydantic names the union member in the location: AddressIn, constrained-str.
    member = expected_hint(
        doc, "POST", SEND, "application/json", ("body", "to", 0, "AddressIn", "address"), "missing"
    )
    assert member == 'a string like "bob@example.com" of at most 320 characters'
    as_string = expected_hint(
        doc, "POST", SEND, "application/json", ("body", "to", 0, "constrained-str"), "string_type"
    )
    assert as_string == "a string of at most 600 characters"
    assert (
        expected_hint(doc, "GET", LIST, None, ("query", "limit"), "less_than_equal")
        == "an integer from 1 to 500"
    )
    assert expected_hint(
        doc, "POST", "/v1/tokens", "application/json", ("body", "scopes", 0), "literal_error"
    ) == ('one of "read", "write", "send", "admin", "metrics"')
    assert expected_hint(
        doc, "POST", SEND, "application/json", ("body", 7), "json_invalid"
    ).startswith("a JSON document")
    # Nothing to say: an unknown operation or location.
    assert expected_hint(doc, "GET", "/v1/nowhere", None, ("body",), "missing") is None
    assert expected_hint(doc, "GET", LIST, None, ("query", "nope"), "missing") is None
    assert (
        expected_hint(
            doc, "POST", SEND, "application/json", ("body", "to", "x", "y", "z"), "missing"
        )
        is None
    )


def test_describe_and_example_cover_the_json_types(doc: dict) -> None:
    assert describe(doc, {"type": "boolean"}) == "true or false (a JSON boolean)"
    assert describe(doc, {"type": "integer", "minimum": 0}) == "an integer of at least 0"
    assert describe(doc, {"type": "number"}) == "a number"
    assert describe(doc, {"anyOf": [{"type": "string"}, {"type": "null"}]}) == "a string"
    assert describe(doc, {"enum": ["sync", "queue"]}) == 'one of "sync", "queue"'
    assert example(doc, {"type": "object", "additionalProperties": {"type": "string"}}) == {
        "name": "..."
    }
    assert example(doc, {"type": "string", "format": "date-time"}) == "2025-01-31T09:00:00Z"
    # A self-referencing schema still ends.
    doc2 = {
        "components": {
            "schemas": {
                "Node": {
                    "type": "object",
                    "required": ["next"],
                    "properties": {"next": {"$ref": "#/components/schemas/Node"}},
                }
            }
        }
    }
    assert example(doc2, {"$ref": "#/components/schemas/Node"}) == {"next": {"next": {"next": {}}}}
    assert (
        schema_at(doc2, {"$ref": "#/components/schemas/Node"}, ["next", "next"])
        == doc2["components"]["schemas"]["Node"]
    )


async def test_the_three_newcomer_mistakes_over_http(client: httpx.AsyncClient) -> None:
    block = {
        "host": "127.0.0.1",
        "port": 9,
        "security": "none",
        "username": "a",
        "password": "not-used",
    }
    created = await client.post(
        "/v1/accounts",
        json={"id": "hints", "name": "Hints", "email": "hints@example.test", "smtp": block},
    )
    assert created.status_code == 201, created.text

    flags = await client.patch("/v1/accounts/hints/messages/abc", json={"flags": ["\\Seen"]})
    assert flags.status_code == 422
    body = flags.json()
    assert body["errors"][0]["expected"].startswith('an object like {"add": ["\\\\Seen"]}')
    assert 'expected an object like {"add"' in body["detail"]

    form = await client.post(
        "/v1/accounts/hints/send",
        content=b'{"to": ["b@example.test"]}',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 422
    assert "Content-Type: application/json" in form.json()["detail"]

    queue = await client.post(
        "/v1/accounts/hints/send",
        json={"to": ["b@example.test"], "subject": "s", "text": "t", "queue": True},
    )
    assert queue.status_code == 422
    assert '(did you mean "mode": "queue"?)' in queue.json()["detail"]
    # The hint never quotes a value the caller sent.
    secret = await client.post(
        "/v1/accounts/hints/send", json={"to": ["b@example.test"], "subject": ["sekrit-value-123"]}
    )
    assert secret.status_code == 422 and "sekrit" not in secret.text
