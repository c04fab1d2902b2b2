"""The shared parsed-message response model serialises ``from`` (not ``from_``)."""

from __future__ import annotations

from gateway.api.schemas.mime import AttachmentOut, ParsedFields
from gateway.protocols.mime.parse import parse_message
from tests.protocols.mime_samples import MULTI, SIMPLE


def test_parsed_fields_serialise_from_alias():
    out = ParsedFields.from_parsed(parse_message(SIMPLE)).model_dump(mode="json")
    assert "from_" not in out
    assert out["from"] == [{"name": "Alice Example", "address": "alice@example.test"}]
    assert out["date"] == "2026-03-03T09:00:00Z"
    assert {"name": "Subject", "value": "Hello Wörld"} in out["headers"]


def test_parsed_fields_schema_and_subclass_extra():
    schema = ParsedFields.model_json_schema(mode="serialization")
    assert "from" in schema["properties"] and "from_" not in schema["properties"]

    class WithContent(AttachmentOut):
        content: str

    class Item(ParsedFields):
        uidl: str
        attachments: list[WithContent]

    parsed = parse_message(MULTI)
    item = Item.from_parsed(
        parsed,
        uidl="u1",
        attachments=[WithContent.of(a, content="eA==") for a in parsed.attachments],
    )
    dumped = item.model_dump(mode="json")
    assert dumped["uidl"] == "u1" and dumped["attachments"][1]["filename"] == "résumé.pdf"
    assert dumped["attachments"][1]["content"] == "eA=="
