from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DraftSaved")


@_attrs_define
class DraftSaved:
    """A draft as saved: a new version, with a new id.

    Attributes:
        id (str): The draft's id: the message id of this version. Every update saves a new version, with a new id
        message_id (str): The Message-ID of this version
        previous_id (None | str): The id of the version this update replaced (gone now); null for a new draft
    """

    id: str
    message_id: str
    previous_id: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        message_id = self.message_id

        previous_id: None | str
        previous_id = self.previous_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "message_id": message_id,
                "previous_id": previous_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        message_id = d.pop("message_id")

        def _parse_previous_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        previous_id = _parse_previous_id(d.pop("previous_id"))

        draft_saved = cls(
            id=id,
            message_id=message_id,
            previous_id=previous_id,
        )

        draft_saved.additional_properties = d
        return draft_saved

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
