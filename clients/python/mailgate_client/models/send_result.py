from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.rejected_recipient import RejectedRecipient


T = TypeVar("T", bound="SendResult")


@_attrs_define
class SendResult:
    """`mode=sync`: the SMTP server took the message.

    Attributes:
        accepted (list[str]):
        message_id (str):
        queue_id (None | str): null: sync sends do not go through the outbox
        rejected (list[RejectedRecipient]):
        smtp_response (str):
        saved_to_sent (bool | None | Unset): null: not requested; false: the copy failed (see sent_error). On Gmail (its
            IMAP server offers X-GM-EXT-1) Gmail files sent mail in its Sent Mail itself, so the gateway appends no copy:
            true
        sent_error (None | str | Unset):
    """

    accepted: list[str]
    message_id: str
    queue_id: None | str
    rejected: list[RejectedRecipient]
    smtp_response: str
    saved_to_sent: bool | None | Unset = UNSET
    sent_error: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        accepted = self.accepted

        message_id = self.message_id

        queue_id: None | str
        queue_id = self.queue_id

        rejected = []
        for rejected_item_data in self.rejected:
            rejected_item = rejected_item_data.to_dict()
            rejected.append(rejected_item)

        smtp_response = self.smtp_response

        saved_to_sent: bool | None | Unset
        if isinstance(self.saved_to_sent, Unset):
            saved_to_sent = UNSET
        else:
            saved_to_sent = self.saved_to_sent

        sent_error: None | str | Unset
        if isinstance(self.sent_error, Unset):
            sent_error = UNSET
        else:
            sent_error = self.sent_error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "accepted": accepted,
                "message_id": message_id,
                "queue_id": queue_id,
                "rejected": rejected,
                "smtp_response": smtp_response,
            }
        )
        if saved_to_sent is not UNSET:
            field_dict["saved_to_sent"] = saved_to_sent
        if sent_error is not UNSET:
            field_dict["sent_error"] = sent_error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.rejected_recipient import RejectedRecipient  # noqa: PLC0415

        d = dict(src_dict)
        accepted = cast(list[str], d.pop("accepted"))

        message_id = d.pop("message_id")

        def _parse_queue_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        queue_id = _parse_queue_id(d.pop("queue_id"))

        rejected = []
        _rejected = d.pop("rejected")
        for rejected_item_data in _rejected:
            rejected_item = RejectedRecipient.from_dict(rejected_item_data)

            rejected.append(rejected_item)

        smtp_response = d.pop("smtp_response")

        def _parse_saved_to_sent(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        saved_to_sent = _parse_saved_to_sent(d.pop("saved_to_sent", UNSET))

        def _parse_sent_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        sent_error = _parse_sent_error(d.pop("sent_error", UNSET))

        send_result = cls(
            accepted=accepted,
            message_id=message_id,
            queue_id=queue_id,
            rejected=rejected,
            smtp_response=smtp_response,
            saved_to_sent=saved_to_sent,
            sent_error=sent_error,
        )

        send_result.additional_properties = d
        return send_result

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
