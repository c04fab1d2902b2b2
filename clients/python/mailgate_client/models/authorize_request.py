from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="AuthorizeRequest")


@_attrs_define
class AuthorizeRequest:
    """
    Attributes:
        account (str): The account to connect: created at the callback, or updated (re-consent)
        login_hint (None | str | Unset):
    """

    account: str
    login_hint: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        account = self.account

        login_hint: None | str | Unset
        if isinstance(self.login_hint, Unset):
            login_hint = UNSET
        else:
            login_hint = self.login_hint

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "account": account,
            }
        )
        if login_hint is not UNSET:
            field_dict["login_hint"] = login_hint

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        account = d.pop("account")

        def _parse_login_hint(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        login_hint = _parse_login_hint(d.pop("login_hint", UNSET))

        authorize_request = cls(
            account=account,
            login_hint=login_hint,
        )

        return authorize_request
