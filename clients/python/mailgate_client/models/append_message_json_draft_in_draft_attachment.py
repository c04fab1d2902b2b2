from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="AppendMessageJsonDraftInDraftAttachment")


@_attrs_define
class AppendMessageJsonDraftInDraftAttachment:
    """
    Attributes:
        content (str): base64
        content_id (None | str | Unset):
        content_type (str | Unset):  Default: 'application/octet-stream'.
        filename (None | str | Unset):
        inline (bool | Unset):  Default: False.
    """

    content: str
    content_id: None | str | Unset = UNSET
    content_type: str | Unset = "application/octet-stream"
    filename: None | str | Unset = UNSET
    inline: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        content = self.content

        content_id: None | str | Unset
        if isinstance(self.content_id, Unset):
            content_id = UNSET
        else:
            content_id = self.content_id

        content_type = self.content_type

        filename: None | str | Unset
        if isinstance(self.filename, Unset):
            filename = UNSET
        else:
            filename = self.filename

        inline = self.inline

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "content": content,
            }
        )
        if content_id is not UNSET:
            field_dict["content_id"] = content_id
        if content_type is not UNSET:
            field_dict["content_type"] = content_type
        if filename is not UNSET:
            field_dict["filename"] = filename
        if inline is not UNSET:
            field_dict["inline"] = inline

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        content = d.pop("content")

        def _parse_content_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        content_id = _parse_content_id(d.pop("content_id", UNSET))

        content_type = d.pop("content_type", UNSET)

        def _parse_filename(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        filename = _parse_filename(d.pop("filename", UNSET))

        inline = d.pop("inline", UNSET)

        append_message_json_draft_in_draft_attachment = cls(
            content=content,
            content_id=content_id,
            content_type=content_type,
            filename=filename,
            inline=inline,
        )

        return append_message_json_draft_in_draft_attachment
