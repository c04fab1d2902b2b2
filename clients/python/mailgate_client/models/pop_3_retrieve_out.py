from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.pop_3_parsed_item import Pop3ParsedItem
    from ..models.pop_3_raw_item import Pop3RawItem
    from ..models.pop_3_retrieve_error import Pop3RetrieveError


T = TypeVar("T", bound="Pop3RetrieveOut")


@_attrs_define
class Pop3RetrieveOut:
    """The JSON form; with ``Accept: application/x-ndjson`` one item per line instead,
    then one ``Pop3RetrieveEnd`` line.

        Attributes:
            complete (bool): every message this call took on was sent and, with 'delete', deleted (the server confirmed the
                QUIT)
            deleted (int): messages deleted on the server by this call
            delivered (int): messages confirmed as delivered
            items (list[Pop3ParsedItem | Pop3RawItem]):
            reason (None | str): null when complete and nothing is left; 'limit' when complete but 'limit' left messages;
                else why it ended early (an error code)
            remaining (int): matching messages left for a later call; after an early end this includes messages that went
                out but were not yet confirmed as delivered
            error (None | Pop3RetrieveError | Unset): only after an early end
            summary (str | Unset): the same in words, for people reading the body: `0 messages delivered (nothing new), 0
                deleted, 0 left` Default: ''.
    """

    complete: bool
    deleted: int
    delivered: int
    items: list[Pop3ParsedItem | Pop3RawItem]
    reason: None | str
    remaining: int
    error: None | Pop3RetrieveError | Unset = UNSET
    summary: str | Unset = ""
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.pop_3_parsed_item import Pop3ParsedItem  # noqa: PLC0415
        from ..models.pop_3_retrieve_error import Pop3RetrieveError  # noqa: PLC0415

        complete = self.complete

        deleted = self.deleted

        delivered = self.delivered

        items = []
        for items_item_data in self.items:
            items_item: dict[str, Any]
            if isinstance(items_item_data, Pop3ParsedItem):
                items_item = items_item_data.to_dict()
            else:
                items_item = items_item_data.to_dict()

            items.append(items_item)

        reason: None | str
        reason = self.reason

        remaining = self.remaining

        error: dict[str, Any] | None | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        elif isinstance(self.error, Pop3RetrieveError):
            error = self.error.to_dict()
        else:
            error = self.error

        summary = self.summary

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "complete": complete,
                "deleted": deleted,
                "delivered": delivered,
                "items": items,
                "reason": reason,
                "remaining": remaining,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error
        if summary is not UNSET:
            field_dict["summary"] = summary

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.pop_3_parsed_item import Pop3ParsedItem  # noqa: PLC0415
        from ..models.pop_3_raw_item import Pop3RawItem  # noqa: PLC0415
        from ..models.pop_3_retrieve_error import Pop3RetrieveError  # noqa: PLC0415

        d = dict(src_dict)
        complete = d.pop("complete")

        deleted = d.pop("deleted")

        delivered = d.pop("delivered")

        items = []
        _items = d.pop("items")
        for items_item_data in _items:

            def _parse_items_item(data: object) -> Pop3ParsedItem | Pop3RawItem:
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    items_item_type_0 = Pop3ParsedItem.from_dict(data)

                    return items_item_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                if not isinstance(data, dict):
                    raise TypeError()
                items_item_type_1 = Pop3RawItem.from_dict(data)

                return items_item_type_1

            items_item = _parse_items_item(items_item_data)

            items.append(items_item)

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        remaining = d.pop("remaining")

        def _parse_error(data: object) -> None | Pop3RetrieveError | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_0 = Pop3RetrieveError.from_dict(data)

                return error_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Pop3RetrieveError | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        summary = d.pop("summary", UNSET)

        pop_3_retrieve_out = cls(
            complete=complete,
            deleted=deleted,
            delivered=delivered,
            items=items,
            reason=reason,
            remaining=remaining,
            error=error,
            summary=summary,
        )

        pop_3_retrieve_out.additional_properties = d
        return pop_3_retrieve_out

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
