from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.security import Security
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.o_auth_2_config import OAuth2Config


T = TypeVar("T", bound="ServerConfig")


@_attrs_define
class ServerConfig:
    """How to reach and log in to one mail server.

    Attributes:
        host (str):
        port (int):
        username (str):
        ca_file (None | str | Unset):
        max_connections (int | None | Unset): At most this many connections of the account to this server at once,
            request pool and watchers together (Gmail allows 15 IMAP connections, Microsoft 365 about 20); a request waits
            for a free one for GATEWAY_CONNECTION_WAIT seconds, then gets 503 connection_limit_reached. null: no limit
        oauth2 (None | OAuth2Config | Unset):
        password (None | str | Unset):
        security (Security | Unset):
        tls_verify (bool | Unset):  Default: True.
    """

    host: str
    port: int
    username: str
    ca_file: None | str | Unset = UNSET
    max_connections: int | None | Unset = UNSET
    oauth2: None | OAuth2Config | Unset = UNSET
    password: None | str | Unset = UNSET
    security: Security | Unset = UNSET
    tls_verify: bool | Unset = True

    def to_dict(self) -> dict[str, Any]:
        from ..models.o_auth_2_config import OAuth2Config  # noqa: PLC0415

        host = self.host

        port = self.port

        username = self.username

        ca_file: None | str | Unset
        if isinstance(self.ca_file, Unset):
            ca_file = UNSET
        else:
            ca_file = self.ca_file

        max_connections: int | None | Unset
        if isinstance(self.max_connections, Unset):
            max_connections = UNSET
        else:
            max_connections = self.max_connections

        oauth2: dict[str, Any] | None | Unset
        if isinstance(self.oauth2, Unset):
            oauth2 = UNSET
        elif isinstance(self.oauth2, OAuth2Config):
            oauth2 = self.oauth2.to_dict()
        else:
            oauth2 = self.oauth2

        password: None | str | Unset
        if isinstance(self.password, Unset):
            password = UNSET
        else:
            password = self.password

        security: str | Unset = UNSET
        if not isinstance(self.security, Unset):
            security = self.security.value

        tls_verify = self.tls_verify

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "host": host,
                "port": port,
                "username": username,
            }
        )
        if ca_file is not UNSET:
            field_dict["ca_file"] = ca_file
        if max_connections is not UNSET:
            field_dict["max_connections"] = max_connections
        if oauth2 is not UNSET:
            field_dict["oauth2"] = oauth2
        if password is not UNSET:
            field_dict["password"] = password
        if security is not UNSET:
            field_dict["security"] = security
        if tls_verify is not UNSET:
            field_dict["tls_verify"] = tls_verify

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.o_auth_2_config import OAuth2Config  # noqa: PLC0415

        d = dict(src_dict)
        host = d.pop("host")

        port = d.pop("port")

        username = d.pop("username")

        def _parse_ca_file(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ca_file = _parse_ca_file(d.pop("ca_file", UNSET))

        def _parse_max_connections(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_connections = _parse_max_connections(d.pop("max_connections", UNSET))

        def _parse_oauth2(data: object) -> None | OAuth2Config | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                oauth2_type_0 = OAuth2Config.from_dict(data)

                return oauth2_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | OAuth2Config | Unset, data)

        oauth2 = _parse_oauth2(d.pop("oauth2", UNSET))

        def _parse_password(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        password = _parse_password(d.pop("password", UNSET))

        _security = d.pop("security", UNSET)
        security: Security | Unset
        if isinstance(_security, Unset):
            security = UNSET
        else:
            security = Security(_security)

        tls_verify = d.pop("tls_verify", UNSET)

        server_config = cls(
            host=host,
            port=port,
            username=username,
            ca_file=ca_file,
            max_connections=max_connections,
            oauth2=oauth2,
            password=password,
            security=security,
            tls_verify=tls_verify,
        )

        return server_config
