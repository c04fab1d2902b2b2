"""Drafts as a resource: saved from the send request's shape, read back, sent.

Saving builds the message as a send would (``compose.draft_of``: addresses, the account's
from-policy, attachments, a reply's In-Reply-To and References), but for storage: Bcc is
kept and no recipient is required yet; a reply also notes the API id of the message it
answers (``protocols/mime/draft.py``). The Drafts mailbox and the versions are
``imap/drafts.py``'s: every save makes a new version with a new id.

A partial update (PATCH) reads the draft back into the send request's shape (its
attachments and own header fields included), replaces the fields given and saves that.
Sending sends the stored bytes on the normal send path (``SendService.send_composed``:
Idempotency-Key, outbox, daily quota, the from-policy on the stored From and envelope),
then removes the draft. A draft id names one version, whose content never changes, so it
is what a retry's fingerprint is made of.
"""

from __future__ import annotations

import base64
import dataclasses
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import GatewayError, InvalidInput
from ..imap.drafts import DraftsMailbox
from ..imap.service import MailService
from ..imap.structure import MessagePage
from ..model.accounts import Account
from ..model.messages import Address, ParsedAddress, ParsedMessage
from ..protocols.mime.build import build_message
from ..protocols.mime.draft import REPLY_TARGET_FIELD, custom_headers, for_sending, reply_target
from ..protocols.mime.forward import attachments_of
from ..protocols.mime.parse import parse_message, parse_message_with_content
from ..settings import Settings
from .compose import Composed, compose_raw, draft_of
from .idempotency import Outcome, request_hash
from .outgoing import AttachmentInput, OutgoingMessage, SendMode
from .service import SendService

log = logging.getLogger(__name__)

# What a draft holds of a send request: everything but its delivery options.
CONTENT_FIELDS = (
    "sender",
    "to",
    "cc",
    "bcc",
    "reply_to",
    "subject",
    "text",
    "html",
    "attachments",
    "headers",
    "in_reply_to",
)


@dataclass(frozen=True, slots=True)
class SavedDraft:
    """A saved version: its id, Message-ID and the id of the version it replaced."""

    id: str
    message_id: str
    previous_id: str | None = None


@dataclass(frozen=True, slots=True)
class DraftSend:
    """How a draft is sent (what a send request says beside the content)."""

    save_to_sent: bool | None = None
    send_at: datetime | None = None
    mode: SendMode = "sync"

    @property
    def queued(self) -> bool:
        return self.mode == "queue" or self.send_at is not None


