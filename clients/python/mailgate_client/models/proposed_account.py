from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.proposed_block import ProposedBlock


T = TypeVar("T", bound="ProposedAccount")


@_attrs_define
class ProposedAccount:
    """A body for ``POST /v1/accounts`` as proposed: add ``id`` if you like and a
    ``password`` to each server block.

        Attributes:
            email (str):
            name (str):
            imap (None | ProposedBlock | Unset):
            pop3 (None | ProposedBlock | Unset):
            smtp (None | ProposedBlock | Unset):
    """

    email: str
    name: str
    imap: None | ProposedBlock | Unset = UNSET
    pop3: None | ProposedBlock | Unset = UNSET
    smtp: None | ProposedBlock | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.proposed_block import ProposedBlock  # noqa: PLC0415

        email = self.email

        name = self.name

        imap: dict[str, Any] | None | Unset
        if isinstance(self.imap, Unset):
            imap = UNSET
        elif isinstance(self.imap, ProposedBlock):
            imap = self.imap.to_dict()
        else:
            imap = self.imap

        pop3: dict[str, Any] | None | Unset
        if isinstance(self.pop3, Unset):
            pop3 = UNSET
        elif isinstance(self.pop3, ProposedBlock):
            pop3 = self.pop3.to_dict()
        else:
            pop3 = self.pop3

        smtp: dict[str, Any] | None | Unset
        if isinstance(self.smtp, Unset):
            smtp = UNSET
        elif isinstance(self.smtp, ProposedBlock):
            smtp = self.smtp.to_dict()
        else:
            smtp = self.smtp

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "email": email,
                "name": name,
            }
        )
        if imap is not UNSET:
            field_dict["imap"] = imap
        if pop3 is not UNSET:
            field_dict["pop3"] = pop3
        if smtp is not UNSET:
            field_dict["smtp"] = smtp

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.proposed_block import ProposedBlock  # noqa: PLC0415

        d = dict(src_dict)
        email = d.pop("email")

        name = d.pop("name")

        def _parse_imap(data: object) -> None | ProposedBlock | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                imap_type_0 = ProposedBlock.from_dict(data)

                return imap_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProposedBlock | Unset, data)

        imap = _parse_imap(d.pop("imap", UNSET))

        def _parse_pop3(data: object) -> None | ProposedBlock | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                pop3_type_0 = ProposedBlock.from_dict(data)

                return pop3_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProposedBlock | Unset, data)

        pop3 = _parse_pop3(d.pop("pop3", UNSET))

        def _parse_smtp(data: object) -> None | ProposedBlock | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                smtp_type_0 = ProposedBlock.from_dict(data)

                return smtp_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProposedBlock | Unset, data)

        smtp = _parse_smtp(d.pop("smtp", UNSET))

        proposed_account = cls(
            email=email,
            name=name,
            imap=imap,
            pop3=pop3,
            smtp=smtp,
        )

        proposed_account.additional_properties = d
        return proposed_account

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
