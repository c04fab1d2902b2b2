from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="AttachmentOut")


@_attrs_define
class AttachmentOut:
    """
    Attributes:
        content_type (str):
        id (str): IMAP body part number (RFC 3501 6.4.5), e.g. '2' or '1.2'
        size (int): size in bytes of what the attachment download returns: the part decoded from base64 or quoted-
            printable (other transfer encodings as stored); an attached message (message/rfc822) is the whole encapsulated
            message
        content_id (None | str | Unset):
        filename (None | str | Unset):
        inline (bool | Unset):  Default: False.
    """

    content_type: str
    id: str
    size: int
    content_id: None | str | Unset = UNSET
    filename: None | str | Unset = UNSET
    inline: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        content_type = self.content_type

        id = self.id

        size = self.size

        content_id: None | str | Unset
        if isinstance(self.content_id, Unset):
            content_id = UNSET
        else:
            content_id = self.content_id

        filename: None | str | Unset
        if isinstance(self.filename, Unset):
            filename = UNSET
        else:
            filename = self.filename

        inline = self.inline

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "content_type": content_type,
                "id": id,
                "size": size,
            }
        )
        if content_id is not UNSET:
            field_dict["content_id"] = content_id
        if filename is not UNSET:
            field_dict["filename"] = filename
        if inline is not UNSET:
            field_dict["inline"] = inline

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        content_type = d.pop("content_type")

        id = d.pop("id")

        size = d.pop("size")

        def _parse_content_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        content_id = _parse_content_id(d.pop("content_id", UNSET))

        def _parse_filename(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        filename = _parse_filename(d.pop("filename", UNSET))

        inline = d.pop("inline", UNSET)

        attachment_out = cls(
            content_type=content_type,
            id=id,
            size=size,
            content_id=content_id,
            filename=filename,
            inline=inline,
        )

        attachment_out.additional_properties = d
        return attachment_out

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
