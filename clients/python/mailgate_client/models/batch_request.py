from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.batch_request_action import BatchRequestAction
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.flag_changes import FlagChanges


T = TypeVar("T", bound="BatchRequest")


@_attrs_define
class BatchRequest:
    """
    Attributes:
        action (BatchRequestAction):
        ids (list[str]):
        flags (FlagChanges | None | Unset):
        mailbox (None | str | Unset):
        permanent (bool | Unset):  Default: False.
    """

    action: BatchRequestAction
    ids: list[str]
    flags: FlagChanges | None | Unset = UNSET
    mailbox: None | str | Unset = UNSET
    permanent: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        from ..models.flag_changes import FlagChanges  # noqa: PLC0415

        action = self.action.value

        ids = self.ids

        flags: dict[str, Any] | None | Unset
        if isinstance(self.flags, Unset):
            flags = UNSET
        elif isinstance(self.flags, FlagChanges):
            flags = self.flags.to_dict()
        else:
            flags = self.flags

        mailbox: None | str | Unset
        if isinstance(self.mailbox, Unset):
            mailbox = UNSET
        else:
            mailbox = self.mailbox

        permanent = self.permanent

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "action": action,
                "ids": ids,
            }
        )
        if flags is not UNSET:
            field_dict["flags"] = flags
        if mailbox is not UNSET:
            field_dict["mailbox"] = mailbox
        if permanent is not UNSET:
            field_dict["permanent"] = permanent

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.flag_changes import FlagChanges  # noqa: PLC0415

        d = dict(src_dict)
        action = BatchRequestAction(d.pop("action"))

        ids = cast(list[str], d.pop("ids"))

        def _parse_flags(data: object) -> FlagChanges | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                flags_type_0 = FlagChanges.from_dict(data)

                return flags_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(FlagChanges | None | Unset, data)

        flags = _parse_flags(d.pop("flags", UNSET))

        def _parse_mailbox(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        mailbox = _parse_mailbox(d.pop("mailbox", UNSET))

        permanent = d.pop("permanent", UNSET)

        batch_request = cls(
            action=action,
            ids=ids,
            flags=flags,
            mailbox=mailbox,
            permanent=permanent,
        )

        return batch_request
