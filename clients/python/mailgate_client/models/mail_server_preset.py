from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

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
        security (Security | Unset):
    """

    host: str
    port: int
    security: Security | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        host = self.host

        port = self.port

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
        if security is not UNSET:
            field_dict["security"] = security

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        host = d.pop("host")

        port = d.pop("port")

        _security = d.pop("security", UNSET)
        security: Security | Unset
        if isinstance(_security, Unset):
            security = UNSET
        else:
            security = Security(_security)

        mail_server_preset = cls(
            host=host,
            port=port,
            security=security,
        )

        return mail_server_preset
