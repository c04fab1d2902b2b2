from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Pop3RawItem")


@_attrs_define
class Pop3RawItem:
    """
    Attributes:
        number (int):
        raw (str): the RFC 5322 source (or header block), base64
        seen (bool):
        size (int):
        uidl (str):
    """

    number: int
    raw: str
    seen: bool
    size: int
    uidl: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        number = self.number

        raw = self.raw

        seen = self.seen

        size = self.size

        uidl = self.uidl

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "number": number,
                "raw": raw,
                "seen": seen,
                "size": size,
                "uidl": uidl,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        number = d.pop("number")

        raw = d.pop("raw")

        seen = d.pop("seen")

        size = d.pop("size")

        uidl = d.pop("uidl")

        pop_3_raw_item = cls(
            number=number,
            raw=raw,
            seen=seen,
            size=size,
            uidl=uidl,
        )

        pop_3_raw_item.additional_properties = d
        return pop_3_raw_item

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
