from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.pop_3_retrieve_request_format import Pop3RetrieveRequestFormat
from ..types import UNSET, Unset

T = TypeVar("T", bound="Pop3RetrieveRequest")


@_attrs_define
class Pop3RetrieveRequest:
    """
    Attributes:
        delete (bool | Unset): DELE each message once it was fully sent; needs the 'write' scope Default: False.
        format_ (Pop3RetrieveRequestFormat | Unset):  Default: Pop3RetrieveRequestFormat.PARSED.
        headers_only (bool | Unset): only the header block (TOP n 0); such items are not marked seen Default: False.
        limit (int | None | Unset): at most this many messages (JSON form: default 100)
        only_new (bool | Unset): skip messages already retrieved through the gateway Default: True.
    """

    delete: bool | Unset = False
    format_: Pop3RetrieveRequestFormat | Unset = Pop3RetrieveRequestFormat.PARSED
    headers_only: bool | Unset = False
    limit: int | None | Unset = UNSET
    only_new: bool | Unset = True

    def to_dict(self) -> dict[str, Any]:
        delete = self.delete

        format_: str | Unset = UNSET
        if not isinstance(self.format_, Unset):
            format_ = self.format_.value

        headers_only = self.headers_only

        limit: int | None | Unset
        if isinstance(self.limit, Unset):
            limit = UNSET
        else:
            limit = self.limit

        only_new = self.only_new

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if delete is not UNSET:
            field_dict["delete"] = delete
        if format_ is not UNSET:
            field_dict["format"] = format_
        if headers_only is not UNSET:
            field_dict["headers_only"] = headers_only
        if limit is not UNSET:
            field_dict["limit"] = limit
        if only_new is not UNSET:
            field_dict["only_new"] = only_new

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        delete = d.pop("delete", UNSET)

        _format_ = d.pop("format", UNSET)
        format_: Pop3RetrieveRequestFormat | Unset
        if isinstance(_format_, Unset):
            format_ = UNSET
        else:
            format_ = Pop3RetrieveRequestFormat(_format_)

        headers_only = d.pop("headers_only", UNSET)

        def _parse_limit(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        limit = _parse_limit(d.pop("limit", UNSET))

        only_new = d.pop("only_new", UNSET)

        pop_3_retrieve_request = cls(
            delete=delete,
            format_=format_,
            headers_only=headers_only,
            limit=limit,
            only_new=only_new,
        )

        return pop_3_retrieve_request
