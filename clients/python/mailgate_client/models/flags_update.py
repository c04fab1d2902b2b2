from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.flag_changes import FlagChanges


T = TypeVar("T", bound="FlagsUpdate")


@_attrs_define
class FlagsUpdate:
    """
    Attributes:
        flags (FlagChanges):
    """

    flags: FlagChanges

    def to_dict(self) -> dict[str, Any]:
        flags = self.flags.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "flags": flags,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.flag_changes import FlagChanges  # noqa: PLC0415

        d = dict(src_dict)
        flags = FlagChanges.from_dict(d.pop("flags"))

        flags_update = cls(
            flags=flags,
        )

        return flags_update
