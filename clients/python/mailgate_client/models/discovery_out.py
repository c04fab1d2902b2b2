from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.proposal_out import ProposalOut
    from ..models.source_out import SourceOut


T = TypeVar("T", bound="DiscoveryOut")


@_attrs_define
class DiscoveryOut:
    """Every proposal found, the most trustworthy first: a known provider, then the
    domain's autoconfig file(s), then SRV records. Empty when nothing was found.

        Attributes:
            domain (str): the address's domain, in its ASCII (IDNA) form
            email (str):
            proposals (list[ProposalOut]):
            sources (list[SourceOut]):
    """

    domain: str
    email: str
    proposals: list[ProposalOut]
    sources: list[SourceOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        domain = self.domain

        email = self.email

        proposals = []
        for proposals_item_data in self.proposals:
            proposals_item = proposals_item_data.to_dict()
            proposals.append(proposals_item)

        sources = []
        for sources_item_data in self.sources:
            sources_item = sources_item_data.to_dict()
            sources.append(sources_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "domain": domain,
                "email": email,
                "proposals": proposals,
                "sources": sources,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.proposal_out import ProposalOut  # noqa: PLC0415
        from ..models.source_out import SourceOut  # noqa: PLC0415

        d = dict(src_dict)
        domain = d.pop("domain")

        email = d.pop("email")

        proposals = []
        _proposals = d.pop("proposals")
        for proposals_item_data in _proposals:
            proposals_item = ProposalOut.from_dict(proposals_item_data)

            proposals.append(proposals_item)

        sources = []
        _sources = d.pop("sources")
        for sources_item_data in _sources:
            sources_item = SourceOut.from_dict(sources_item_data)

            sources.append(sources_item)

        discovery_out = cls(
            domain=domain,
            email=email,
            proposals=proposals,
            sources=sources,
        )

        discovery_out.additional_properties = d
        return discovery_out

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
