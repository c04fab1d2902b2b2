"""A JSON send request as the send service takes it: typed, built once from the API's body.

Addresses stay as the client gave them (``"a@b"``, ``"Name <a@b>"`` or an :class:`Address`)
until ``compose`` parses them, so that an error names the field (``to[2]``), and so that
:meth:`OutgoingMessage.canonical` can give the form idempotency fingerprints are made of.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from ..model.messages import Address

AddressInput = str | Address
SendMode = Literal["sync", "queue"]


@dataclass(frozen=True, slots=True)
class AttachmentInput:
    """A file to attach; ``content_base64`` is decoded (and checked) by ``compose``."""

    content_base64: str
    filename: str | None = None
    content_type: str = "application/octet-stream"
    content_id: str | None = None
    inline: bool = False


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A message to send. ``sender`` None: the account's address. ``reply_to`` is one address
    or a tuple of them, as given (the fingerprint tells the two apart)."""

    to: tuple[AddressInput, ...] = ()
    cc: tuple[AddressInput, ...] = ()
    bcc: tuple[AddressInput, ...] = ()
    sender: AddressInput | None = None
    reply_to: AddressInput | tuple[AddressInput, ...] | None = None
    subject: str = ""
    text: str | None = None
    html: str | None = None
    attachments: tuple[AttachmentInput, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    in_reply_to: str | None = None  # the API id of the message replied to
    save_to_sent: bool | None = None  # None: when the account has IMAP
    send_at: datetime | None = None
    mode: SendMode = "sync"

    @property
    def queued(self) -> bool:
        """Through the outbox: asked for, or for later."""
        return self.mode == "queue" or self.send_at is not None

    def reply_to_list(self) -> tuple[AddressInput, ...]:
        if self.reply_to is None:
            return ()
        return self.reply_to if isinstance(self.reply_to, tuple) else (self.reply_to,)

    def canonical(self) -> dict[str, Any]:
        """The form the idempotency fingerprint is computed from.

        It is the JSON body as the API's ``SendRequest.model_dump()`` gave it when keys were
        first stored: change it and a retry across an upgrade is taken for a new request
        (``tests/outbox/test_outgoing.py`` pins known fingerprints).
        """
        return {
            "from_": _canonical_address(self.sender),
            "to": [_canonical_address(a) for a in self.to],
            "cc": [_canonical_address(a) for a in self.cc],
            "bcc": [_canonical_address(a) for a in self.bcc],
            "reply_to": (
                [_canonical_address(a) for a in self.reply_to]
                if isinstance(self.reply_to, tuple)
                else _canonical_address(self.reply_to)
            ),
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "attachments": [
                {
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "content": a.content_base64,
                    "content_id": a.content_id,
                    "inline": a.inline,
                }
                for a in self.attachments
            ],
            "headers": dict(self.headers),
            "in_reply_to": self.in_reply_to,
            "save_to_sent": self.save_to_sent,
            "send_at": self.send_at,
            "mode": self.mode,
        }


def _canonical_address(value: AddressInput | None) -> str | dict[str, Any] | None:
    if isinstance(value, Address):
        return {"name": value.name, "address": value.address}
    return value
