from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.not_searched import NotSearched
    from ..models.search_hit import SearchHit


T = TypeVar("T", bound="SearchResult")


@_attrs_define
class SearchResult:
    """
    Attributes:
        items (list[SearchHit]):
        not_searched (list[NotSearched]):
        partial (bool): true when something was not searched (not_searched)
        searched_mailboxes (int): Mailboxes searched for this page
        next_cursor (None | str | Unset): Where the next page goes on in each mailbox; null when no match is left
    """

    items: list[SearchHit]
    not_searched: list[NotSearched]
    partial: bool
    searched_mailboxes: int
    next_cursor: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        not_searched = []
        for not_searched_item_data in self.not_searched:
            not_searched_item = not_searched_item_data.to_dict()
            not_searched.append(not_searched_item)

        partial = self.partial

        searched_mailboxes = self.searched_mailboxes

        next_cursor: None | str | Unset
        if isinstance(self.next_cursor, Unset):
            next_cursor = UNSET
        else:
            next_cursor = self.next_cursor

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "items": items,
                "not_searched": not_searched,
                "partial": partial,
                "searched_mailboxes": searched_mailboxes,
            }
        )
        if next_cursor is not UNSET:
            field_dict["next_cursor"] = next_cursor

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.not_searched import NotSearched  # noqa: PLC0415
        from ..models.search_hit import SearchHit  # noqa: PLC0415

        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = SearchHit.from_dict(items_item_data)

            items.append(items_item)

        not_searched = []
        _not_searched = d.pop("not_searched")
        for not_searched_item_data in _not_searched:
            not_searched_item = NotSearched.from_dict(not_searched_item_data)

            not_searched.append(not_searched_item)

        partial = d.pop("partial")

        searched_mailboxes = d.pop("searched_mailboxes")

        def _parse_next_cursor(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        next_cursor = _parse_next_cursor(d.pop("next_cursor", UNSET))

        search_result = cls(
            items=items,
            not_searched=not_searched,
            partial=partial,
            searched_mailboxes=searched_mailboxes,
            next_cursor=next_cursor,
        )

        search_result.additional_properties = d
        return search_result

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
