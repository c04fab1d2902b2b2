"""Forwarding a message of the account: composed from the original, sent like any send.

The new message is the send request's shape (recipients, sender, the sender's own text and
html, delivery options), checked as a send is (``compose.draft_of``: the account's
from-policy among it). The original is read over IMAP once per request (a replay under the
same Idempotency-Key reads nothing) and goes inline, with its attachments, or whole as a
``message/rfc822`` attachment (``protocols/mime/forward.py``). The forward threads with
the original (In-Reply-To and References, as mail clients do), and the original is
flagged ``$Forwarded`` (RFC 5788's keyword) once the forward is sent or queued.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ..errors import GatewayError, MessageNotFound
from ..imap.ids import decode_mailbox_id, decode_message_id
from ..imap.service import MailService
from ..model.accounts import Account
from ..model.messages import Attachment
from ..protocols.mime.build import MSG_ID_PATTERN, build_message
from ..protocols.mime.forward import (
    attached_message_name,
    attachments_of,
    forward_subject,
    inline_html,
    inline_text,
)
from ..protocols.mime.parse import parse_message_with_content
from ..settings import Settings
from .compose import Composed, draft_of, sent_copy_wanted
from .idempotency import Outcome, request_hash
from .outgoing import OutgoingMessage
from .service import SendService

log = logging.getLogger(__name__)
FORWARDED_FLAG = "$Forwarded"


@dataclass(frozen=True, slots=True)
class Forward:
    """A forward: the new message (its ``subject`` and ``in_reply_to`` unused) and how the
    original goes along."""

    message: OutgoingMessage
    subject: str | None = None  # None: "Fwd: " and the original's
    as_attachment: bool = False

    def canonical(self) -> dict[str, Any]:
        """What the idempotency fingerprint is made of."""
        return {
            "message": self.message.canonical(),
            "subject": self.subject,
            "as_attachment": self.as_attachment,
        }


async def compose_forward(
    account: Account, message_id: str, forward: Forward, *, mail: MailService, max_bytes: int
) -> Composed:
    """The forward of message ``message_id``, ready for SMTP."""
    draft = await draft_of(account, forward.message, mail=mail, max_bytes=max_bytes)
    raw = await mail.read_source(account.id, message_id, max_bytes=max_bytes)
    original, contents = parse_message_with_content(raw)
    draft.subject = (
        forward.subject if forward.subject is not None else forward_subject(original.subject)
    )
    own_text, own_html = forward.message.text, forward.message.html
    if forward.as_attachment:
        draft.attachments.append(
            Attachment(attached_message_name(original.subject), "message/rfc822", raw)
        )
    else:
        draft.text = inline_text(own_text, original)
        if own_html is not None or original.html is not None:
            draft.html = inline_html(own_html, own_text, original)
        draft.attachments.extend(attachments_of(original, contents))
    if original.message_id and MSG_ID_PATTERN.match(original.message_id):
        draft.in_reply_to = original.message_id
        draft.references = list(original.references)
    built = build_message(draft, max_bytes=max_bytes)
    return Composed(built, sent_copy_wanted(account, forward.message.save_to_sent, mail), None)


class Forwarder:
    """``POST .../messages/{message}/forward``."""

    def __init__(self, *, mail: MailService, outbox: SendService, settings: Settings) -> None:
        self._mail = mail
        self._outbox = outbox
        self._max_bytes = settings.max_message_bytes

    async def forward(
        self,
        account: Account,
        message_id: str,
        forward: Forward,
        *,
        mailbox_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """Forward a message now (sync) or through the outbox; ``mailbox_id``: the mailbox
        the caller named, which must be the message's."""
        ref = decode_message_id(message_id)
        if mailbox_id is not None and decode_mailbox_id(mailbox_id) != ref.mailbox:
            raise MessageNotFound("no message with this id in this mailbox")

        def fingerprint() -> str:
            return request_hash("forward", [message_id, forward.canonical()])

        async def compose() -> Composed:
            return await compose_forward(
                account, message_id, forward, mail=self._mail, max_bytes=self._max_bytes
            )

        outcome = await self._outbox.send_composed(
            account,
            fingerprint=fingerprint,
            compose=compose,
            queued=forward.message.queued,
            send_at=forward.message.send_at,
            idempotency_key=idempotency_key,
        )
        if not outcome.replayed:
            try:
                await self._mail.add_flags(account.id, message_id, [FORWARDED_FLAG])
            except GatewayError as exc:  # the forward stands; the keyword is a courtesy
                log.info(
                    "forwarded, but flagging the original %s failed: %s", FORWARDED_FLAG, exc.code
                )
        return outcome
