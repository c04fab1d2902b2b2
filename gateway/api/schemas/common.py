"""Shapes shared by every resource."""

from __future__ import annotations

import re
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")

# What ``str.strip()`` removes (``str.isspace``), spelled out for JSON Schema regexes.
_SPACE = r"[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"


def comma_list_pattern(item: str) -> str:
    """A JSON Schema pattern for ``item, item,...`` as the routes split it: on commas, each
    part stripped, empty parts skipped. ``item`` is a regex without anchors."""
    part = f"{_SPACE}*(?:(?:{item}){_SPACE}*)?"
    return f"^{part}(?:,{part})*$"


def one_of_pattern(values: tuple[str, ...]) -> str:
    """A JSON Schema pattern for exactly one of ``values``, without anchors."""
    return "|".join(re.escape(v) for v in values)


class StrictModel(BaseModel):
    """Request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
    total: int | None = None
