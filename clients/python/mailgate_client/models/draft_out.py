from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.address_out import AddressOut
    from ..models.attachment_out import AttachmentOut
    from ..models.bounce_out import BounceOut
    from ..models.gmail_info import GmailInfo
    from ..models.header_out import HeaderOut


T = TypeVar("T", bound="DraftOut")


@_attrs_define
class DraftOut:
    """A draft, read as a message of the Drafts mailbox is (reading it sets no flag).

    Attributes:
        flags (list[str]):
        id (str):
        mailbox (str): The mailbox id
        size (int):
        uid (int):
        attachments (list[AttachmentOut] | Unset):
        bcc (list[AddressOut] | Unset):
        bounce (list[BounceOut] | None | Unset): For a delivery status notification (a bounce: RFC 3464 reports and the
            common plain-text shapes) the recipients it reports on; null for any other message
        bounced_message_id (None | str | Unset): For a bounce: the Message-ID of the message that bounced, when the
            bounce tells
        cc (list[AddressOut] | Unset):
        date (datetime.datetime | None | Unset):
        from_ (list[AddressOut] | Unset):
        gmail (GmailInfo | None | Unset): Gmail only (X-GM-EXT-1)
        has_attachments (bool | Unset):  Default: False.
        headers (list[HeaderOut] | Unset):
        html (None | str | Unset):
        in_reply_to (None | str | Unset):
        in_reply_to_id (None | str | Unset): The message id (of this API) of the message this draft answers: its
            in_reply_to when saved
        message_id (None | str | Unset):
        preview (None | str | Unset):
        references (list[str] | Unset):
        reply_text (None | str | Unset): The reply-only text: the message's new text without the quoted history (quoted
            lines and their attribution, Outlook's original-message block, forwarded messages) and without the signature;
            from the HTML when there is no plain text. The full text stays in text. Null when the message has no text.
        reply_to (list[AddressOut] | Unset):
        subject (None | str | Unset):
        text (None | str | Unset):
        thread_id (None | str | Unset): The message's thread: the server's (Gmail X-GM-THRID as gm.<hex>, RFC 8474
            THREADID as s.<id>) or else built by the gateway from Message-ID, References and In-Reply-To (RFC 5256
            REFERENCES; 16 characters, the same on every server for the same mail). A thread joined to an older one by a
            message that links them takes the older one's id. GET /v1/accounts/{account}/threads/{thread_id} lists its
            messages.
        to (list[AddressOut] | Unset):
    """

    flags: list[str]
    id: str
    mailbox: str
    size: int
    uid: int
    attachments: list[AttachmentOut] | Unset = UNSET
    bcc: list[AddressOut] | Unset = UNSET
    bounce: list[BounceOut] | None | Unset = UNSET
    bounced_message_id: None | str | Unset = UNSET
    cc: list[AddressOut] | Unset = UNSET
    date: datetime.datetime | None | Unset = UNSET
    from_: list[AddressOut] | Unset = UNSET
    gmail: GmailInfo | None | Unset = UNSET
    has_attachments: bool | Unset = False
    headers: list[HeaderOut] | Unset = UNSET
    html: None | str | Unset = UNSET
    in_reply_to: None | str | Unset = UNSET
    in_reply_to_id: None | str | Unset = UNSET
    message_id: None | str | Unset = UNSET
    preview: None | str | Unset = UNSET
    references: list[str] | Unset = UNSET
    reply_text: None | str | Unset = UNSET
    reply_to: list[AddressOut] | Unset = UNSET
    subject: None | str | Unset = UNSET
    text: None | str | Unset = UNSET
    thread_id: None | str | Unset = UNSET
    to: list[AddressOut] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.gmail_info import GmailInfo  # noqa: PLC0415

        flags = self.flags

        id = self.id

        mailbox = self.mailbox

        size = self.size

        uid = self.uid

        attachments: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.attachments, Unset):
            attachments = []
            for attachments_item_data in self.attachments:
                attachments_item = attachments_item_data.to_dict()
                attachments.append(attachments_item)

        bcc: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.bcc, Unset):
            bcc = []
            for bcc_item_data in self.bcc:
                bcc_item = bcc_item_data.to_dict()
                bcc.append(bcc_item)

        bounce: list[dict[str, Any]] | None | Unset
        if isinstance(self.bounce, Unset):
            bounce = UNSET
        elif isinstance(self.bounce, list):
            bounce = []
            for bounce_type_0_item_data in self.bounce:
                bounce_type_0_item = bounce_type_0_item_data.to_dict()
                bounce.append(bounce_type_0_item)

        else:
            bounce = self.bounce

        bounced_message_id: None | str | Unset
        if isinstance(self.bounced_message_id, Unset):
            bounced_message_id = UNSET
        else:
            bounced_message_id = self.bounced_message_id

        cc: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.cc, Unset):
            cc = []
            for cc_item_data in self.cc:
                cc_item = cc_item_data.to_dict()
                cc.append(cc_item)

        date: None | str | Unset
        if isinstance(self.date, Unset):
            date = UNSET
        elif isinstance(self.date, datetime.datetime):
            date = self.date.isoformat()
        else:
            date = self.date

        from_: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.from_, Unset):
            from_ = []
            for from_item_data in self.from_:
                from_item = from_item_data.to_dict()
                from_.append(from_item)

        gmail: dict[str, Any] | None | Unset
        if isinstance(self.gmail, Unset):
            gmail = UNSET
        elif isinstance(self.gmail, GmailInfo):
            gmail = self.gmail.to_dict()
        else:
            gmail = self.gmail

        has_attachments = self.has_attachments

        headers: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = []
            for headers_item_data in self.headers:
                headers_item = headers_item_data.to_dict()
                headers.append(headers_item)

        html: None | str | Unset
        if isinstance(self.html, Unset):
            html = UNSET
        else:
            html = self.html

        in_reply_to: None | str | Unset
        if isinstance(self.in_reply_to, Unset):
            in_reply_to = UNSET
        else:
            in_reply_to = self.in_reply_to

        in_reply_to_id: None | str | Unset
        if isinstance(self.in_reply_to_id, Unset):
            in_reply_to_id = UNSET
        else:
            in_reply_to_id = self.in_reply_to_id

        message_id: None | str | Unset
        if isinstance(self.message_id, Unset):
            message_id = UNSET
        else:
            message_id = self.message_id

        preview: None | str | Unset
        if isinstance(self.preview, Unset):
            preview = UNSET
        else:
            preview = self.preview

        references: list[str] | Unset = UNSET
        if not isinstance(self.references, Unset):
            references = self.references

        reply_text: None | str | Unset
        if isinstance(self.reply_text, Unset):
            reply_text = UNSET
        else:
            reply_text = self.reply_text

        reply_to: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.reply_to, Unset):
            reply_to = []
            for reply_to_item_data in self.reply_to:
                reply_to_item = reply_to_item_data.to_dict()
                reply_to.append(reply_to_item)

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

        thread_id: None | str | Unset
        if isinstance(self.thread_id, Unset):
            thread_id = UNSET
        else:
            thread_id = self.thread_id

        to: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.to, Unset):
            to = []
            for to_item_data in self.to:
                to_item = to_item_data.to_dict()
                to.append(to_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "flags": flags,
                "id": id,
                "mailbox": mailbox,
                "size": size,
                "uid": uid,
            }
        )
        if attachments is not UNSET:
            field_dict["attachments"] = attachments
        if bcc is not UNSET:
            field_dict["bcc"] = bcc
        if bounce is not UNSET:
            field_dict["bounce"] = bounce
        if bounced_message_id is not UNSET:
            field_dict["bounced_message_id"] = bounced_message_id
        if cc is not UNSET:
            field_dict["cc"] = cc
        if date is not UNSET:
            field_dict["date"] = date
        if from_ is not UNSET:
            field_dict["from"] = from_
        if gmail is not UNSET:
            field_dict["gmail"] = gmail
        if has_attachments is not UNSET:
            field_dict["has_attachments"] = has_attachments
        if headers is not UNSET:
            field_dict["headers"] = headers
        if html is not UNSET:
            field_dict["html"] = html
        if in_reply_to is not UNSET:
            field_dict["in_reply_to"] = in_reply_to
        if in_reply_to_id is not UNSET:
            field_dict["in_reply_to_id"] = in_reply_to_id
        if message_id is not UNSET:
            field_dict["message_id"] = message_id
        if preview is not UNSET:
            field_dict["preview"] = preview
        if references is not UNSET:
            field_dict["references"] = references
        if reply_text is not UNSET:
            field_dict["reply_text"] = reply_text
        if reply_to is not UNSET:
            field_dict["reply_to"] = reply_to
        if subject is not UNSET:
            field_dict["subject"] = subject
        if text is not UNSET:
            field_dict["text"] = text
        if thread_id is not UNSET:
            field_dict["thread_id"] = thread_id
        if to is not UNSET:
            field_dict["to"] = to

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.address_out import AddressOut  # noqa: PLC0415
        from ..models.attachment_out import AttachmentOut  # noqa: PLC0415
        from ..models.bounce_out import BounceOut  # noqa: PLC0415
        from ..models.gmail_info import GmailInfo  # noqa: PLC0415
        from ..models.header_out import HeaderOut  # noqa: PLC0415

        d = dict(src_dict)
        flags = cast(list[str], d.pop("flags"))

        id = d.pop("id")

        mailbox = d.pop("mailbox")

        size = d.pop("size")

        uid = d.pop("uid")

        _attachments = d.pop("attachments", UNSET)
        attachments: list[AttachmentOut] | Unset = UNSET
        if _attachments is not UNSET:
            attachments = []
            for attachments_item_data in _attachments:
                attachments_item = AttachmentOut.from_dict(attachments_item_data)

                attachments.append(attachments_item)

        _bcc = d.pop("bcc", UNSET)
        bcc: list[AddressOut] | Unset = UNSET
        if _bcc is not UNSET:
            bcc = []
            for bcc_item_data in _bcc:
                bcc_item = AddressOut.from_dict(bcc_item_data)

                bcc.append(bcc_item)

        def _parse_bounce(data: object) -> list[BounceOut] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                bounce_type_0 = []
                _bounce_type_0 = data
                for bounce_type_0_item_data in _bounce_type_0:
                    bounce_type_0_item = BounceOut.from_dict(bounce_type_0_item_data)

                    bounce_type_0.append(bounce_type_0_item)

                return bounce_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[BounceOut] | None | Unset, data)

        bounce = _parse_bounce(d.pop("bounce", UNSET))

        def _parse_bounced_message_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        bounced_message_id = _parse_bounced_message_id(d.pop("bounced_message_id", UNSET))

        _cc = d.pop("cc", UNSET)
        cc: list[AddressOut] | Unset = UNSET
        if _cc is not UNSET:
            cc = []
            for cc_item_data in _cc:
                cc_item = AddressOut.from_dict(cc_item_data)

                cc.append(cc_item)

        def _parse_date(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                date_type_0 = datetime.datetime.fromisoformat(data)

                return date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        date = _parse_date(d.pop("date", UNSET))

        _from_ = d.pop("from", UNSET)
        from_: list[AddressOut] | Unset = UNSET
        if _from_ is not UNSET:
            from_ = []
            for from_item_data in _from_:
                from_item = AddressOut.from_dict(from_item_data)

                from_.append(from_item)

        def _parse_gmail(data: object) -> GmailInfo | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                gmail_type_0 = GmailInfo.from_dict(data)

                return gmail_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(GmailInfo | None | Unset, data)

        gmail = _parse_gmail(d.pop("gmail", UNSET))

        has_attachments = d.pop("has_attachments", UNSET)

        _headers = d.pop("headers", UNSET)
        headers: list[HeaderOut] | Unset = UNSET
        if _headers is not UNSET:
            headers = []
            for headers_item_data in _headers:
                headers_item = HeaderOut.from_dict(headers_item_data)

                headers.append(headers_item)

        def _parse_html(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        html = _parse_html(d.pop("html", UNSET))

        def _parse_in_reply_to(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        in_reply_to = _parse_in_reply_to(d.pop("in_reply_to", UNSET))

        def _parse_in_reply_to_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        in_reply_to_id = _parse_in_reply_to_id(d.pop("in_reply_to_id", UNSET))

        def _parse_message_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        message_id = _parse_message_id(d.pop("message_id", UNSET))

        def _parse_preview(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        preview = _parse_preview(d.pop("preview", UNSET))

        references = cast(list[str], d.pop("references", UNSET))

        def _parse_reply_text(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reply_text = _parse_reply_text(d.pop("reply_text", UNSET))

        _reply_to = d.pop("reply_to", UNSET)
        reply_to: list[AddressOut] | Unset = UNSET
        if _reply_to is not UNSET:
            reply_to = []
            for reply_to_item_data in _reply_to:
                reply_to_item = AddressOut.from_dict(reply_to_item_data)

                reply_to.append(reply_to_item)

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

        def _parse_thread_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        thread_id = _parse_thread_id(d.pop("thread_id", UNSET))

        _to = d.pop("to", UNSET)
        to: list[AddressOut] | Unset = UNSET
        if _to is not UNSET:
            to = []
            for to_item_data in _to:
                to_item = AddressOut.from_dict(to_item_data)

                to.append(to_item)

        draft_out = cls(
            flags=flags,
            id=id,
            mailbox=mailbox,
            size=size,
            uid=uid,
            attachments=attachments,
            bcc=bcc,
            bounce=bounce,
            bounced_message_id=bounced_message_id,
            cc=cc,
            date=date,
            from_=from_,
            gmail=gmail,
            has_attachments=has_attachments,
            headers=headers,
            html=html,
            in_reply_to=in_reply_to,
            in_reply_to_id=in_reply_to_id,
            message_id=message_id,
            preview=preview,
            references=references,
            reply_text=reply_text,
            reply_to=reply_to,
            subject=subject,
            text=text,
            thread_id=thread_id,
            to=to,
        )

        draft_out.additional_properties = d
        return draft_out

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
