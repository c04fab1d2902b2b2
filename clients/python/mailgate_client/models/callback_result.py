from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CallbackResult")


@_attrs_define
class CallbackResult:
    """
    Attributes:
        account (str):
        created (bool):
        email (str):
        status (Literal['connected']):
    """

    account: str
    created: bool
    email: str
    status: Literal["connected"]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        account = self.account

        created = self.created

        email = self.email

        status = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account": account,
                "created": created,
                "email": email,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        account = d.pop("account")

        created = d.pop("created")

        email = d.pop("email")

        status = cast(Literal["connected"], d.pop("status"))
        if status != "connected":
            raise ValueError(f"status must match const 'connected', got '{status}'")

        callback_result = cls(
            account=account,
            created=created,
            email=email,
            status=status,
        )

        callback_result.additional_properties = d
        return callback_result

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
