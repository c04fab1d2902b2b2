from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.security import Security
from ..types import UNSET, Unset

T = TypeVar("T", bound="MailServerPreset")


@_attrs_define
class MailServerPreset:
    """Where a generic provider's mailboxes are served (the username is the address).

    Attributes:
        host (str):
        port (int):
        max_connections (int | None | Unset): The server's cap on one account's connections (copied into the accounts'
            server blocks)
        security (Security | Unset):
    """

    host: str
    port: int
    max_connections: int | None | Unset = UNSET
    security: Security | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        host = self.host

        port = self.port

        max_connections: int | None | Unset
        if isinstance(self.max_connections, Unset):
            max_connections = UNSET
        else:
            max_connections = self.max_connections

        security: str | Unset = UNSET
        if not isinstance(self.security, Unset):
            security = self.security.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "host": host,
                "port": port,
            }
        )
        if max_connections is not UNSET:
            field_dict["max_connections"] = max_connections
        if security is not UNSET:
            field_dict["security"] = security

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        host = d.pop("host")

        port = d.pop("port")

        def _parse_max_connections(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_connections = _parse_max_connections(d.pop("max_connections", UNSET))

        _security = d.pop("security", UNSET)
        security: Security | Unset
        if isinstance(_security, Unset):
            security = UNSET
        else:
            security = Security(_security)

        mail_server_preset = cls(
            host=host,
            port=port,
            max_connections=max_connections,
            security=security,
        )

        return mail_server_preset
