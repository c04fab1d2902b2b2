from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="AuditEntryOut")


@_attrs_define
class AuditEntryOut:
    """
    Attributes:
        account (None | str): The account of the path or the created account
        at (datetime.datetime): When the request arrived
        client_ip (None | str):
        code (None | str): The problem's `code` of a refusal or failure
        id (str):
        method (str):
        route (str): The route template, e.g. `/v1/tokens/{token_id}`
        status (int): The HTTP status of the answer
        target (None | str): The id acted on (token, webhook, queue item...)
        token (None | str): The caller's token id (`admin-env`: GATEWAY_ADMIN_TOKEN; null: no valid token)
    """

    account: None | str
    at: datetime.datetime
    client_ip: None | str
    code: None | str
    id: str
    method: str
    route: str
    status: int
    target: None | str
    token: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        account: None | str
        account = self.account

        at = self.at.isoformat()

        client_ip: None | str
        client_ip = self.client_ip

        code: None | str
        code = self.code

        id = self.id

        method = self.method

        route = self.route

        status = self.status

        target: None | str
        target = self.target

        token: None | str
        token = self.token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account": account,
                "at": at,
                "client_ip": client_ip,
                "code": code,
                "id": id,
                "method": method,
                "route": route,
                "status": status,
                "target": target,
                "token": token,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_account(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        account = _parse_account(d.pop("account"))

        at = datetime.datetime.fromisoformat(d.pop("at"))

        def _parse_client_ip(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        client_ip = _parse_client_ip(d.pop("client_ip"))

        def _parse_code(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        code = _parse_code(d.pop("code"))

        id = d.pop("id")

        method = d.pop("method")

        route = d.pop("route")

        status = d.pop("status")

        def _parse_target(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        target = _parse_target(d.pop("target"))

        def _parse_token(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        token = _parse_token(d.pop("token"))

        audit_entry_out = cls(
            account=account,
            at=at,
            client_ip=client_ip,
            code=code,
            id=id,
            method=method,
            route=route,
            status=status,
            target=target,
            token=token,
        )

        audit_entry_out.additional_properties = d
        return audit_entry_out

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
