from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.security import Security
from ..models.server_out_oauth_2_grant_type_0 import ServerOutOauth2GrantType0

T = TypeVar("T", bound="ServerOut")


@_attrs_define
class ServerOut:
    """
    Attributes:
        ca_file (None | str):
        has_password (bool):
        host (str):
        max_connections (int | None):
        oauth2 (bool):
        oauth2_grant (None | ServerOutOauth2GrantType0): How the OAuth2 tokens are renewed (null without OAuth2)
        port (int):
        security (Security):
        tls_verify (bool):
        username (str):
    """

    ca_file: None | str
    has_password: bool
    host: str
    max_connections: int | None
    oauth2: bool
    oauth2_grant: None | ServerOutOauth2GrantType0
    port: int
    security: Security
    tls_verify: bool
    username: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        ca_file: None | str
        ca_file = self.ca_file

        has_password = self.has_password

        host = self.host

        max_connections: int | None
        max_connections = self.max_connections

        oauth2 = self.oauth2

        oauth2_grant: None | str
        if isinstance(self.oauth2_grant, ServerOutOauth2GrantType0):
            oauth2_grant = self.oauth2_grant.value
        else:
            oauth2_grant = self.oauth2_grant

        port = self.port

        security = self.security.value

        tls_verify = self.tls_verify

        username = self.username

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "ca_file": ca_file,
                "has_password": has_password,
                "host": host,
                "max_connections": max_connections,
                "oauth2": oauth2,
                "oauth2_grant": oauth2_grant,
                "port": port,
                "security": security,
                "tls_verify": tls_verify,
                "username": username,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_ca_file(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        ca_file = _parse_ca_file(d.pop("ca_file"))

        has_password = d.pop("has_password")

        host = d.pop("host")

        def _parse_max_connections(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        max_connections = _parse_max_connections(d.pop("max_connections"))

        oauth2 = d.pop("oauth2")

        def _parse_oauth2_grant(data: object) -> None | ServerOutOauth2GrantType0:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                oauth2_grant_type_0 = ServerOutOauth2GrantType0(data)

                return oauth2_grant_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ServerOutOauth2GrantType0, data)

        oauth2_grant = _parse_oauth2_grant(d.pop("oauth2_grant"))

        port = d.pop("port")

        security = Security(d.pop("security"))

        tls_verify = d.pop("tls_verify")

        username = d.pop("username")

        server_out = cls(
            ca_file=ca_file,
            has_password=has_password,
            host=host,
            max_connections=max_connections,
            oauth2=oauth2,
            oauth2_grant=oauth2_grant,
            port=port,
            security=security,
            tls_verify=tls_verify,
            username=username,
        )

        server_out.additional_properties = d
        return server_out

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
