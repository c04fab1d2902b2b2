from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.address_out import AddressOut
    from ..models.append_message_json_draft_in_draft_attachment import AppendMessageJsonDraftInDraftAttachment
    from ..models.append_message_json_draft_in_headers import AppendMessageJsonDraftInHeaders


T = TypeVar("T", bound="AppendMessageJsonDraftIn")


@_attrs_define
class AppendMessageJsonDraftIn:
    """A JSON draft to append (built like a message to send, but not sent).

    Attributes:
        attachments (list[AppendMessageJsonDraftInDraftAttachment] | Unset):
        bcc (list[AddressOut | str] | Unset):
        cc (list[AddressOut | str] | Unset):
        from_ (AddressOut | None | str | Unset):
        headers (AppendMessageJsonDraftInHeaders | Unset):
        html (None | str | Unset):
        reply_to (list[AddressOut | str] | Unset):
        subject (str | Unset):  Default: ''.
        text (None | str | Unset):
        to (list[AddressOut | str] | Unset):
    """

    attachments: list[AppendMessageJsonDraftInDraftAttachment] | Unset = UNSET
    bcc: list[AddressOut | str] | Unset = UNSET
    cc: list[AddressOut | str] | Unset = UNSET
    from_: AddressOut | None | str | Unset = UNSET
    headers: AppendMessageJsonDraftInHeaders | Unset = UNSET
    html: None | str | Unset = UNSET
    reply_to: list[AddressOut | str] | Unset = UNSET
    subject: str | Unset = ""
    text: None | str | Unset = UNSET
    to: list[AddressOut | str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.address_out import AddressOut  # noqa: PLC0415

        attachments: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.attachments, Unset):
            attachments = []
            for attachments_item_data in self.attachments:
                attachments_item = attachments_item_data.to_dict()
                attachments.append(attachments_item)

        bcc: list[dict[str, Any] | str] | Unset = UNSET
        if not isinstance(self.bcc, Unset):
            bcc = []
            for bcc_item_data in self.bcc:
                bcc_item: dict[str, Any] | str
                if isinstance(bcc_item_data, AddressOut):
                    bcc_item = bcc_item_data.to_dict()
                else:
                    bcc_item = bcc_item_data
                bcc.append(bcc_item)

        cc: list[dict[str, Any] | str] | Unset = UNSET
        if not isinstance(self.cc, Unset):
            cc = []
            for cc_item_data in self.cc:
                cc_item: dict[str, Any] | str
                if isinstance(cc_item_data, AddressOut):
                    cc_item = cc_item_data.to_dict()
                else:
                    cc_item = cc_item_data
                cc.append(cc_item)

        from_: dict[str, Any] | None | str | Unset
        if isinstance(self.from_, Unset):
            from_ = UNSET
        elif isinstance(self.from_, AddressOut):
            from_ = self.from_.to_dict()
        else:
            from_ = self.from_

        headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = self.headers.to_dict()

        html: None | str | Unset
        if isinstance(self.html, Unset):
            html = UNSET
        else:
            html = self.html

        reply_to: list[dict[str, Any] | str] | Unset = UNSET
        if not isinstance(self.reply_to, Unset):
            reply_to = []
            for reply_to_item_data in self.reply_to:
                reply_to_item: dict[str, Any] | str
                if isinstance(reply_to_item_data, AddressOut):
                    reply_to_item = reply_to_item_data.to_dict()
                else:
                    reply_to_item = reply_to_item_data
                reply_to.append(reply_to_item)

        subject = self.subject

        text: None | str | Unset
        if isinstance(self.text, Unset):
            text = UNSET
        else:
            text = self.text

        to: list[dict[str, Any] | str] | Unset = UNSET
        if not isinstance(self.to, Unset):
            to = []
            for to_item_data in self.to:
                to_item: dict[str, Any] | str
                if isinstance(to_item_data, AddressOut):
                    to_item = to_item_data.to_dict()
                else:
                    to_item = to_item_data
                to.append(to_item)

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if attachments is not UNSET:
            field_dict["attachments"] = attachments
        if bcc is not UNSET:
            field_dict["bcc"] = bcc
        if cc is not UNSET:
            field_dict["cc"] = cc
        if from_ is not UNSET:
            field_dict["from"] = from_
        if headers is not UNSET:
            field_dict["headers"] = headers
        if html is not UNSET:
            field_dict["html"] = html
        if reply_to is not UNSET:
            field_dict["reply_to"] = reply_to
        if subject is not UNSET:
            field_dict["subject"] = subject
        if text is not UNSET:
            field_dict["text"] = text
        if to is not UNSET:
            field_dict["to"] = to

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.address_out import AddressOut  # noqa: PLC0415
        from ..models.append_message_json_draft_in_draft_attachment import AppendMessageJsonDraftInDraftAttachment  # noqa: PLC0415
        from ..models.append_message_json_draft_in_headers import AppendMessageJsonDraftInHeaders  # noqa: PLC0415

        d = dict(src_dict)
        _attachments = d.pop("attachments", UNSET)
        attachments: list[AppendMessageJsonDraftInDraftAttachment] | Unset = UNSET
        if _attachments is not UNSET:
            attachments = []
            for attachments_item_data in _attachments:
                attachments_item = AppendMessageJsonDraftInDraftAttachment.from_dict(attachments_item_data)

                attachments.append(attachments_item)

        _bcc = d.pop("bcc", UNSET)
        bcc: list[AddressOut | str] | Unset = UNSET
        if _bcc is not UNSET:
            bcc = []
            for bcc_item_data in _bcc:

                def _parse_bcc_item(data: object) -> AddressOut | str:
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        bcc_item_type_1 = AddressOut.from_dict(data)

                        return bcc_item_type_1
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    return cast(AddressOut | str, data)

                bcc_item = _parse_bcc_item(bcc_item_data)

                bcc.append(bcc_item)

        _cc = d.pop("cc", UNSET)
        cc: list[AddressOut | str] | Unset = UNSET
        if _cc is not UNSET:
            cc = []
            for cc_item_data in _cc:

                def _parse_cc_item(data: object) -> AddressOut | str:
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        cc_item_type_1 = AddressOut.from_dict(data)

                        return cc_item_type_1
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    return cast(AddressOut | str, data)

                cc_item = _parse_cc_item(cc_item_data)

                cc.append(cc_item)

        def _parse_from_(data: object) -> AddressOut | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                from_type_1 = AddressOut.from_dict(data)

                return from_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AddressOut | None | str | Unset, data)

        from_ = _parse_from_(d.pop("from", UNSET))

        _headers = d.pop("headers", UNSET)
        headers: AppendMessageJsonDraftInHeaders | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = AppendMessageJsonDraftInHeaders.from_dict(_headers)

        def _parse_html(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        html = _parse_html(d.pop("html", UNSET))

        _reply_to = d.pop("reply_to", UNSET)
        reply_to: list[AddressOut | str] | Unset = UNSET
        if _reply_to is not UNSET:
            reply_to = []
            for reply_to_item_data in _reply_to:

                def _parse_reply_to_item(data: object) -> AddressOut | str:
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        reply_to_item_type_1 = AddressOut.from_dict(data)

                        return reply_to_item_type_1
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    return cast(AddressOut | str, data)

                reply_to_item = _parse_reply_to_item(reply_to_item_data)

                reply_to.append(reply_to_item)

        subject = d.pop("subject", UNSET)

        def _parse_text(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        text = _parse_text(d.pop("text", UNSET))

        _to = d.pop("to", UNSET)
        to: list[AddressOut | str] | Unset = UNSET
        if _to is not UNSET:
            to = []
            for to_item_data in _to:

                def _parse_to_item(data: object) -> AddressOut | str:
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        to_item_type_1 = AddressOut.from_dict(data)

                        return to_item_type_1
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    return cast(AddressOut | str, data)

                to_item = _parse_to_item(to_item_data)

                to.append(to_item)

        append_message_json_draft_in = cls(
            attachments=attachments,
            bcc=bcc,
            cc=cc,
            from_=from_,
            headers=headers,
            html=html,
            reply_to=reply_to,
            subject=subject,
            text=text,
            to=to,
        )

        return append_message_json_draft_in
