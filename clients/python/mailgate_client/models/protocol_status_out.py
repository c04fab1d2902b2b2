from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.conn_state import ConnState

T = TypeVar("T", bound="ProtocolStatusOut")


@_attrs_define
class ProtocolStatusOut:
    """
    Attributes:
        last_error (None | str):
        since (datetime.datetime):
        state (ConnState):
    """

    last_error: None | str
    since: datetime.datetime
    state: ConnState
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        last_error: None | str
        last_error = self.last_error

        since = self.since.isoformat()

        state = self.state.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "last_error": last_error,
                "since": since,
                "state": state,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_last_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_error = _parse_last_error(d.pop("last_error"))

        since = datetime.datetime.fromisoformat(d.pop("since"))

        state = ConnState(d.pop("state"))

        protocol_status_out = cls(
            last_error=last_error,
            since=since,
            state=state,
        )

        protocol_status_out.additional_properties = d
        return protocol_status_out

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
