from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.proposed_block_security import ProposedBlockSecurity

T = TypeVar("T", bound="ProposedBlock")


@_attrs_define
class ProposedBlock:
    """A server block of ``POST /v1/accounts`` without its secret: add ``password`` (or
    connect the account through an OAuth2 app).

        Attributes:
            host (str):
            port (int):
            security (ProposedBlockSecurity):
            username (str):
    """

    host: str
    port: int
    security: ProposedBlockSecurity
    username: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        host = self.host

        port = self.port

        security = self.security.value

        username = self.username

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "host": host,
                "port": port,
                "security": security,
                "username": username,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        host = d.pop("host")

        port = d.pop("port")

        security = ProposedBlockSecurity(d.pop("security"))

        username = d.pop("username")

        proposed_block = cls(
            host=host,
            port=port,
            security=security,
            username=username,
        )

        proposed_block.additional_properties = d
        return proposed_block

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
