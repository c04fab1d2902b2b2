from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.mailbox_changes import MailboxChanges


T = TypeVar("T", bound="ChangesOut")


@_attrs_define
class ChangesOut:
    """Message ids by what happened to them after ``old_state``, coalesced per id (created
    then destroyed: not reported; destroyed then created: updated).

        Attributes:
            created (list[str]): Message ids
            destroyed (list[str]): Message ids (deleted, moved away, or their mailbox renamed, deleted or recreated)
            has_more (bool): More changes after new_state: ask again at once
            mailboxes (MailboxChanges):
            new_state (str): The position this page reaches: the `since` of the next request
            old_state (str):
            updated (list[str]): Message ids whose flags changed
    """

    created: list[str]
    destroyed: list[str]
    has_more: bool
    mailboxes: MailboxChanges
    new_state: str
    old_state: str
    updated: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created = self.created

        destroyed = self.destroyed

        has_more = self.has_more

        mailboxes = self.mailboxes.to_dict()

        new_state = self.new_state

        old_state = self.old_state

        updated = self.updated

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created": created,
                "destroyed": destroyed,
                "has_more": has_more,
                "mailboxes": mailboxes,
                "new_state": new_state,
                "old_state": old_state,
                "updated": updated,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.mailbox_changes import MailboxChanges  # noqa: PLC0415

        d = dict(src_dict)
        created = cast(list[str], d.pop("created"))

        destroyed = cast(list[str], d.pop("destroyed"))

        has_more = d.pop("has_more")

        mailboxes = MailboxChanges.from_dict(d.pop("mailboxes"))

        new_state = d.pop("new_state")

        old_state = d.pop("old_state")

        updated = cast(list[str], d.pop("updated"))

        changes_out = cls(
            created=created,
            destroyed=destroyed,
            has_more=has_more,
            mailboxes=mailboxes,
            new_state=new_state,
            old_state=old_state,
            updated=updated,
        )

        changes_out.additional_properties = d
        return changes_out

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
