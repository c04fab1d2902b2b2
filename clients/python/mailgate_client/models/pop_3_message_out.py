from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Pop3MessageOut")


@_attrs_define
class Pop3MessageOut:
    """
    Attributes:
        number (int): message number in this session (changes between sessions)
        seen (bool): already retrieved through this gateway
        size (int):
        uidl (str):
    """

    number: int
    seen: bool
    size: int
    uidl: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        number = self.number

        seen = self.seen

        size = self.size

        uidl = self.uidl

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "number": number,
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

        seen = d.pop("seen")

        size = d.pop("size")

        uidl = d.pop("uidl")

        pop_3_message_out = cls(
            number=number,
            seen=seen,
            size=size,
            uidl=uidl,
        )

        pop_3_message_out.additional_properties = d
        return pop_3_message_out

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
