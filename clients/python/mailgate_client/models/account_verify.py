from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.verify_result import VerifyResult


T = TypeVar("T", bound="AccountVerify")


@_attrs_define
class AccountVerify:
    """
    Attributes:
        account (str):
        imap (None | VerifyResult):
        ok (bool):
        pop3 (None | VerifyResult):
        smtp (None | VerifyResult):
    """

    account: str
    imap: None | VerifyResult
    ok: bool
    pop3: None | VerifyResult
    smtp: None | VerifyResult
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.verify_result import VerifyResult  # noqa: PLC0415

        account = self.account

        imap: dict[str, Any] | None
        if isinstance(self.imap, VerifyResult):
            imap = self.imap.to_dict()
        else:
            imap = self.imap

        ok = self.ok

        pop3: dict[str, Any] | None
        if isinstance(self.pop3, VerifyResult):
            pop3 = self.pop3.to_dict()
        else:
            pop3 = self.pop3

        smtp: dict[str, Any] | None
        if isinstance(self.smtp, VerifyResult):
            smtp = self.smtp.to_dict()
        else:
            smtp = self.smtp

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account": account,
                "imap": imap,
                "ok": ok,
                "pop3": pop3,
                "smtp": smtp,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.verify_result import VerifyResult  # noqa: PLC0415

        d = dict(src_dict)
        account = d.pop("account")

        def _parse_imap(data: object) -> None | VerifyResult:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                imap_type_0 = VerifyResult.from_dict(data)

                return imap_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | VerifyResult, data)

        imap = _parse_imap(d.pop("imap"))

        ok = d.pop("ok")

        def _parse_pop3(data: object) -> None | VerifyResult:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                pop3_type_0 = VerifyResult.from_dict(data)

                return pop3_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | VerifyResult, data)

        pop3 = _parse_pop3(d.pop("pop3"))

        def _parse_smtp(data: object) -> None | VerifyResult:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                smtp_type_0 = VerifyResult.from_dict(data)

                return smtp_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | VerifyResult, data)

        smtp = _parse_smtp(d.pop("smtp"))

        account_verify = cls(
            account=account,
            imap=imap,
            ok=ok,
            pop3=pop3,
            smtp=smtp,
        )

        account_verify.additional_properties = d
        return account_verify

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
