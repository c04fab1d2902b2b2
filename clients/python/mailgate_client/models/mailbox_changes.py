from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="MailboxChanges")


@_attrs_define
class MailboxChanges:
    """
    Attributes:
        created (list[str]): Mailbox ids
        destroyed (list[str]): Mailbox ids
        updated (list[str]): Mailbox ids whose listing entry changed (counters, flags, subscription)
    """

    created: list[str]
    destroyed: list[str]
    updated: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created = self.created

        destroyed = self.destroyed

        updated = self.updated

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created": created,
                "destroyed": destroyed,
                "updated": updated,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created = cast(list[str], d.pop("created"))

        destroyed = cast(list[str], d.pop("destroyed"))

        updated = cast(list[str], d.pop("updated"))

        mailbox_changes = cls(
            created=created,
            destroyed=destroyed,
            updated=updated,
        )

        mailbox_changes.additional_properties = d
        return mailbox_changes

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
