from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.address_out import AddressOut
    from ..models.gmail_info import GmailInfo


T = TypeVar("T", bound="SearchHit")


@_attrs_define
class SearchHit:
    """A message found: a listing item, with its account and when it arrived.

    Attributes:
        account (str): The account id
        flags (list[str]):
        has_attachments (bool):
        id (str): Opaque; encodes mailbox, UIDVALIDITY and UID
        mailbox (str): The mailbox id
        received_at (datetime.datetime | None): When the server received it (IMAP INTERNALDATE): results come newest
            first by it
        size (int):
        uid (int):
        cc (list[AddressOut] | Unset):
        date (None | str | Unset): RFC 3339, UTC
        from_ (list[AddressOut] | Unset):
        gmail (GmailInfo | None | Unset): Gmail only (X-GM-EXT-1)
        message_id (None | str | Unset):
        preview (None | str | Unset):
        subject (None | str | Unset):
        thread_count (int | None | Unset): With collapse_threads=true: how many messages of the listing (this mailbox,
            these filters) the thread has; this item is the newest of them. Null otherwise.
        thread_id (None | str | Unset): The message's thread: the server's (Gmail X-GM-THRID as gm.<hex>, RFC 8474
            THREADID as s.<id>) or else built by the gateway from Message-ID, References and In-Reply-To (RFC 5256
            REFERENCES; 16 characters, the same on every server for the same mail). A thread joined to an older one by a
            message that links them takes the older one's id. GET /v1/accounts/{account}/threads/{thread_id} lists its
            messages.
        to (list[AddressOut] | Unset):
    """

    account: str
    flags: list[str]
    has_attachments: bool
    id: str
    mailbox: str
    received_at: datetime.datetime | None
    size: int
    uid: int
    cc: list[AddressOut] | Unset = UNSET
    date: None | str | Unset = UNSET
    from_: list[AddressOut] | Unset = UNSET
    gmail: GmailInfo | None | Unset = UNSET
    message_id: None | str | Unset = UNSET
    preview: None | str | Unset = UNSET
    subject: None | str | Unset = UNSET
    thread_count: int | None | Unset = UNSET
    thread_id: None | str | Unset = UNSET
    to: list[AddressOut] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.gmail_info import GmailInfo  # noqa: PLC0415

        account = self.account

        flags = self.flags

        has_attachments = self.has_attachments

        id = self.id

        mailbox = self.mailbox

        received_at: None | str
        if isinstance(self.received_at, datetime.datetime):
            received_at = self.received_at.isoformat()
        else:
            received_at = self.received_at

        size = self.size

        uid = self.uid

        cc: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.cc, Unset):
            cc = []
            for cc_item_data in self.cc:
                cc_item = cc_item_data.to_dict()
                cc.append(cc_item)

        date: None | str | Unset
        if isinstance(self.date, Unset):
            date = UNSET
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

        subject: None | str | Unset
        if isinstance(self.subject, Unset):
            subject = UNSET
        else:
            subject = self.subject

        thread_count: int | None | Unset
        if isinstance(self.thread_count, Unset):
            thread_count = UNSET
        else:
            thread_count = self.thread_count

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
                "account": account,
                "flags": flags,
                "has_attachments": has_attachments,
                "id": id,
                "mailbox": mailbox,
                "received_at": received_at,
                "size": size,
                "uid": uid,
            }
        )
        if cc is not UNSET:
            field_dict["cc"] = cc
        if date is not UNSET:
            field_dict["date"] = date
        if from_ is not UNSET:
            field_dict["from"] = from_
        if gmail is not UNSET:
            field_dict["gmail"] = gmail
        if message_id is not UNSET:
            field_dict["message_id"] = message_id
        if preview is not UNSET:
            field_dict["preview"] = preview
        if subject is not UNSET:
            field_dict["subject"] = subject
        if thread_count is not UNSET:
            field_dict["thread_count"] = thread_count
        if thread_id is not UNSET:
            field_dict["thread_id"] = thread_id
        if to is not UNSET:
            field_dict["to"] = to

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.address_out import AddressOut  # noqa: PLC0415
        from ..models.gmail_info import GmailInfo  # noqa: PLC0415

        d = dict(src_dict)
        account = d.pop("account")

        flags = cast(list[str], d.pop("flags"))

        has_attachments = d.pop("has_attachments")

        id = d.pop("id")

        mailbox = d.pop("mailbox")

        def _parse_received_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                received_at_type_0 = datetime.datetime.fromisoformat(data)

                return received_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        received_at = _parse_received_at(d.pop("received_at"))

        size = d.pop("size")

        uid = d.pop("uid")

        _cc = d.pop("cc", UNSET)
        cc: list[AddressOut] | Unset = UNSET
        if _cc is not UNSET:
            cc = []
            for cc_item_data in _cc:
                cc_item = AddressOut.from_dict(cc_item_data)

                cc.append(cc_item)

        def _parse_date(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

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

        def _parse_subject(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        subject = _parse_subject(d.pop("subject", UNSET))

        def _parse_thread_count(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        thread_count = _parse_thread_count(d.pop("thread_count", UNSET))

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

        search_hit = cls(
            account=account,
            flags=flags,
            has_attachments=has_attachments,
            id=id,
            mailbox=mailbox,
            received_at=received_at,
            size=size,
            uid=uid,
            cc=cc,
            date=date,
            from_=from_,
            gmail=gmail,
            message_id=message_id,
            preview=preview,
            subject=subject,
            thread_count=thread_count,
            thread_id=thread_id,
            to=to,
        )

        search_hit.additional_properties = d
        return search_hit

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
