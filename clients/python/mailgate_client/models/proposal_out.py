from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.proposal_out_oauth_2_provider_type_0 import ProposalOutOauth2ProviderType0
from ..models.proposal_out_source import ProposalOutSource
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.proposed_account import ProposedAccount
    from ..models.proposed_server import ProposedServer


T = TypeVar("T", bound="ProposalOut")


@_attrs_define
class ProposalOut:
    """
    Attributes:
        account (ProposedAccount): A body for ``POST /v1/accounts`` as proposed: add ``id`` if you like and a
            ``password`` to each server block.
        notes (list[str]): what to check before using it
        oauth2_provider (None | ProposalOutOauth2ProviderType0): connect through an OAuth2 app of this provider (POST
            /v1/oauth2/apps)
        origin (str): the preset's reason, the autoconfig URL, the SRV domain
        provider (None | str): the provider's or the file's display name
        source (ProposalOutSource): `preset` (a known provider), `autoconfig` (the domain's autoconfig file), `srv` (RFC
            6186 DNS records)
        imap (None | ProposedServer | Unset):
        pop3 (None | ProposedServer | Unset):
        smtp (None | ProposedServer | Unset):
    """

    account: ProposedAccount
    notes: list[str]
    oauth2_provider: None | ProposalOutOauth2ProviderType0
    origin: str
    provider: None | str
    source: ProposalOutSource
    imap: None | ProposedServer | Unset = UNSET
    pop3: None | ProposedServer | Unset = UNSET
    smtp: None | ProposedServer | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.proposed_server import ProposedServer  # noqa: PLC0415

        account = self.account.to_dict()

        notes = self.notes

        oauth2_provider: None | str
        if isinstance(self.oauth2_provider, ProposalOutOauth2ProviderType0):
            oauth2_provider = self.oauth2_provider.value
        else:
            oauth2_provider = self.oauth2_provider

        origin = self.origin

        provider: None | str
        provider = self.provider

        source = self.source.value

        imap: dict[str, Any] | None | Unset
        if isinstance(self.imap, Unset):
            imap = UNSET
        elif isinstance(self.imap, ProposedServer):
            imap = self.imap.to_dict()
        else:
            imap = self.imap

        pop3: dict[str, Any] | None | Unset
        if isinstance(self.pop3, Unset):
            pop3 = UNSET
        elif isinstance(self.pop3, ProposedServer):
            pop3 = self.pop3.to_dict()
        else:
            pop3 = self.pop3

        smtp: dict[str, Any] | None | Unset
        if isinstance(self.smtp, Unset):
            smtp = UNSET
        elif isinstance(self.smtp, ProposedServer):
            smtp = self.smtp.to_dict()
        else:
            smtp = self.smtp

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account": account,
                "notes": notes,
                "oauth2_provider": oauth2_provider,
                "origin": origin,
                "provider": provider,
                "source": source,
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
        from ..models.proposed_account import ProposedAccount  # noqa: PLC0415
        from ..models.proposed_server import ProposedServer  # noqa: PLC0415

        d = dict(src_dict)
        account = ProposedAccount.from_dict(d.pop("account"))

        notes = cast(list[str], d.pop("notes"))

        def _parse_oauth2_provider(data: object) -> None | ProposalOutOauth2ProviderType0:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                oauth2_provider_type_0 = ProposalOutOauth2ProviderType0(data)

                return oauth2_provider_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProposalOutOauth2ProviderType0, data)

        oauth2_provider = _parse_oauth2_provider(d.pop("oauth2_provider"))

        origin = d.pop("origin")

        def _parse_provider(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        provider = _parse_provider(d.pop("provider"))

        source = ProposalOutSource(d.pop("source"))

        def _parse_imap(data: object) -> None | ProposedServer | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                imap_type_0 = ProposedServer.from_dict(data)

                return imap_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProposedServer | Unset, data)

        imap = _parse_imap(d.pop("imap", UNSET))

        def _parse_pop3(data: object) -> None | ProposedServer | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                pop3_type_0 = ProposedServer.from_dict(data)

                return pop3_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProposedServer | Unset, data)

        pop3 = _parse_pop3(d.pop("pop3", UNSET))

        def _parse_smtp(data: object) -> None | ProposedServer | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                smtp_type_0 = ProposedServer.from_dict(data)

                return smtp_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProposedServer | Unset, data)

        smtp = _parse_smtp(d.pop("smtp", UNSET))

        proposal_out = cls(
            account=account,
            notes=notes,
            oauth2_provider=oauth2_provider,
            origin=origin,
            provider=provider,
            source=source,
            imap=imap,
            pop3=pop3,
            smtp=smtp,
        )

        proposal_out.additional_properties = d
        return proposal_out

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
