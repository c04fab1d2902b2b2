from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.o_auth_2_config_grant import OAuth2ConfigGrant
from ..models.o_auth_2_config_mechanism import OAuth2ConfigMechanism
from ..types import UNSET, Unset

T = TypeVar("T", bound="OAuth2Config")


@_attrs_define
class OAuth2Config:
    """XOAUTH2 credentials: an access token, optionally refreshed at a token endpoint.

    Attributes:
        access_token (None | str | Unset):
        client_id (None | str | Unset):
        client_secret (None | str | Unset):
        expires_at (datetime.datetime | None | Unset):
        grant (OAuth2ConfigGrant | Unset): How new access tokens are obtained at `token_url`: `refresh_token` (a mailbox
            owner's consent) or `client_credentials` (app-only access without a user, e.g. Microsoft 365 shared mailboxes:
            the client's own credentials, the block's `username` is the mailbox) Default: OAuth2ConfigGrant.REFRESH_TOKEN.
        mechanism (OAuth2ConfigMechanism | Unset): SASL mechanism for the token: `auto` uses OAUTHBEARER (RFC 7628) when
            the server offers it, else XOAUTH2 Default: OAuth2ConfigMechanism.AUTO.
        refresh_token (None | str | Unset):
        scope (None | str | Unset): client_credentials: the scope asked for (Microsoft:
            `https://outlook.office365.com/.default`)
        token_url (None | str | Unset):
    """

    access_token: None | str | Unset = UNSET
    client_id: None | str | Unset = UNSET
    client_secret: None | str | Unset = UNSET
    expires_at: datetime.datetime | None | Unset = UNSET
    grant: OAuth2ConfigGrant | Unset = OAuth2ConfigGrant.REFRESH_TOKEN
    mechanism: OAuth2ConfigMechanism | Unset = OAuth2ConfigMechanism.AUTO
    refresh_token: None | str | Unset = UNSET
    scope: None | str | Unset = UNSET
    token_url: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        access_token: None | str | Unset
        if isinstance(self.access_token, Unset):
            access_token = UNSET
        else:
            access_token = self.access_token

        client_id: None | str | Unset
        if isinstance(self.client_id, Unset):
            client_id = UNSET
        else:
            client_id = self.client_id

        client_secret: None | str | Unset
        if isinstance(self.client_secret, Unset):
            client_secret = UNSET
        else:
            client_secret = self.client_secret

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        elif isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        grant: str | Unset = UNSET
        if not isinstance(self.grant, Unset):
            grant = self.grant.value

        mechanism: str | Unset = UNSET
        if not isinstance(self.mechanism, Unset):
            mechanism = self.mechanism.value

        refresh_token: None | str | Unset
        if isinstance(self.refresh_token, Unset):
            refresh_token = UNSET
        else:
            refresh_token = self.refresh_token

        scope: None | str | Unset
        if isinstance(self.scope, Unset):
            scope = UNSET
        else:
            scope = self.scope

        token_url: None | str | Unset
        if isinstance(self.token_url, Unset):
            token_url = UNSET
        else:
            token_url = self.token_url

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if access_token is not UNSET:
            field_dict["access_token"] = access_token
        if client_id is not UNSET:
            field_dict["client_id"] = client_id
        if client_secret is not UNSET:
            field_dict["client_secret"] = client_secret
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if grant is not UNSET:
            field_dict["grant"] = grant
        if mechanism is not UNSET:
            field_dict["mechanism"] = mechanism
        if refresh_token is not UNSET:
            field_dict["refresh_token"] = refresh_token
        if scope is not UNSET:
            field_dict["scope"] = scope
        if token_url is not UNSET:
            field_dict["token_url"] = token_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_access_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        access_token = _parse_access_token(d.pop("access_token", UNSET))

        def _parse_client_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_id = _parse_client_id(d.pop("client_id", UNSET))

        def _parse_client_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_secret = _parse_client_secret(d.pop("client_secret", UNSET))

        def _parse_expires_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        _grant = d.pop("grant", UNSET)
        grant: OAuth2ConfigGrant | Unset
        if isinstance(_grant, Unset):
            grant = UNSET
        else:
            grant = OAuth2ConfigGrant(_grant)

        _mechanism = d.pop("mechanism", UNSET)
        mechanism: OAuth2ConfigMechanism | Unset
        if isinstance(_mechanism, Unset):
            mechanism = UNSET
        else:
            mechanism = OAuth2ConfigMechanism(_mechanism)

        def _parse_refresh_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        refresh_token = _parse_refresh_token(d.pop("refresh_token", UNSET))

        def _parse_scope(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        scope = _parse_scope(d.pop("scope", UNSET))

        def _parse_token_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        token_url = _parse_token_url(d.pop("token_url", UNSET))

        o_auth_2_config = cls(
            access_token=access_token,
            client_id=client_id,
            client_secret=client_secret,
            expires_at=expires_at,
            grant=grant,
            mechanism=mechanism,
            refresh_token=refresh_token,
            scope=scope,
            token_url=token_url,
        )

        return o_auth_2_config
