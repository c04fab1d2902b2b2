from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.token_create_scopes_item import TokenCreateScopesItem
from ..types import UNSET, Unset

T = TypeVar("T", bound="TokenCreate")


@_attrs_define
class TokenCreate:
    """
    Attributes:
        scopes (list[TokenCreateScopesItem]):
        accounts (list[str] | None | Unset):
        description (str | Unset):  Default: ''.
    """

    scopes: list[TokenCreateScopesItem]
    accounts: list[str] | None | Unset = UNSET
    description: str | Unset = ""

    def to_dict(self) -> dict[str, Any]:
        scopes = []
        for scopes_item_data in self.scopes:
            scopes_item = scopes_item_data.value
            scopes.append(scopes_item)

        accounts: list[str] | None | Unset
        if isinstance(self.accounts, Unset):
            accounts = UNSET
        elif isinstance(self.accounts, list):
            accounts = self.accounts

        else:
            accounts = self.accounts

        description = self.description

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "scopes": scopes,
            }
        )
        if accounts is not UNSET:
            field_dict["accounts"] = accounts
        if description is not UNSET:
            field_dict["description"] = description

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        scopes = []
        _scopes = d.pop("scopes")
        for scopes_item_data in _scopes:
            scopes_item = TokenCreateScopesItem(scopes_item_data)

            scopes.append(scopes_item)

        def _parse_accounts(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                accounts_type_0 = cast(list[str], data)

                return accounts_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        accounts = _parse_accounts(d.pop("accounts", UNSET))

        description = d.pop("description", UNSET)

        token_create = cls(
            scopes=scopes,
            accounts=accounts,
            description=description,
        )

        return token_create
