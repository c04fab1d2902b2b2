from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.draft_send_request_mode import DraftSendRequestMode
from ..types import UNSET, Unset

T = TypeVar("T", bound="DraftSendRequest")


@_attrs_define
class DraftSendRequest:
    """How to send a draft (all optional: now, with a copy in Sent).

    Attributes:
        mode (DraftSendRequestMode | Unset):  Default: DraftSendRequestMode.SYNC.
        save_to_sent (bool | None | Unset): Copy to the Sent mailbox (default: when the account has IMAP)
        send_at (datetime.datetime | None | Unset): Queue until this time
    """

    mode: DraftSendRequestMode | Unset = DraftSendRequestMode.SYNC
    save_to_sent: bool | None | Unset = UNSET
    send_at: datetime.datetime | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        mode: str | Unset = UNSET
        if not isinstance(self.mode, Unset):
            mode = self.mode.value

        save_to_sent: bool | None | Unset
        if isinstance(self.save_to_sent, Unset):
            save_to_sent = UNSET
        else:
            save_to_sent = self.save_to_sent

        send_at: None | str | Unset
        if isinstance(self.send_at, Unset):
            send_at = UNSET
        elif isinstance(self.send_at, datetime.datetime):
            send_at = self.send_at.isoformat()
        else:
            send_at = self.send_at

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if mode is not UNSET:
            field_dict["mode"] = mode
        if save_to_sent is not UNSET:
            field_dict["save_to_sent"] = save_to_sent
        if send_at is not UNSET:
            field_dict["send_at"] = send_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _mode = d.pop("mode", UNSET)
        mode: DraftSendRequestMode | Unset
        if isinstance(_mode, Unset):
            mode = UNSET
        else:
            mode = DraftSendRequestMode(_mode)

        def _parse_save_to_sent(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        save_to_sent = _parse_save_to_sent(d.pop("save_to_sent", UNSET))

        def _parse_send_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                send_at_type_0 = datetime.datetime.fromisoformat(data)

                return send_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        send_at = _parse_send_at(d.pop("send_at", UNSET))

        draft_send_request = cls(
            mode=mode,
            save_to_sent=save_to_sent,
            send_at=send_at,
        )

        return draft_send_request
