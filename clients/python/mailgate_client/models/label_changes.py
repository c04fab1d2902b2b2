from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="LabelChanges")


@_attrs_define
class LabelChanges:
    """Gmail only (X-GM-EXT-1): labels to add and remove, or the whole set.

    Attributes:
        add (list[str] | Unset):
        remove (list[str] | Unset):
        set_ (list[str] | None | Unset): Replace all labels (then add/remove apply)
    """

    add: list[str] | Unset = UNSET
    remove: list[str] | Unset = UNSET
    set_: list[str] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        add: list[str] | Unset = UNSET
        if not isinstance(self.add, Unset):
            add = self.add

        remove: list[str] | Unset = UNSET
        if not isinstance(self.remove, Unset):
            remove = self.remove

        set_: list[str] | None | Unset
        if isinstance(self.set_, Unset):
            set_ = UNSET
        elif isinstance(self.set_, list):
            set_ = self.set_

        else:
            set_ = self.set_

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if add is not UNSET:
            field_dict["add"] = add
        if remove is not UNSET:
            field_dict["remove"] = remove
        if set_ is not UNSET:
            field_dict["set"] = set_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        add = cast(list[str], d.pop("add", UNSET))

        remove = cast(list[str], d.pop("remove", UNSET))

        def _parse_set_(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                set_type_0 = cast(list[str], data)

                return set_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        set_ = _parse_set_(d.pop("set", UNSET))

        label_changes = cls(
            add=add,
            remove=remove,
            set_=set_,
        )

        return label_changes
