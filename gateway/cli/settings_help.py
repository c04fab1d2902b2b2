"""The ``GATEWAY_*`` variables, written from the Settings model itself (so help never drifts)."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import annotated_types
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

_MIB = 1024 * 1024


def variable_name(model: type[BaseSettings], field: str) -> str:
    """``GATEWAY_`` + the field's name in upper case."""
    return f"{model.model_config.get('env_prefix', '')}{field}".upper()


def default_text(name: str, field: FieldInfo) -> str | None:
    """The default as it would be written in the environment; None when unset."""
    value: Any = field.get_default(call_default_factory=True)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int) and name.endswith("_bytes") and value % _MIB == 0:
        return f"{value} ({value // _MIB} MiB)"
    if isinstance(value, list | tuple):
        return json.dumps(list(value))  # how a list is written in the environment
    return str(value)


def bounds_text(field: FieldInfo) -> str | None:
    """The field's numeric limits in words (``1 to 32``, ``more than 0``), if any."""
    low = high = None
    for item in field.metadata:
        if isinstance(item, annotated_types.Ge):
            low = f"{_number(item.ge)}"
        elif isinstance(item, annotated_types.Gt):
            low = f"more than {_number(item.gt)}"
        elif isinstance(item, annotated_types.Le):
            high = f"{_number(item.le)}"
        elif isinstance(item, annotated_types.Lt):
            high = f"less than {_number(item.lt)}"
    if low is not None and high is not None:
        if low.startswith("more"):
            return f"{low}, at most {high}" if high[0].isdigit() else f"{low}, {high}"
        return f"{low} to {high}" if high[0].isdigit() else f"at least {low}, {high}"
    if low is not None:
        return low if low.startswith("more") else f"at least {low}"
    if high is not None:
        return f"at most {high}" if high[0].isdigit() else high
    return None


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def environment_help(model: type[BaseSettings], *, width: int = 100) -> str:
    """Every setting as ``VARIABLE=default`` and its description beneath, wrapped to ``width``."""
    lines = ["environment variables (defaults after =):"]
    for name, field in model.model_fields.items():
        default = default_text(name, field)
        var = variable_name(model, name)
        below: list[str] = []
        if default is None:
            lines.append(f"  {var}  (unset)")
        elif len(var) + len(default) + 3 <= width or not default.startswith("["):
            lines.append(f"  {var}={default}")
        else:  # a long list: after the description, one item a line (JSON when joined)
            items = [json.dumps(item) for item in json.loads(default)]
            lines.append(f"  {var}=<the list below>")
            below = [
                ("      [" if i == 0 else "       ") + item + ("]" if i == len(items) - 1 else ",")
                for i, item in enumerate(items)
            ]
        # Descriptions may quote names as Markdown code; help is plain text.
        text = (field.description or "").rstrip(".").replace("`", '"')
        bounds = bounds_text(field)
        if bounds:
            text = f"{text}; {bounds}"
        lines.extend(
            textwrap.wrap(
                text,
                width=max(40, width),
                initial_indent="      ",
                subsequent_indent="      ",
                break_on_hyphens=False,
            )
        )
        lines.extend(below)
    return "\n".join(lines)