class DraftService:
    def __init__(
        self, *, drafts: DraftsMailbox, mail: MailService, outbox: SendService, settings: Settings
    ) -> None:
        self._drafts = drafts
        self._mail = mail
        self._outbox = outbox
        self._max_bytes = settings.max_message_bytes

    # -- reading -------------------------------------------------------------------------------

    async def list(self, account_id: str, *, limit: int, cursor: str | None) -> MessagePage:
        return await self._drafts.list(account_id, limit=limit, cursor=cursor)

    async def get(self, account_id: str, draft_id: str) -> tuple[Any, ParsedMessage, dict]:
        """The draft parsed (``MailService.get_message``'s answer); ``meta`` also says the
        id of the message it answers (``in_reply_to_id``)."""
        ref, parsed, meta = await self._drafts.get(account_id, draft_id)
        return ref, parsed, {**meta, "in_reply_to_id": reply_target(parsed)}

    async def content(self, account: Account, draft_id: str) -> OutgoingMessage:
        """The draft read back into the send request's shape."""
        raw = await self._drafts.source(account.id, draft_id, max_bytes=self._max_bytes)
        parsed, contents = parse_message_with_content(raw)
        return OutgoingMessage(
            sender=_address(parsed.from_[0]) if parsed.from_ else None,
            to=_addresses(parsed.to),
            cc=_addresses(parsed.cc),
            bcc=_addresses(parsed.bcc),
            reply_to=_addresses(parsed.reply_to) or None,
            subject=parsed.subject or "",
            text=parsed.text,
            html=parsed.html,
            attachments=tuple(
                AttachmentInput(
                    content_base64=base64.b64encode(a.content).decode("ascii"),
                    filename=a.filename,
                    content_type=a.content_type,
                    content_id=a.content_id,
                    inline=a.inline,
                )
                for a in attachments_of(parsed, contents)
            ),
            headers=custom_headers(parsed),
            in_reply_to=reply_target(parsed),
        )

    # -- saving --------------------------------------------------------------------------------

    async def create(self, account: Account, content: OutgoingMessage) -> SavedDraft:
        raw, message_id = await self._build(account, content)
        return SavedDraft(await self._drafts.save(account.id, raw, message_id), message_id)

    async def replace(
        self, account: Account, draft_id: str, content: OutgoingMessage
    ) -> SavedDraft:
        """PUT: the draft becomes ``content``; a new version (a new id)."""
        raw, message_id = await self._build(account, content)
        new_id = await self._drafts.replace(account.id, draft_id, raw, message_id)
        return SavedDraft(new_id, message_id, draft_id)

    async def update(
        self, account: Account, draft_id: str, changes: OutgoingMessage, fields: Iterable[str]
    ) -> SavedDraft:
        """PATCH: the ``fields`` of ``changes`` replace the draft's, the rest stays."""
        given = {name: getattr(changes, name) for name in fields if name in CONTENT_FIELDS}
        current = await self.content(account, draft_id)
        return await self.replace(account, draft_id, dataclasses.replace(current, **given))

    async def _build(self, account: Account, content: OutgoingMessage) -> tuple[bytes, str]:
        if any(name.lower().startswith("x-mailgate-") for name in content.headers):
            raise InvalidInput("headers: X-Mailgate-* fields are the gateway's own")
        draft = await draft_of(account, content, mail=self._mail, max_bytes=self._max_bytes)
        if content.in_reply_to:
            draft.headers[REPLY_TARGET_FIELD] = content.in_reply_to
        built = build_message(draft, max_bytes=self._max_bytes, for_storage=True)
        return built.raw, built.message_id

    async def delete(self, account_id: str, draft_id: str) -> None:
        await self._drafts.delete(account_id, draft_id)

    # -- sending -------------------------------------------------------------------------------

    async def send(
        self,
        account: Account,
        draft_id: str,
        options: DraftSend,
        *,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """Send the draft as stored, now or through the outbox; then remove it (a failed
        removal leaves the draft, and the send stands)."""

        def fingerprint() -> str:
            return request_hash(
                "draft", [draft_id, options.save_to_sent, options.mode, options.send_at]
            )

        async def compose() -> Composed:
            raw = await self._drafts.source(account.id, draft_id, max_bytes=self._max_bytes)
            composed = await compose_raw(
                account,
                for_sending(raw),
                mail_from=None,
                rcpt_to=None,
                save_to_sent=options.save_to_sent,
                mail=self._mail,
                max_bytes=self._max_bytes,
            )
            target = reply_target(parse_message(raw, headers_only=True))
            return dataclasses.replace(composed, in_reply_to=target)

        outcome = await self._outbox.send_composed(
            account,
            fingerprint=fingerprint,
            compose=compose,
            queued=options.queued,
            send_at=options.send_at,
            idempotency_key=idempotency_key,
        )
        if not outcome.replayed:
            try:
                await self._drafts.delete(account.id, draft_id)
            except GatewayError as exc:
                log.warning("draft of %s sent, but not removed: %s", account.id, exc.code)
        return outcome


def _address(address: ParsedAddress) -> Address:
    return Address(address=address.address, name=address.name or None)


def _addresses(items: list[ParsedAddress]) -> tuple[Address, ...]:
    return tuple(_address(a) for a in items)
