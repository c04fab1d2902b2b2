from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="MailboxOut")


@_attrs_define
class MailboxOut:
    """
    Attributes:
        delimiter (None | str):
        flags (list[str]):
        id (str): Opaque id for URLs; 'INBOX' is also accepted
        name (str): The last part of the path
        path (str):
        special_use (None | str): RFC 6154: \\Sent, \\Trash, \\Drafts, ...
        subscribed (bool):
        total (int | None):
        uidnext (int | None):
        uidvalidity (int | None):
        unseen (int | None):
    """

    delimiter: None | str
    flags: list[str]
    id: str
    name: str
    path: str
    special_use: None | str
    subscribed: bool
    total: int | None
    uidnext: int | None
    uidvalidity: int | None
    unseen: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        delimiter: None | str
        delimiter = self.delimiter

        flags = self.flags

        id = self.id

        name = self.name

        path = self.path

        special_use: None | str
        special_use = self.special_use

        subscribed = self.subscribed

        total: int | None
        total = self.total

        uidnext: int | None
        uidnext = self.uidnext

        uidvalidity: int | None
        uidvalidity = self.uidvalidity

        unseen: int | None
        unseen = self.unseen

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "delimiter": delimiter,
                "flags": flags,
                "id": id,
                "name": name,
                "path": path,
                "special_use": special_use,
                "subscribed": subscribed,
                "total": total,
                "uidnext": uidnext,
                "uidvalidity": uidvalidity,
                "unseen": unseen,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_delimiter(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        delimiter = _parse_delimiter(d.pop("delimiter"))

        flags = cast(list[str], d.pop("flags"))

        id = d.pop("id")

        name = d.pop("name")

        path = d.pop("path")

        def _parse_special_use(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        special_use = _parse_special_use(d.pop("special_use"))

        subscribed = d.pop("subscribed")

        def _parse_total(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        total = _parse_total(d.pop("total"))

        def _parse_uidnext(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        uidnext = _parse_uidnext(d.pop("uidnext"))

        def _parse_uidvalidity(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        uidvalidity = _parse_uidvalidity(d.pop("uidvalidity"))

        def _parse_unseen(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        unseen = _parse_unseen(d.pop("unseen"))

        mailbox_out = cls(
            delimiter=delimiter,
            flags=flags,
            id=id,
            name=name,
            path=path,
            special_use=special_use,
            subscribed=subscribed,
            total=total,
            uidnext=uidnext,
            uidvalidity=uidvalidity,
            unseen=unseen,
        )

        mailbox_out.additional_properties = d
        return mailbox_out

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
