"""From a send request (JSON or raw) to a message ready for SMTP, with its envelope."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInput, PayloadTooLarge
from ..model.accounts import Account
from ..model.messages import (
    Address,
    Attachment,
    BuiltMessage,
    Draft,
    parse_address,
    validate_addr_spec,
)
from ..protocols.mime.build import build_message, domain_of
from ..protocols.mime.raw import normalise_raw
from .outgoing import AddressInput, AttachmentInput, OutgoingMessage
from .sender_policy import check_raw_senders, check_senders

_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Composed:
    """A message ready for SMTP and what to do after it was accepted."""

    message: BuiltMessage
    save_to_sent: bool
    in_reply_to: str | None  # the API id of the message replied to (flag it \\Answered)

    def options(self) -> dict[str, Any]:
        return {"save_to_sent": self.save_to_sent, "in_reply_to": self.in_reply_to}


async def compose_json(
    account: Account,
    request: OutgoingMessage,
    *,
    mail: Any | None,
    max_bytes: int,
) -> Composed:
    """Validate and build a JSON send request."""
    draft = await draft_of(account, request, mail=mail, max_bytes=max_bytes)
    built = build_message(draft, max_bytes=max_bytes)
    return Composed(
        built, sent_copy_wanted(account, request.save_to_sent, mail), request.in_reply_to or None
    )


async def draft_of(
    account: Account, request: OutgoingMessage, *, mail: Any | None, max_bytes: int
) -> Draft:
    """The builder's draft of a JSON message: addresses parsed, the sender checked against
    the account's policy, attachments decoded, a reply's threading headers read over IMAP."""
    sender = parse_address(_address_arg(request.sender or account.email), where="from")
    check_senders(account, [("from", sender.address)])  # From header and envelope sender
    to = _addresses(request.to, "to")
    cc = _addresses(request.cc, "cc")
    bcc = _addresses(request.bcc, "bcc")
    reply_to = _addresses(request.reply_to_list(), "reply_to")
    attachments = [_attachment(a, i) for i, a in enumerate(request.attachments)]
    if sum(len(a.content) for a in attachments) > max_bytes:
        raise PayloadTooLarge(f"the attachments are over the limit of {max_bytes} bytes")

    parent_id, references = None, []
    if request.in_reply_to:
        parent_id, references = await _thread(account, request.in_reply_to, mail)
    return Draft(
        sender=sender,
        to=to,
        cc=cc,
        bcc=bcc,
        reply_to=reply_to,
        subject=request.subject,
        text=request.text,
        html=request.html,
        attachments=attachments,
        headers=dict(request.headers),
        in_reply_to=parent_id,
        references=references,
    )


async def compose_raw(
    account: Account,
    raw: bytes,
    *,
    mail_from: str | None,
    rcpt_to: list[str] | None,
    save_to_sent: bool | None,
    mail: Any | None,
    max_bytes: int,
) -> Composed:
    """Normalise a raw message; the envelope comes from the query or else from its headers."""
    normalised = normalise_raw(raw, default_domain=domain_of(account.email), max_bytes=max_bytes)
    sender = mail_from or normalised.header_from or account.email
    sender = validate_addr_spec(sender, where="mail_from")
    check_raw_senders(account, sender, normalised.from_fields)
    rcpts_in = rcpt_to if rcpt_to else normalised.header_rcpts
    where = "rcpt_to" if rcpt_to else "To/Cc/Bcc"
    rcpts: dict[str, str] = {}
    for i, value in enumerate(rcpts_in):
        addr = validate_addr_spec(value, where=f"{where}[{i}]")
        rcpts.setdefault(addr.lower(), addr)
    if not rcpts:
        raise InvalidInput("no recipients: give rcpt_to or To/Cc/Bcc headers")
    built = BuiltMessage(
        raw=normalised.raw,
        message_id=normalised.message_id,
        mail_from=sender,
        rcpt_to=list(rcpts.values()),
    )
    return Composed(built, sent_copy_wanted(account, save_to_sent, mail), None)


def _addresses(values: tuple[AddressInput, ...], field: str) -> list[Address]:
    return [parse_address(_address_arg(v), where=f"{field}[{i}]") for i, v in enumerate(values)]


def _address_arg(value: AddressInput) -> AddressInput:
    if isinstance(value, Address):
        # parse_address checks the name (as "<field>[i].name") like every header value.
        return Address(address=value.address, name=value.name or None)
    return value


def _attachment(data: AttachmentInput, index: int) -> Attachment:
    where = f"attachments[{index}]"
    try:
        content = base64.b64decode(_WHITESPACE.sub("", data.content_base64), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(f"{where}.content: not valid base64") from exc
    return Attachment(
        filename=data.filename,
        content_type=data.content_type or "application/octet-stream",
        content=content,
        content_id=data.content_id,
        inline=data.inline,
    )


def sent_copy_wanted(account: Account, requested: bool | None, mail: Any | None) -> bool:
    """Whether a send copies the message to Sent: unless refused, when IMAP is there."""
    if requested is False or account.imap is None:
        return False
    return mail is not None


async def _thread(account: Account, message_id: str, mail: Any | None) -> tuple[str, list[str]]:
    """The parent's Message-ID and References, read over IMAP."""
    if account.imap is None or mail is None:
        raise InvalidInput("in_reply_to needs an IMAP server on the account")
    parent, references = await mail.thread_headers(account.id, message_id)
    if not parent:
        raise InvalidInput("in_reply_to: the original message has no Message-ID header")
    refs = references.split() if isinstance(references, str) else list(references or [])
    return parent, refs
