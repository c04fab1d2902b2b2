from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.account_out_source import AccountOutSource

if TYPE_CHECKING:
    from ..models.server_out import ServerOut


T = TypeVar("T", bound="AccountOut")


@_attrs_define
class AccountOut:
    """
    Attributes:
        aliases (list[str]):
        allow_any_from (bool):
        created_at (datetime.datetime):
        daily_send_limit (int | None):
        email (str):
        id (str):
        imap (None | ServerOut):
        name (str):
        pop3 (None | ServerOut):
        smtp (None | ServerOut):
        source (AccountOutSource):
        updated_at (datetime.datetime):
        watch_mailboxes (list[str]):
    """

    aliases: list[str]
    allow_any_from: bool
    created_at: datetime.datetime
    daily_send_limit: int | None
    email: str
    id: str
    imap: None | ServerOut
    name: str
    pop3: None | ServerOut
    smtp: None | ServerOut
    source: AccountOutSource
    updated_at: datetime.datetime
    watch_mailboxes: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.server_out import ServerOut  # noqa: PLC0415

        aliases = self.aliases

        allow_any_from = self.allow_any_from

        created_at = self.created_at.isoformat()

        daily_send_limit: int | None
        daily_send_limit = self.daily_send_limit

        email = self.email

        id = self.id

        imap: dict[str, Any] | None
        if isinstance(self.imap, ServerOut):
            imap = self.imap.to_dict()
        else:
            imap = self.imap

        name = self.name

        pop3: dict[str, Any] | None
        if isinstance(self.pop3, ServerOut):
            pop3 = self.pop3.to_dict()
        else:
            pop3 = self.pop3

        smtp: dict[str, Any] | None
        if isinstance(self.smtp, ServerOut):
            smtp = self.smtp.to_dict()
        else:
            smtp = self.smtp

        source = self.source.value

        updated_at = self.updated_at.isoformat()

        watch_mailboxes = self.watch_mailboxes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "aliases": aliases,
                "allow_any_from": allow_any_from,
                "created_at": created_at,
                "daily_send_limit": daily_send_limit,
                "email": email,
                "id": id,
                "imap": imap,
                "name": name,
                "pop3": pop3,
                "smtp": smtp,
                "source": source,
                "updated_at": updated_at,
                "watch_mailboxes": watch_mailboxes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.server_out import ServerOut  # noqa: PLC0415

        d = dict(src_dict)
        aliases = cast(list[str], d.pop("aliases"))

        allow_any_from = d.pop("allow_any_from")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_daily_send_limit(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        daily_send_limit = _parse_daily_send_limit(d.pop("daily_send_limit"))

        email = d.pop("email")

        id = d.pop("id")

        def _parse_imap(data: object) -> None | ServerOut:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                imap_type_0 = ServerOut.from_dict(data)

                return imap_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ServerOut, data)

        imap = _parse_imap(d.pop("imap"))

        name = d.pop("name")

        def _parse_pop3(data: object) -> None | ServerOut:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                pop3_type_0 = ServerOut.from_dict(data)

                return pop3_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ServerOut, data)

        pop3 = _parse_pop3(d.pop("pop3"))

        def _parse_smtp(data: object) -> None | ServerOut:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                smtp_type_0 = ServerOut.from_dict(data)

                return smtp_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ServerOut, data)

        smtp = _parse_smtp(d.pop("smtp"))

        source = AccountOutSource(d.pop("source"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        watch_mailboxes = cast(list[str], d.pop("watch_mailboxes"))

        account_out = cls(
            aliases=aliases,
            allow_any_from=allow_any_from,
            created_at=created_at,
            daily_send_limit=daily_send_limit,
            email=email,
            id=id,
            imap=imap,
            name=name,
            pop3=pop3,
            smtp=smtp,
            source=source,
            updated_at=updated_at,
            watch_mailboxes=watch_mailboxes,
        )

        account_out.additional_properties = d
        return account_out

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
