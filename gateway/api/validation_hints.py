"""What a request should have held where it was refused: ``expected`` hints for 422s.

pydantic says what is wrong ("Input should be a valid dictionary"); a caller also needs to
know what is right. The hint comes from the operation's own schema in the OpenAPI document
(the contract the caller reads), never from the request: nothing here quotes a value the
caller sent. Pure functions over the document, unit-tested without a server.

    expected_hint(doc, "patch", "/v1/accounts/{account}/messages/{message}",
                  "application/json", ("body", "flags"), "model_attributes_type")
    -> 'an object like {"add": ["\\\\Seen"]} (fields: add, remove, set)'
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from typing import Any

Schema = dict[str, Any]
_MAX_DEPTH = 3
_MAX_FIELDS = 12
# pydantic's names of scalar union members in a location, and the JSON type each is
_SCALAR_TAGS = {
    "str": "string",
    "constrained-str": "string",
    "int": "integer",
    "constrained-int": "integer",
    "bool": "boolean",
    "float": "number",
}
_OBJECT_ERRORS = {"model_attributes_type", "model_type", "dict_type"}
_FORMAT_EXAMPLES = {
    "email": "alice@example.com",
    "date-time": "2025-01-31T09:00:00Z",
    "date": "2025-01-31",
    "uri": "https://example.com/",
    "binary": "...",
    "byte": "aGVsbG8=",
}


def expected_hint(
    doc: dict[str, Any],
    method: str,
    path: str,
    content_type: str | None,
    loc: Sequence[Any],
    error_type: str,
) -> str | None:
    """What was expected at ``loc`` (pydantic's location: ``("body", "flags")``,
    ``("query", "limit")``) of the operation ``method path``; None when the document does
    not say."""
    operation = doc.get("paths", {}).get(path, {}).get(method.lower())
    if not isinstance(operation, dict) or not loc:
        return None
    where, steps = loc[0], list(loc[1:])
    if where == "body":
        if error_type == "json_invalid":
            return "a JSON document (it does not parse at the character this error names)"
        root = _body_schema(operation)
        if root is None:
            return None
        if not steps and error_type in _OBJECT_ERRORS and not _is_json(content_type):
            return (
                "a JSON object, sent with the header 'Content-Type: application/json': "
                + describe(doc, root)
            )
    elif where in ("query", "path", "header"):
        if not steps:
            return None
        root = _parameter_schema(operation, where, steps.pop(0))
        if root is None:
            return None
    else:
        return None
    if error_type == "extra_forbidden" and steps:
        parent = schema_at(doc, root, steps[:-1])
        return None if parent is None else _unknown_field_hint(doc, parent, steps[-1])
    found = schema_at(doc, root, steps)
    return None if found is None else describe(doc, found)


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _body_schema(operation: dict[str, Any]) -> Schema | None:
    content = operation.get("requestBody", {}).get("content", {})
    media = content.get("application/json")
    return media.get("schema") if isinstance(media, dict) else None


def _parameter_schema(operation: dict[str, Any], where: str, name: Any) -> Schema | None:
    for parameter in operation.get("parameters", ()):
        if parameter.get("in") == where and parameter.get("name", "").lower() == str(
            name
        ).lower().replace("_", "-" if where == "header" else "_"):
            return parameter.get("schema")
    return None


def resolve(doc: dict[str, Any], schema: Schema) -> Schema:
    """``schema`` with its ``$ref`` (to ``#/components/schemas/...``) followed."""
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 20:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        schema = doc.get("components", {}).get("schemas", {}).get(name, {})
        seen += 1
    return schema if isinstance(schema, dict) else {}


def _branches(doc: dict[str, Any], schema: Schema) -> list[Schema]:
    """The alternatives of a union, null left out; ``[schema]`` for anything else."""
    schema = resolve(doc, schema)
    options = schema.get("anyOf") or schema.get("oneOf")
    if not options:
        return [schema]
    out = []
    for option in options:
        out += [b for b in _branches(doc, option) if b.get("type") != "null"]
    return out


def schema_at(doc: dict[str, Any], schema: Schema, steps: Sequence[Any]) -> Schema | None:
    """The sub-schema at pydantic's location ``steps`` below ``schema``. pydantic puts the
    name of a union's member into the location (``AddressIn``, ``constrained-str``): such a
    step picks the member of that title, or is passed over."""
    current = resolve(doc, schema)
    for step in steps:
        branches = _branches(doc, current)
        nxt = None
        for branch in branches:
            nxt = _child(doc, branch, step)
            if nxt is not None:
                break
        if nxt is None and isinstance(step, str):
            titled = [
                b
                for b in branches
                if b.get("title") == step
                or (step in _SCALAR_TAGS and b.get("type") == _SCALAR_TAGS[step])
            ]
            if titled:
                nxt = titled[0]
            elif len(branches) > 1 or not _has_children(branches[0]):
                continue  # a union member's tag: the location goes on inside it
        if nxt is None:
            return None
        current = resolve(doc, nxt)
    return current


def _has_children(schema: Schema) -> bool:
    return any(k in schema for k in ("properties", "additionalProperties", "items"))


def _child(doc: dict[str, Any], schema: Schema, step: Any) -> Schema | None:
    schema = resolve(doc, schema)
    if isinstance(step, int):
        items = schema.get("items")
        return items if isinstance(items, dict) else None
    properties = schema.get("properties", {})
    if step in properties:
        return properties[step]
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and schema.get("type") == "object" and not properties:
        return extra
    return None


def _unknown_field_hint(doc: dict[str, Any], parent: Schema, key: Any) -> str | None:
    """For a field the schema does not have: the fields it has, and the likely one meant
    (a close spelling, or the field whose value ``key`` is: ``"queue"`` -> ``"mode": "queue"``)."""
    for branch in _branches(doc, parent):
        fields = list(branch.get("properties", {}))
        if not fields:
            continue
        hint = ("the field " if len(fields) == 1 else "one of the fields ") + ", ".join(
            fields[:_MAX_FIELDS]
        )
        if len(fields) > _MAX_FIELDS:
            hint += ", ..."
        guess = _guess(doc, branch, str(key))
        return hint + (f" (did you mean {guess}?)" if guess else "")
    return None


def _guess(doc: dict[str, Any], schema: Schema, key: str) -> str | None:
    properties = schema.get("properties", {})
    for name, sub in properties.items():
        for branch in _branches(doc, sub):
            values = branch.get("enum") or ([branch["const"]] if "const" in branch else [])
            if key in values:
                return f"{json.dumps(name)}: {json.dumps(key)}"
    close = difflib.get_close_matches(key, list(properties), n=1, cutoff=0.6)
    return json.dumps(close[0]) if close else None


def describe(doc: dict[str, Any], schema: Schema) -> str:
    """A short phrase for what ``schema`` takes: ``an integer from 1 to 500``,
    ``one of "sync", "queue"``, ``an object like {...} (fields: ...)``."""
    branches = _branches(doc, schema)
    phrases = list(dict.fromkeys(_describe_one(doc, b) for b in branches[:3]))
    return " or ".join(phrases) if phrases else "a value"


def _describe_one(doc: dict[str, Any], schema: Schema) -> str:
    schema = resolve(doc, schema)
    values = schema.get("enum") or ([schema["const"]] if "const" in schema else None)
    if values:
        return "one of " + ", ".join(json.dumps(v) for v in values[:10])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        fields = list(schema.get("properties", {}))
        like = "an object like " + _dumps(example(doc, schema))
        if fields:
            shown = ", ".join(fields[:_MAX_FIELDS]) + (", ..." if len(fields) > _MAX_FIELDS else "")
            like += f" (fields: {shown})"
        return like
    if kind == "array":
        phrase = "a list like " + _dumps(example(doc, schema))
        if "maxItems" in schema:
            phrase += f" (at most {schema['maxItems']} items)"
        return phrase
    if kind in ("integer", "number"):
        noun = "an integer" if kind == "integer" else "a number"
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        if low is not None and high is not None:
            return f"{noun} from {low} to {high}"
        if low is not None:
            return f"{noun} of at least {low}"
        if high is not None:
            return f"{noun} of at most {high}"
        return noun
    if kind == "boolean":
        return "true or false (a JSON boolean)"
    if kind == "string":
        phrase = "a string"
        sample = _string_example(schema)
        if sample != "...":
            phrase += " like " + _dumps(sample)
        if "maxLength" in schema:
            phrase += f" of at most {schema['maxLength']} characters"
        return phrase
    return "a value"


def example(doc: dict[str, Any], schema: Schema, depth: int = 0) -> Any:
    """A small example value of ``schema``: its own examples where it has some, else the
    required fields (or the first one) with examples of their own."""
    branches = _branches(doc, schema)
    schema = branches[0] if branches else {}
    if "examples" in schema and schema["examples"]:
        return schema["examples"][0]
    if "example" in schema:
        return schema["example"]
    values = schema.get("enum") or ([schema["const"]] if "const" in schema else None)
    if values:
        return values[0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth >= _MAX_DEPTH:
            return {}
        properties = schema.get("properties", {})
        names = [n for n in schema.get("required", ()) if n in properties] or list(properties)[:1]
        if not properties and isinstance(schema.get("additionalProperties"), dict):
            return {"name": example(doc, schema["additionalProperties"], depth + 1)}
        return {n: example(doc, properties[n], depth + 1) for n in names}
    if kind == "array":
        items = schema.get("items")
        return (
            [example(doc, items, depth + 1)]
            if isinstance(items, dict) and depth < _MAX_DEPTH
            else []
        )
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return schema.get("minimum", 1.0)
    if kind == "boolean":
        return True
    if kind == "string":
        return _string_example(schema)
    return None


def _string_example(schema: Schema) -> str:
    if schema.get("examples"):
        return str(schema["examples"][0])
    return _FORMAT_EXAMPLES.get(schema.get("format", ""), "...")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
