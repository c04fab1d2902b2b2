from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.source_out_source import SourceOutSource

T = TypeVar("T", bound="SourceOut")


@_attrs_define
class SourceOut:
    """
    Attributes:
        detail (str): what it gave, or why nothing
        ok (bool): whether this source gave a proposal
        origin (str):
        source (SourceOutSource):
    """

    detail: str
    ok: bool
    origin: str
    source: SourceOutSource
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        detail = self.detail

        ok = self.ok

        origin = self.origin

        source = self.source.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "detail": detail,
                "ok": ok,
                "origin": origin,
                "source": source,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        detail = d.pop("detail")

        ok = d.pop("ok")

        origin = d.pop("origin")

        source = SourceOutSource(d.pop("source"))

        source_out = cls(
            detail=detail,
            ok=ok,
            origin=origin,
            source=source,
        )

        source_out.additional_properties = d
        return source_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
