from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.delivery_attempt import DeliveryAttempt


T = TypeVar("T", bound="DeliveryOut")


@_attrs_define
class DeliveryOut:
    """
    Attributes:
        attempts (int):
        created_at (datetime.datetime):
        error (None | str): Of the last attempt
        event_id (str):
        event_type (None | str):
        history (list[DeliveryAttempt]):
        id (str):
        latency_ms (float | None): Of the last attempt
        next_attempt_at (datetime.datetime | None):
        status (str): pending | delivered | failed
        status_code (int | None): Of the last attempt
        webhook_id (str):
    """

    attempts: int
    created_at: datetime.datetime
    error: None | str
    event_id: str
    event_type: None | str
    history: list[DeliveryAttempt]
    id: str
    latency_ms: float | None
    next_attempt_at: datetime.datetime | None
    status: str
    status_code: int | None
    webhook_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempts = self.attempts

        created_at = self.created_at.isoformat()

        error: None | str
        error = self.error

        event_id = self.event_id

        event_type: None | str
        event_type = self.event_type

        history = []
        for history_item_data in self.history:
            history_item = history_item_data.to_dict()
            history.append(history_item)

        id = self.id

        latency_ms: float | None
        latency_ms = self.latency_ms

        next_attempt_at: None | str
        if isinstance(self.next_attempt_at, datetime.datetime):
            next_attempt_at = self.next_attempt_at.isoformat()
        else:
            next_attempt_at = self.next_attempt_at

        status = self.status

        status_code: int | None
        status_code = self.status_code

        webhook_id = self.webhook_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts": attempts,
                "created_at": created_at,
                "error": error,
                "event_id": event_id,
                "event_type": event_type,
                "history": history,
                "id": id,
                "latency_ms": latency_ms,
                "next_attempt_at": next_attempt_at,
                "status": status,
                "status_code": status_code,
                "webhook_id": webhook_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.delivery_attempt import DeliveryAttempt  # noqa: PLC0415

        d = dict(src_dict)
        attempts = d.pop("attempts")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        event_id = d.pop("event_id")

        def _parse_event_type(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        event_type = _parse_event_type(d.pop("event_type"))

        history = []
        _history = d.pop("history")
        for history_item_data in _history:
            history_item = DeliveryAttempt.from_dict(history_item_data)

            history.append(history_item)

        id = d.pop("id")

        def _parse_latency_ms(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        latency_ms = _parse_latency_ms(d.pop("latency_ms"))

        def _parse_next_attempt_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_attempt_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at"))

        status = d.pop("status")

        def _parse_status_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        status_code = _parse_status_code(d.pop("status_code"))

        webhook_id = d.pop("webhook_id")

        delivery_out = cls(
            attempts=attempts,
            created_at=created_at,
            error=error,
            event_id=event_id,
            event_type=event_type,
            history=history,
            id=id,
            latency_ms=latency_ms,
            next_attempt_at=next_attempt_at,
            status=status,
            status_code=status_code,
            webhook_id=webhook_id,
        )

        delivery_out.additional_properties = d
        return delivery_out

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
