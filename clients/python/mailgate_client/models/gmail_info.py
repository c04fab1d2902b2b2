from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="GmailInfo")


@_attrs_define
class GmailInfo:
    """Gmail's own data on a message, from its IMAP extensions (X-GM-EXT-1). Present on
    accounts whose IMAP server offers X-GM-EXT-1 (Gmail, Google Workspace); null elsewhere.

        Attributes:
            labels (list[str]): X-GM-LABELS: the message's Gmail labels now. System labels start with a backslash (\\Inbox,
                \\Important, \\Sent, \\Starred, \\Draft); user labels are their names (nested ones with '/'). Gmail may leave
                out the label of the mailbox being read; '[Gmail]/All Mail' shows them all.
            message_id (None | str): X-GM-MSGID: Gmail's id of the message, the same in every mailbox and label, in decimal
            message_id_hex (None | str): message_id in hexadecimal (Gmail API)
            thread_id (None | str): X-GM-THRID: Gmail's thread id, a 64-bit number in decimal (a string: JavaScript numbers
                cannot hold every 64-bit value)
            thread_id_hex (None | str): thread_id as the Gmail API and web interface write it (hexadecimal)
    """

    labels: list[str]
    message_id: None | str
    message_id_hex: None | str
    thread_id: None | str
    thread_id_hex: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        labels = self.labels

        message_id: None | str
        message_id = self.message_id

        message_id_hex: None | str
        message_id_hex = self.message_id_hex

        thread_id: None | str
        thread_id = self.thread_id

        thread_id_hex: None | str
        thread_id_hex = self.thread_id_hex

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "labels": labels,
                "message_id": message_id,
                "message_id_hex": message_id_hex,
                "thread_id": thread_id,
                "thread_id_hex": thread_id_hex,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        labels = cast(list[str], d.pop("labels"))

        def _parse_message_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        message_id = _parse_message_id(d.pop("message_id"))

        def _parse_message_id_hex(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        message_id_hex = _parse_message_id_hex(d.pop("message_id_hex"))

        def _parse_thread_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        thread_id = _parse_thread_id(d.pop("thread_id"))

        def _parse_thread_id_hex(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        thread_id_hex = _parse_thread_id_hex(d.pop("thread_id_hex"))

        gmail_info = cls(
            labels=labels,
            message_id=message_id,
            message_id_hex=message_id_hex,
            thread_id=thread_id,
            thread_id_hex=thread_id_hex,
        )

        gmail_info.additional_properties = d
        return gmail_info

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
