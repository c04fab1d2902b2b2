from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.server_config import ServerConfig


T = TypeVar("T", bound="AccountUpdate")


@_attrs_define
class AccountUpdate:
    """Fields to change; a server block replaces the stored one (``null`` removes it).

    Attributes:
        aliases (list[str] | Unset): Addresses the account may send as besides its email; `*@example.com` allows every
            address of that domain
        allow_any_from (bool | Unset):
        daily_send_limit (int | None | Unset): null: no limit
        email (str | Unset):
        imap (None | ServerConfig | Unset):
        name (str | Unset):
        pop3 (None | ServerConfig | Unset):
        smtp (None | ServerConfig | Unset):
        watch_mailboxes (list[str] | Unset):
    """

    aliases: list[str] | Unset = UNSET
    allow_any_from: bool | Unset = UNSET
    daily_send_limit: int | None | Unset = UNSET
    email: str | Unset = UNSET
    imap: None | ServerConfig | Unset = UNSET
    name: str | Unset = UNSET
    pop3: None | ServerConfig | Unset = UNSET
    smtp: None | ServerConfig | Unset = UNSET
    watch_mailboxes: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.server_config import ServerConfig  # noqa: PLC0415

        aliases: list[str] | Unset = UNSET
        if not isinstance(self.aliases, Unset):
            aliases = self.aliases

        allow_any_from = self.allow_any_from

        daily_send_limit: int | None | Unset
        if isinstance(self.daily_send_limit, Unset):
            daily_send_limit = UNSET
        else:
            daily_send_limit = self.daily_send_limit

        email = self.email

        imap: dict[str, Any] | None | Unset
        if isinstance(self.imap, Unset):
            imap = UNSET
        elif isinstance(self.imap, ServerConfig):
            imap = self.imap.to_dict()
        else:
            imap = self.imap

        name = self.name

        pop3: dict[str, Any] | None | Unset
        if isinstance(self.pop3, Unset):
            pop3 = UNSET
        elif isinstance(self.pop3, ServerConfig):
            pop3 = self.pop3.to_dict()
        else:
            pop3 = self.pop3

        smtp: dict[str, Any] | None | Unset
        if isinstance(self.smtp, Unset):
            smtp = UNSET
        elif isinstance(self.smtp, ServerConfig):
            smtp = self.smtp.to_dict()
        else:
            smtp = self.smtp

        watch_mailboxes: list[str] | Unset = UNSET
        if not isinstance(self.watch_mailboxes, Unset):
            watch_mailboxes = self.watch_mailboxes

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if aliases is not UNSET:
            field_dict["aliases"] = aliases
        if allow_any_from is not UNSET:
            field_dict["allow_any_from"] = allow_any_from
        if daily_send_limit is not UNSET:
            field_dict["daily_send_limit"] = daily_send_limit
        if email is not UNSET:
            field_dict["email"] = email
        if imap is not UNSET:
            field_dict["imap"] = imap
        if name is not UNSET:
            field_dict["name"] = name
        if pop3 is not UNSET:
            field_dict["pop3"] = pop3
        if smtp is not UNSET:
            field_dict["smtp"] = smtp
        if watch_mailboxes is not UNSET:
            field_dict["watch_mailboxes"] = watch_mailboxes

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.server_config import ServerConfig  # noqa: PLC0415

        d = dict(src_dict)
        aliases = cast(list[str], d.pop("aliases", UNSET))

        allow_any_from = d.pop("allow_any_from", UNSET)

        def _parse_daily_send_limit(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        daily_send_limit = _parse_daily_send_limit(d.pop("daily_send_limit", UNSET))

        email = d.pop("email", UNSET)

        def _parse_imap(data: object) -> None | ServerConfig | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                imap_type_0 = ServerConfig.from_dict(data)

                return imap_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ServerConfig | Unset, data)

        imap = _parse_imap(d.pop("imap", UNSET))

        name = d.pop("name", UNSET)

        def _parse_pop3(data: object) -> None | ServerConfig | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                pop3_type_0 = ServerConfig.from_dict(data)

                return pop3_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ServerConfig | Unset, data)

        pop3 = _parse_pop3(d.pop("pop3", UNSET))

        def _parse_smtp(data: object) -> None | ServerConfig | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                smtp_type_0 = ServerConfig.from_dict(data)

                return smtp_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ServerConfig | Unset, data)

        smtp = _parse_smtp(d.pop("smtp", UNSET))

        watch_mailboxes = cast(list[str], d.pop("watch_mailboxes", UNSET))

        account_update = cls(
            aliases=aliases,
            allow_any_from=allow_any_from,
            daily_send_limit=daily_send_limit,
            email=email,
            imap=imap,
            name=name,
            pop3=pop3,
            smtp=smtp,
            watch_mailboxes=watch_mailboxes,
        )

        return account_update
