from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.outbox_item_status import OutboxItemStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.outbox_attempt import OutboxAttempt
    from ..models.rejected_recipient import RejectedRecipient


T = TypeVar("T", bound="OutboxItem")


@_attrs_define
class OutboxItem:
    """
    Attributes:
        account (str):
        attempts (int):
        created_at (datetime.datetime):
        last_error (None | str):
        mail_from (str):
        message_id (str):
        next_attempt_at (datetime.datetime | None):
        queue_id (str):
        rcpt_to (list[str]):
        smtp_response (None | str):
        status (OutboxItemStatus):
        updated_at (datetime.datetime):
        accepted (list[str] | None | Unset):
        history (list[OutboxAttempt] | Unset):
        rejected (list[RejectedRecipient] | None | Unset):
    """

    account: str
    attempts: int
    created_at: datetime.datetime
    last_error: None | str
    mail_from: str
    message_id: str
    next_attempt_at: datetime.datetime | None
    queue_id: str
    rcpt_to: list[str]
    smtp_response: None | str
    status: OutboxItemStatus
    updated_at: datetime.datetime
    accepted: list[str] | None | Unset = UNSET
    history: list[OutboxAttempt] | Unset = UNSET
    rejected: list[RejectedRecipient] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        account = self.account

        attempts = self.attempts

        created_at = self.created_at.isoformat()

        last_error: None | str
        last_error = self.last_error

        mail_from = self.mail_from

        message_id = self.message_id

        next_attempt_at: None | str
        if isinstance(self.next_attempt_at, datetime.datetime):
            next_attempt_at = self.next_attempt_at.isoformat()
        else:
            next_attempt_at = self.next_attempt_at

        queue_id = self.queue_id

        rcpt_to = self.rcpt_to

        smtp_response: None | str
        smtp_response = self.smtp_response

        status = self.status.value

        updated_at = self.updated_at.isoformat()

        accepted: list[str] | None | Unset
        if isinstance(self.accepted, Unset):
            accepted = UNSET
        elif isinstance(self.accepted, list):
            accepted = self.accepted

        else:
            accepted = self.accepted

        history: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.history, Unset):
            history = []
            for history_item_data in self.history:
                history_item = history_item_data.to_dict()
                history.append(history_item)

        rejected: list[dict[str, Any]] | None | Unset
        if isinstance(self.rejected, Unset):
            rejected = UNSET
        elif isinstance(self.rejected, list):
            rejected = []
            for rejected_type_0_item_data in self.rejected:
                rejected_type_0_item = rejected_type_0_item_data.to_dict()
                rejected.append(rejected_type_0_item)

        else:
            rejected = self.rejected

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account": account,
                "attempts": attempts,
                "created_at": created_at,
                "last_error": last_error,
                "mail_from": mail_from,
                "message_id": message_id,
                "next_attempt_at": next_attempt_at,
                "queue_id": queue_id,
                "rcpt_to": rcpt_to,
                "smtp_response": smtp_response,
                "status": status,
                "updated_at": updated_at,
            }
        )
        if accepted is not UNSET:
            field_dict["accepted"] = accepted
        if history is not UNSET:
            field_dict["history"] = history
        if rejected is not UNSET:
            field_dict["rejected"] = rejected

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.outbox_attempt import OutboxAttempt  # noqa: PLC0415
        from ..models.rejected_recipient import RejectedRecipient  # noqa: PLC0415

        d = dict(src_dict)
        account = d.pop("account")

        attempts = d.pop("attempts")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_last_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_error = _parse_last_error(d.pop("last_error"))

        mail_from = d.pop("mail_from")

        message_id = d.pop("message_id")

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

        queue_id = d.pop("queue_id")

        rcpt_to = cast(list[str], d.pop("rcpt_to"))

        def _parse_smtp_response(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        smtp_response = _parse_smtp_response(d.pop("smtp_response"))

        status = OutboxItemStatus(d.pop("status"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_accepted(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                accepted_type_0 = cast(list[str], data)

                return accepted_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        accepted = _parse_accepted(d.pop("accepted", UNSET))

        _history = d.pop("history", UNSET)
        history: list[OutboxAttempt] | Unset = UNSET
        if _history is not UNSET:
            history = []
            for history_item_data in _history:
                history_item = OutboxAttempt.from_dict(history_item_data)

                history.append(history_item)

        def _parse_rejected(data: object) -> list[RejectedRecipient] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                rejected_type_0 = []
                _rejected_type_0 = data
                for rejected_type_0_item_data in _rejected_type_0:
                    rejected_type_0_item = RejectedRecipient.from_dict(rejected_type_0_item_data)

                    rejected_type_0.append(rejected_type_0_item)

                return rejected_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[RejectedRecipient] | None | Unset, data)

        rejected = _parse_rejected(d.pop("rejected", UNSET))

        outbox_item = cls(
            account=account,
            attempts=attempts,
            created_at=created_at,
            last_error=last_error,
            mail_from=mail_from,
            message_id=message_id,
            next_attempt_at=next_attempt_at,
            queue_id=queue_id,
            rcpt_to=rcpt_to,
            smtp_response=smtp_response,
            status=status,
            updated_at=updated_at,
            accepted=accepted,
            history=history,
            rejected=rejected,
        )

        outbox_item.additional_properties = d
        return outbox_item

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
