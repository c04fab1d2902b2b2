from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.o_auth_2_app_create_provider import OAuth2AppCreateProvider
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.generic_servers import GenericServers


T = TypeVar("T", bound="OAuth2AppCreate")


@_attrs_define
class OAuth2AppCreate:
    """
    Attributes:
        client_id (str):
        client_secret (str):
        name (str):
        provider (OAuth2AppCreateProvider):
        redirect_url (str): Exactly as registered at the provider: `<gateway base URL>/v1/oauth2/callback`
        authorization_url (None | str | Unset): generic only
        ca_file (None | str | Unset): generic only: CA bundle for its mail servers
        scopes (list[str] | None | Unset): Default: the provider's mail scopes
        servers (GenericServers | None | Unset): generic only
        tenant (None | str | Unset): microsoft: tenant id or domain (default `common`)
        tls_verify (bool | None | Unset): generic only
        token_url (None | str | Unset): generic only
        userinfo_url (None | str | Unset): generic only
    """

    client_id: str
    client_secret: str
    name: str
    provider: OAuth2AppCreateProvider
    redirect_url: str
    authorization_url: None | str | Unset = UNSET
    ca_file: None | str | Unset = UNSET
    scopes: list[str] | None | Unset = UNSET
    servers: GenericServers | None | Unset = UNSET
    tenant: None | str | Unset = UNSET
    tls_verify: bool | None | Unset = UNSET
    token_url: None | str | Unset = UNSET
    userinfo_url: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.generic_servers import GenericServers  # noqa: PLC0415

        client_id = self.client_id

        client_secret = self.client_secret

        name = self.name

        provider = self.provider.value

        redirect_url = self.redirect_url

        authorization_url: None | str | Unset
        if isinstance(self.authorization_url, Unset):
            authorization_url = UNSET
        else:
            authorization_url = self.authorization_url

        ca_file: None | str | Unset
        if isinstance(self.ca_file, Unset):
            ca_file = UNSET
        else:
            ca_file = self.ca_file

        scopes: list[str] | None | Unset
        if isinstance(self.scopes, Unset):
            scopes = UNSET
        elif isinstance(self.scopes, list):
            scopes = self.scopes

        else:
            scopes = self.scopes

        servers: dict[str, Any] | None | Unset
        if isinstance(self.servers, Unset):
            servers = UNSET
        elif isinstance(self.servers, GenericServers):
            servers = self.servers.to_dict()
        else:
            servers = self.servers

        tenant: None | str | Unset
        if isinstance(self.tenant, Unset):
            tenant = UNSET
        else:
            tenant = self.tenant

        tls_verify: bool | None | Unset
        if isinstance(self.tls_verify, Unset):
            tls_verify = UNSET
        else:
            tls_verify = self.tls_verify

        token_url: None | str | Unset
        if isinstance(self.token_url, Unset):
            token_url = UNSET
        else:
            token_url = self.token_url

        userinfo_url: None | str | Unset
        if isinstance(self.userinfo_url, Unset):
            userinfo_url = UNSET
        else:
            userinfo_url = self.userinfo_url

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "client_id": client_id,
                "client_secret": client_secret,
                "name": name,
                "provider": provider,
                "redirect_url": redirect_url,
            }
        )
        if authorization_url is not UNSET:
            field_dict["authorization_url"] = authorization_url
        if ca_file is not UNSET:
            field_dict["ca_file"] = ca_file
        if scopes is not UNSET:
            field_dict["scopes"] = scopes
        if servers is not UNSET:
            field_dict["servers"] = servers
        if tenant is not UNSET:
            field_dict["tenant"] = tenant
        if tls_verify is not UNSET:
            field_dict["tls_verify"] = tls_verify
        if token_url is not UNSET:
            field_dict["token_url"] = token_url
        if userinfo_url is not UNSET:
            field_dict["userinfo_url"] = userinfo_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.generic_servers import GenericServers  # noqa: PLC0415

        d = dict(src_dict)
        client_id = d.pop("client_id")

        client_secret = d.pop("client_secret")

        name = d.pop("name")

        provider = OAuth2AppCreateProvider(d.pop("provider"))

        redirect_url = d.pop("redirect_url")

        def _parse_authorization_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        authorization_url = _parse_authorization_url(d.pop("authorization_url", UNSET))

        def _parse_ca_file(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ca_file = _parse_ca_file(d.pop("ca_file", UNSET))

        def _parse_scopes(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                scopes_type_0 = cast(list[str], data)

                return scopes_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        scopes = _parse_scopes(d.pop("scopes", UNSET))

        def _parse_servers(data: object) -> GenericServers | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                servers_type_0 = GenericServers.from_dict(data)

                return servers_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(GenericServers | None | Unset, data)

        servers = _parse_servers(d.pop("servers", UNSET))

        def _parse_tenant(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        tenant = _parse_tenant(d.pop("tenant", UNSET))

        def _parse_tls_verify(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        tls_verify = _parse_tls_verify(d.pop("tls_verify", UNSET))

        def _parse_token_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        token_url = _parse_token_url(d.pop("token_url", UNSET))

        def _parse_userinfo_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        userinfo_url = _parse_userinfo_url(d.pop("userinfo_url", UNSET))

        o_auth_2_app_create = cls(
            client_id=client_id,
            client_secret=client_secret,
            name=name,
            provider=provider,
            redirect_url=redirect_url,
            authorization_url=authorization_url,
            ca_file=ca_file,
            scopes=scopes,
            servers=servers,
            tenant=tenant,
            tls_verify=tls_verify,
            token_url=token_url,
            userinfo_url=userinfo_url,
        )

        return o_auth_2_app_create
