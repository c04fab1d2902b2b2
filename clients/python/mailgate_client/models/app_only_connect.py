from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="AppOnlyConnect")


@_attrs_define
class AppOnlyConnect:
    """A mailbox the app opens with its own credentials (client credentials grant), without
    anyone's consent: Microsoft 365 shared mailboxes (the app needs the application
    permissions IMAP.AccessAsApp, POP.AccessAsApp, SMTP.SendAsApp and, in Exchange, a
    mailbox permission: ``Add-MailboxPermission``).

        Attributes:
            account (str): The account to connect: created, or updated when it has this address
            mailbox (str): The mailbox's address: the login user of every server block
            name (None | str | Unset): A new account's name (default: the mailbox)
            scope (None | str | Unset): Default: microsoft `https://outlook.office365.com/.default`; generic: the app's
                scopes
    """

    account: str
    mailbox: str
    name: None | str | Unset = UNSET
    scope: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        account = self.account

        mailbox = self.mailbox

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        scope: None | str | Unset
        if isinstance(self.scope, Unset):
            scope = UNSET
        else:
            scope = self.scope

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "account": account,
                "mailbox": mailbox,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name
        if scope is not UNSET:
            field_dict["scope"] = scope

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        account = d.pop("account")

        mailbox = d.pop("mailbox")

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_scope(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        scope = _parse_scope(d.pop("scope", UNSET))

        app_only_connect = cls(
            account=account,
            mailbox=mailbox,
            name=name,
            scope=scope,
        )

        return app_only_connect
