from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.token_out_scopes_item import TokenOutScopesItem

T = TypeVar("T", bound="TokenOut")


@_attrs_define
class TokenOut:
    """
    Attributes:
        accounts (list[str] | None):
        created_at (datetime.datetime):
        description (str):
        id (str):
        last_used_at (datetime.datetime | None):
        prefix (str):
        scopes (list[TokenOutScopesItem]):
    """

    accounts: list[str] | None
    created_at: datetime.datetime
    description: str
    id: str
    last_used_at: datetime.datetime | None
    prefix: str
    scopes: list[TokenOutScopesItem]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        accounts: list[str] | None
        if isinstance(self.accounts, list):
            accounts = self.accounts

        else:
            accounts = self.accounts

        created_at = self.created_at.isoformat()

        description = self.description

        id = self.id

        last_used_at: None | str
        if isinstance(self.last_used_at, datetime.datetime):
            last_used_at = self.last_used_at.isoformat()
        else:
            last_used_at = self.last_used_at

        prefix = self.prefix

        scopes = []
        for scopes_item_data in self.scopes:
            scopes_item = scopes_item_data.value
            scopes.append(scopes_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "accounts": accounts,
                "created_at": created_at,
                "description": description,
                "id": id,
                "last_used_at": last_used_at,
                "prefix": prefix,
                "scopes": scopes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_accounts(data: object) -> list[str] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                accounts_type_0 = cast(list[str], data)

                return accounts_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None, data)

        accounts = _parse_accounts(d.pop("accounts"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        description = d.pop("description")

        id = d.pop("id")

        def _parse_last_used_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_used_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_used_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_used_at = _parse_last_used_at(d.pop("last_used_at"))

        prefix = d.pop("prefix")

        scopes = []
        _scopes = d.pop("scopes")
        for scopes_item_data in _scopes:
            scopes_item = TokenOutScopesItem(scopes_item_data)

            scopes.append(scopes_item)

        token_out = cls(
            accounts=accounts,
            created_at=created_at,
            description=description,
            id=id,
            last_used_at=last_used_at,
            prefix=prefix,
            scopes=scopes,
        )

        token_out.additional_properties = d
        return token_out

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
