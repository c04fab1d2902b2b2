from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.mail_server_preset import MailServerPreset


T = TypeVar("T", bound="GenericServers")


@_attrs_define
class GenericServers:
    """
    Attributes:
        imap (MailServerPreset | None | Unset):
        pop3 (MailServerPreset | None | Unset):
        smtp (MailServerPreset | None | Unset):
    """

    imap: MailServerPreset | None | Unset = UNSET
    pop3: MailServerPreset | None | Unset = UNSET
    smtp: MailServerPreset | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.mail_server_preset import MailServerPreset  # noqa: PLC0415

        imap: dict[str, Any] | None | Unset
        if isinstance(self.imap, Unset):
            imap = UNSET
        elif isinstance(self.imap, MailServerPreset):
            imap = self.imap.to_dict()
        else:
            imap = self.imap

        pop3: dict[str, Any] | None | Unset
        if isinstance(self.pop3, Unset):
            pop3 = UNSET
        elif isinstance(self.pop3, MailServerPreset):
            pop3 = self.pop3.to_dict()
        else:
            pop3 = self.pop3

        smtp: dict[str, Any] | None | Unset
        if isinstance(self.smtp, Unset):
            smtp = UNSET
        elif isinstance(self.smtp, MailServerPreset):
            smtp = self.smtp.to_dict()
        else:
            smtp = self.smtp

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if imap is not UNSET:
            field_dict["imap"] = imap
        if pop3 is not UNSET:
            field_dict["pop3"] = pop3
        if smtp is not UNSET:
            field_dict["smtp"] = smtp

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.mail_server_preset import MailServerPreset  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_imap(data: object) -> MailServerPreset | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                imap_type_0 = MailServerPreset.from_dict(data)

                return imap_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MailServerPreset | None | Unset, data)

        imap = _parse_imap(d.pop("imap", UNSET))

        def _parse_pop3(data: object) -> MailServerPreset | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                pop3_type_0 = MailServerPreset.from_dict(data)

                return pop3_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MailServerPreset | None | Unset, data)

        pop3 = _parse_pop3(d.pop("pop3", UNSET))

        def _parse_smtp(data: object) -> MailServerPreset | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                smtp_type_0 = MailServerPreset.from_dict(data)

                return smtp_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MailServerPreset | None | Unset, data)

        smtp = _parse_smtp(d.pop("smtp", UNSET))

        generic_servers = cls(
            imap=imap,
            pop3=pop3,
            smtp=smtp,
        )

        return generic_servers
