from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="MailboxCreate")


@_attrs_define
class MailboxCreate:
    """
    Attributes:
        path (str): Full path, hierarchy parts joined by the server's delimiter (e.g. 'Work/2024')
    """

    path: str

    def to_dict(self) -> dict[str, Any]:
        path = self.path

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "path": path,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        path = d.pop("path")

        mailbox_create = cls(
            path=path,
        )

        return mailbox_create
