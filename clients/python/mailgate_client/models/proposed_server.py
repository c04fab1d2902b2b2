from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.proposed_server_auth import ProposedServerAuth
from ..models.proposed_server_security import ProposedServerSecurity

T = TypeVar("T", bound="ProposedServer")


@_attrs_define
class ProposedServer:
    """A server block for ``POST /v1/accounts`` (add ``password``, or connect via OAuth2).

    Attributes:
        auth (ProposedServerAuth): how the server wants the login: a password, or OAuth2 (an OAuth2 app)
        host (str):
        origin (str): the record or element it came from (`SRV _imaps._tcp.example.com`, `incomingServer type=imap`)
        port (int):
        security (ProposedServerSecurity):
        username (str):
    """

    auth: ProposedServerAuth
    host: str
    origin: str
    port: int
    security: ProposedServerSecurity
    username: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        auth = self.auth.value

        host = self.host

        origin = self.origin

        port = self.port

        security = self.security.value

        username = self.username

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "auth": auth,
                "host": host,
                "origin": origin,
                "port": port,
                "security": security,
                "username": username,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        auth = ProposedServerAuth(d.pop("auth"))

        host = d.pop("host")

        origin = d.pop("origin")

        port = d.pop("port")

        security = ProposedServerSecurity(d.pop("security"))

        username = d.pop("username")

        proposed_server = cls(
            auth=auth,
            host=host,
            origin=origin,
            port=port,
            security=security,
            username=username,
        )

        proposed_server.additional_properties = d
        return proposed_server

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
