from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.message_summary import MessageSummary


T = TypeVar("T", bound="ThreadOut")


@_attrs_define
class ThreadOut:
    """A thread's messages across the account's mailboxes.

    Attributes:
        id (str): The thread id (it may differ from the one asked for when the thread was joined to an older one
            meanwhile)
        items (list[MessageSummary]):
        total (int): How many messages of the thread were found (items holds at most limit of them)
    """

    id: str
    items: list[MessageSummary]
    total: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        total = self.total

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "items": items,
                "total": total,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.message_summary import MessageSummary  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = MessageSummary.from_dict(items_item_data)

            items.append(items_item)

        total = d.pop("total")

        thread_out = cls(
            id=id,
            items=items,
            total=total,
        )

        thread_out.additional_properties = d
        return thread_out

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
