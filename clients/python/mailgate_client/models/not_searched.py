from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="NotSearched")


@_attrs_define
class NotSearched:
    """What this page did not search, and why.

    Attributes:
        account (str):
        code (str): Why: the account's error code (imap_unavailable, auth_failed, upstream_timeout,
            protocol_not_configured, ...), search_time_budget (not searched in time) or search_mailbox_cap (over the
            mailboxes one search looks in)
        detail (str):
        mailbox (None | str): The mailbox id; null: the whole account
    """

    account: str
    code: str
    detail: str
    mailbox: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        account = self.account

        code = self.code

        detail = self.detail

        mailbox: None | str
        mailbox = self.mailbox

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account": account,
                "code": code,
                "detail": detail,
                "mailbox": mailbox,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        account = d.pop("account")

        code = d.pop("code")

        detail = d.pop("detail")

        def _parse_mailbox(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        mailbox = _parse_mailbox(d.pop("mailbox"))

        not_searched = cls(
            account=account,
            code=code,
            detail=detail,
            mailbox=mailbox,
        )

        not_searched.additional_properties = d
        return not_searched

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
