from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="MailboxTarget")


@_attrs_define
class MailboxTarget:
    """
    Attributes:
        mailbox (str): A mailbox: its `id` from the mailbox list, `INBOX`, or its path as the list shows it (`Sent`,
            `Archive`; URL-encoded in a URL). A string that is a mailbox id is taken as that id; write `path:` before a path
            to have it taken as a path whatever it looks like (`path:Sent`)
    """

    mailbox: str

    def to_dict(self) -> dict[str, Any]:
        mailbox = self.mailbox

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "mailbox": mailbox,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        mailbox = d.pop("mailbox")

        mailbox_target = cls(
            mailbox=mailbox,
        )

        return mailbox_target
