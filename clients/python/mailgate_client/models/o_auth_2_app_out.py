from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="OAuth2AppOut")


@_attrs_define
class OAuth2AppOut:
    """An app; its client secret is never shown.

    Attributes:
        authorization_url (None | str):
        client_id (str):
        created_at (datetime.datetime):
        id (str):
        name (str):
        provider (str):
        redirect_url (str):
        scopes (list[str] | None):
        tenant (None | str):
        token_url (None | str):
        userinfo_url (None | str):
    """

    authorization_url: None | str
    client_id: str
    created_at: datetime.datetime
    id: str
    name: str
    provider: str
    redirect_url: str
    scopes: list[str] | None
    tenant: None | str
    token_url: None | str
    userinfo_url: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        authorization_url: None | str
        authorization_url = self.authorization_url

        client_id = self.client_id

        created_at = self.created_at.isoformat()

        id = self.id

        name = self.name

        provider = self.provider

        redirect_url = self.redirect_url

        scopes: list[str] | None
        if isinstance(self.scopes, list):
            scopes = self.scopes

        else:
            scopes = self.scopes

        tenant: None | str
        tenant = self.tenant

        token_url: None | str
        token_url = self.token_url

        userinfo_url: None | str
        userinfo_url = self.userinfo_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "authorization_url": authorization_url,
                "client_id": client_id,
                "created_at": created_at,
                "id": id,
                "name": name,
                "provider": provider,
                "redirect_url": redirect_url,
                "scopes": scopes,
                "tenant": tenant,
                "token_url": token_url,
                "userinfo_url": userinfo_url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_authorization_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        authorization_url = _parse_authorization_url(d.pop("authorization_url"))

        client_id = d.pop("client_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = d.pop("id")

        name = d.pop("name")

        provider = d.pop("provider")

        redirect_url = d.pop("redirect_url")

        def _parse_scopes(data: object) -> list[str] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                scopes_type_0 = cast(list[str], data)

                return scopes_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None, data)

        scopes = _parse_scopes(d.pop("scopes"))

        def _parse_tenant(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        tenant = _parse_tenant(d.pop("tenant"))

        def _parse_token_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        token_url = _parse_token_url(d.pop("token_url"))

        def _parse_userinfo_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        userinfo_url = _parse_userinfo_url(d.pop("userinfo_url"))

        o_auth_2_app_out = cls(
            authorization_url=authorization_url,
            client_id=client_id,
            created_at=created_at,
            id=id,
            name=name,
            provider=provider,
            redirect_url=redirect_url,
            scopes=scopes,
            tenant=tenant,
            token_url=token_url,
            userinfo_url=userinfo_url,
        )

        o_auth_2_app_out.additional_properties = d
        return o_auth_2_app_out

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
