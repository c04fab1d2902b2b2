from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.forward_request_mode import ForwardRequestMode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.address_in import AddressIn
    from ..models.attachment_in import AttachmentIn
    from ..models.forward_request_headers import ForwardRequestHeaders


T = TypeVar("T", bound="ForwardRequest")


@_attrs_define
class ForwardRequest:
    """A forward of a message: the new message's recipients and the sender's own words;
    the original goes inline (with its attachments) or whole as an attachment.

        Attributes:
            as_attachment (bool | Unset): true: the original goes whole, as a message/rfc822 attachment; false: inline,
                after a "Forwarded message" block (From, Date, Subject, To), its attachments attached again Default: False.
            attachments (list[AttachmentIn] | Unset):
            bcc (list[AddressIn | str] | Unset):
            cc (list[AddressIn | str] | Unset):
            from_ (AddressIn | None | str | Unset): Defaults to the account's address
            headers (ForwardRequestHeaders | Unset):
            html (None | str | Unset):
            mode (ForwardRequestMode | Unset):  Default: ForwardRequestMode.SYNC.
            reply_to (AddressIn | list[AddressIn | str] | None | str | Unset):
            save_to_sent (bool | None | Unset): Copy to the Sent mailbox (default: when the account has IMAP)
            send_at (datetime.datetime | None | Unset): Queue until this time
            subject (None | str | Unset): Default: "Fwd: " and the original's subject
            text (None | str | Unset):
            to (list[AddressIn | str] | Unset):
    """

    as_attachment: bool | Unset = False
    attachments: list[AttachmentIn] | Unset = UNSET
    bcc: list[AddressIn | str] | Unset = UNSET
    cc: list[AddressIn | str] | Unset = UNSET
    from_: AddressIn | None | str | Unset = UNSET
    headers: ForwardRequestHeaders | Unset = UNSET
    html: None | str | Unset = UNSET
    mode: ForwardRequestMode | Unset = ForwardRequestMode.SYNC
    reply_to: AddressIn | list[AddressIn | str] | None | str | Unset = UNSET
    save_to_sent: bool | None | Unset = UNSET
    send_at: datetime.datetime | None | Unset = UNSET
    subject: None | str | Unset = UNSET
    text: None | str | Unset = UNSET
    to: list[AddressIn | str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.address_in import AddressIn  # noqa: PLC0415

        as_attachment = self.as_attachment

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
                if isinstance(bcc_item_data, AddressIn):
                    bcc_item = bcc_item_data.to_dict()
                else:
                    bcc_item = bcc_item_data
                bcc.append(bcc_item)

        cc: list[dict[str, Any] | str] | Unset = UNSET
        if not isinstance(self.cc, Unset):
            cc = []
            for cc_item_data in self.cc:
                cc_item: dict[str, Any] | str
                if isinstance(cc_item_data, AddressIn):
                    cc_item = cc_item_data.to_dict()
                else:
                    cc_item = cc_item_data
                cc.append(cc_item)

        from_: dict[str, Any] | None | str | Unset
        if isinstance(self.from_, Unset):
            from_ = UNSET
        elif isinstance(self.from_, AddressIn):
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

        mode: str | Unset = UNSET
        if not isinstance(self.mode, Unset):
            mode = self.mode.value

        reply_to: dict[str, Any] | list[dict[str, Any] | str] | None | str | Unset
        if isinstance(self.reply_to, Unset):
            reply_to = UNSET
        elif isinstance(self.reply_to, AddressIn):
            reply_to = self.reply_to.to_dict()
        elif isinstance(self.reply_to, list):
            reply_to = []
            for reply_to_type_2_item_data in self.reply_to:
                reply_to_type_2_item: dict[str, Any] | str
                if isinstance(reply_to_type_2_item_data, AddressIn):
                    reply_to_type_2_item = reply_to_type_2_item_data.to_dict()
                else:
                    reply_to_type_2_item = reply_to_type_2_item_data
                reply_to.append(reply_to_type_2_item)

        else:
            reply_to = self.reply_to

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

        subject: None | str | Unset
        if isinstance(self.subject, Unset):
            subject = UNSET
        else:
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
                if isinstance(to_item_data, AddressIn):
                    to_item = to_item_data.to_dict()
                else:
                    to_item = to_item_data
                to.append(to_item)

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if as_attachment is not UNSET:
            field_dict["as_attachment"] = as_attachment
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
        if mode is not UNSET:
            field_dict["mode"] = mode
        if reply_to is not UNSET:
            field_dict["reply_to"] = reply_to
        if save_to_sent is not UNSET:
            field_dict["save_to_sent"] = save_to_sent
        if send_at is not UNSET:
            field_dict["send_at"] = send_at
        if subject is not UNSET:
            field_dict["subject"] = subject
        if text is not UNSET:
            field_dict["text"] = text
        if to is not UNSET:
            field_dict["to"] = to

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.address_in import AddressIn  # noqa: PLC0415
        from ..models.attachment_in import AttachmentIn  # noqa: PLC0415
        from ..models.forward_request_headers import ForwardRequestHeaders  # noqa: PLC0415

        d = dict(src_dict)
        as_attachment = d.pop("as_attachment", UNSET)

        _attachments = d.pop("attachments", UNSET)
        attachments: list[AttachmentIn] | Unset = UNSET
        if _attachments is not UNSET:
            attachments = []
            for attachments_item_data in _attachments:
                attachments_item = AttachmentIn.from_dict(attachments_item_data)

                attachments.append(attachments_item)

        _bcc = d.pop("bcc", UNSET)
        bcc: list[AddressIn | str] | Unset = UNSET
        if _bcc is not UNSET:
            bcc = []
            for bcc_item_data in _bcc:

                def _parse_bcc_item(data: object) -> AddressIn | str:
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        bcc_item_type_0 = AddressIn.from_dict(data)

                        return bcc_item_type_0
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    return cast(AddressIn | str, data)

                bcc_item = _parse_bcc_item(bcc_item_data)

                bcc.append(bcc_item)

        _cc = d.pop("cc", UNSET)
        cc: list[AddressIn | str] | Unset = UNSET
        if _cc is not UNSET:
            cc = []
            for cc_item_data in _cc:

                def _parse_cc_item(data: object) -> AddressIn | str:
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        cc_item_type_0 = AddressIn.from_dict(data)

                        return cc_item_type_0
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    return cast(AddressIn | str, data)

                cc_item = _parse_cc_item(cc_item_data)

                cc.append(cc_item)

        def _parse_from_(data: object) -> AddressIn | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                from_type_0 = AddressIn.from_dict(data)

                return from_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AddressIn | None | str | Unset, data)

        from_ = _parse_from_(d.pop("from", UNSET))

        _headers = d.pop("headers", UNSET)
        headers: ForwardRequestHeaders | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = ForwardRequestHeaders.from_dict(_headers)

        def _parse_html(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        html = _parse_html(d.pop("html", UNSET))

        _mode = d.pop("mode", UNSET)
        mode: ForwardRequestMode | Unset
        if isinstance(_mode, Unset):
            mode = UNSET
        else:
            mode = ForwardRequestMode(_mode)

        def _parse_reply_to(data: object) -> AddressIn | list[AddressIn | str] | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                reply_to_type_0 = AddressIn.from_dict(data)

                return reply_to_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, list):
                    raise TypeError()
                reply_to_type_2 = []
                _reply_to_type_2 = data
                for reply_to_type_2_item_data in _reply_to_type_2:

                    def _parse_reply_to_type_2_item(data: object) -> AddressIn | str:
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            reply_to_type_2_item_type_0 = AddressIn.from_dict(data)

                            return reply_to_type_2_item_type_0
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        return cast(AddressIn | str, data)

                    reply_to_type_2_item = _parse_reply_to_type_2_item(reply_to_type_2_item_data)

                    reply_to_type_2.append(reply_to_type_2_item)

                return reply_to_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AddressIn | list[AddressIn | str] | None | str | Unset, data)

        reply_to = _parse_reply_to(d.pop("reply_to", UNSET))

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

        def _parse_subject(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        subject = _parse_subject(d.pop("subject", UNSET))

        def _parse_text(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        text = _parse_text(d.pop("text", UNSET))

        _to = d.pop("to", UNSET)
        to: list[AddressIn | str] | Unset = UNSET
        if _to is not UNSET:
            to = []
            for to_item_data in _to:

                def _parse_to_item(data: object) -> AddressIn | str:
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        to_item_type_0 = AddressIn.from_dict(data)

                        return to_item_type_0
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    return cast(AddressIn | str, data)

                to_item = _parse_to_item(to_item_data)

                to.append(to_item)

        forward_request = cls(
            as_attachment=as_attachment,
            attachments=attachments,
            bcc=bcc,
            cc=cc,
            from_=from_,
            headers=headers,
            html=html,
            mode=mode,
            reply_to=reply_to,
            save_to_sent=save_to_sent,
            send_at=send_at,
            subject=subject,
            text=text,
            to=to,
        )

        return forward_request
