from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="BounceOut")


@_attrs_define
class BounceOut:
    """One recipient of a delivery status notification (RFC 3464).

    Attributes:
        action (str): failed, delayed, delivered, relayed or expanded
        diagnostic (None | str): The reporting server's words, e.g. the remote server's SMTP reply
        recipient (str):
        status (None | str): RFC 3463 enhanced status code
    """

    action: str
    diagnostic: None | str
    recipient: str
    status: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action

        diagnostic: None | str
        diagnostic = self.diagnostic

        recipient = self.recipient

        status: None | str
        status = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "diagnostic": diagnostic,
                "recipient": recipient,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        action = d.pop("action")

        def _parse_diagnostic(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        diagnostic = _parse_diagnostic(d.pop("diagnostic"))

        recipient = d.pop("recipient")

        def _parse_status(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        status = _parse_status(d.pop("status"))

        bounce_out = cls(
            action=action,
            diagnostic=diagnostic,
            recipient=recipient,
            status=status,
        )

        bounce_out.additional_properties = d
        return bounce_out

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
