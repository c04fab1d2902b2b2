"""clients/ is what the pinned generators make of openapi/openapi.json (and that document is
the app's: tests/test_openapi.py), with every operation in both clients."""

from __future__ import annotations

import json
import re
import subprocess

from gateway.api.schemas.messages import DraftIn

from .conftest import ROOT

DOC = json.loads((ROOT / "openapi" / "openapi.json").read_text())
PYTHON = ROOT / "clients" / "python" / "mailgate_client"
TYPESCRIPT = ROOT / "clients" / "typescript" / "src"


def _operations() -> list[tuple[str, str, dict]]:
    return [
        (method, path, op) for path, item in DOC["paths"].items() for method, op in item.items()
    ]


def test_clients_are_generated_from_the_current_document(client_tools: None) -> None:
    """Both generators run again into a scratch directory: no warning (nothing skipped or
    left out) and the same files as clients/."""
    run = subprocess.run(
        ["bash", "scripts/clients.sh", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-6000:]


def test_operation_ids_are_the_route_names() -> None:
    """The clients' method names: the routes' function names (api/routing.GatewayRoute),
    one per operation."""
    ids = [op["operationId"] for _m, _p, op in _operations()]
    assert len(ids) == len(set(ids)), "two routes of one name: rename one"
    assert all(re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", i) and "_v1_" not in i for i in ids), (
        ids
    )
    assert DOC["paths"]["/v1/accounts/{account}/send/raw"]["post"]["operationId"] == "send_raw"


def test_every_operation_is_in_both_clients() -> None:
    sdk = (TYPESCRIPT / "sdk.gen.ts").read_text()
    exported = set(re.findall(r"^export const (\w+) = ", sdk, re.M))
    for method, path, op in _operations():
        name = op["operationId"]
        module = PYTHON / "api" / op["tags"][0] / f"{name}.py"
        assert "def sync_detailed(" in module.read_text(), (method, path)
        camel = re.sub(r"_(\w)", lambda m: m.group(1).upper(), name)
        assert camel in exported, (method, path, camel)


def test_message_sources_are_bytes_in_both_clients() -> None:
    """The operations that take or give a message source (message/rfc822) or an attachment
    (any type) have it as bytes: File in Python, Blob in TypeScript."""
    api = PYTHON / "api"
    assert "body: File," in (api / "sending" / "send_raw.py").read_text()
    assert (
        "body: AppendMessageJsonDraftIn | File | Unset"
        in (api / "messages" / "append_message.py").read_text()
    )
    for module in ("messages/get_raw.py", "messages/get_attachment.py", "pop3/get_pop3_raw.py"):
        assert (
            "response_200 = File(payload=BytesIO(response.content))" in (api / module).read_text()
        ), module
    types = (TYPESCRIPT / "types.gen.ts").read_text()
    assert re.search(r"export type SendRawData = \{\s+body: Blob \| File;", types)
    for name in ("GetRaw", "GetAttachment", "GetPop3Raw"):
        response = rf"export type {name}Responses = \{{(\s+/\*\*[^/]*\*/)?\s+200: Blob \| File;"
        assert re.search(response, types), name


def test_the_draft_schema_refers_to_the_same_address_model() -> None:
    """The append body's JSON draft refers to the AddressOut component (one class in the
    clients) instead of a copy: the component is exactly the draft model's own definition."""
    draft = DraftIn.model_json_schema(by_alias=True)["$defs"]["AddressOut"]
    # (The document leaves out null values, `"default": null` too: FastAPI's exclude_none.)
    assert DOC["components"]["schemas"]["AddressOut"] == _without_nulls(draft)
    body = DOC["paths"]["/v1/accounts/{account}/mailboxes/{mailbox}/messages"]["post"]
    assert "#/components/schemas/AddressOut" in json.dumps(body["requestBody"])


def _without_nulls(node: object) -> object:
    if isinstance(node, dict):
        return {k: _without_nulls(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [_without_nulls(v) for v in node]
    return node
