"""Messages as bytes with the Python client: send an RFC 5322 message as it is, append one
(and a JSON draft) to INBOX, download an attachment and a POP3 message source.

Run it like examples/quickstart.py (``MAILGATE_URL``, ``MAILGATE_TOKEN``,
``MAILGATE_ACCOUNT``); the account needs IMAP, SMTP and POP3. It prints one JSON object.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import sys
from io import BytesIO
from typing import TypeVar

import httpx
from mailgate_client import AuthenticatedClient
from mailgate_client.api.accounts import get_account
from mailgate_client.api.messages import append_message, get_attachment, get_raw
from mailgate_client.api.pop3 import get_pop3_raw, list_pop3_messages
from mailgate_client.api.sending import send_raw
from mailgate_client.models import AppendMessageJsonDraftIn, Problem, SendResult
from mailgate_client.types import File

T = TypeVar("T")


def ok(answer: T | Problem | None) -> T:
    """The answer, or stop with the problem (application/problem+json) that came instead."""
    if answer is None or isinstance(answer, Problem):
        sys.exit(f"mailgate refused: {answer}")
    return answer


def main() -> None:
    account = os.environ.get("MAILGATE_ACCOUNT", "alice")
    client = AuthenticatedClient(base_url=os.environ.get("MAILGATE_URL", "http://127.0.0.1:8025"),
                                 token=os.environ["MAILGATE_TOKEN"], timeout=httpx.Timeout(30))
    tag = secrets.token_hex(4)
    with client:
        me = ok(get_account.sync(account, client=client)).email

        # A message as it is (sent as message/rfc822): envelope from its headers.
        source = (f"From: {me}\r\nTo: {me}\r\nSubject: Raw {tag}\r\n\r\nAs it is.\r\n").encode()
        sent = ok(send_raw.sync(account, client=client, body=File(payload=BytesIO(source))))
        if not isinstance(sent, SendResult):
            sys.exit("queued, not sent")

        # Append a message with an attachment, already \Seen; then download the attachment.
        attachment = secrets.token_bytes(300)
        appended = ok(append_message.sync(
            account, "INBOX", client=client, flags=["\\Seen"],
            body=File(payload=BytesIO(_with_attachment(me, f"Appended {tag}", attachment)))))
        if appended.id is None:
            sys.exit("no id for the new message (the server has no UIDPLUS)")
        part = ok(get_attachment.sync(account, appended.id, "2", client=client))

        # A JSON draft, built by the gateway; its source comes back as bytes.
        draft = ok(append_message.sync(account, "INBOX", client=client,
                                       body=AppendMessageJsonDraftIn.from_dict(
                                           {"to": [me], "subject": f"Draft {tag}",
                                            "text": "Built by the gateway."})))
        if draft.id is None:
            sys.exit("no id for the new message (the server has no UIDPLUS)")
        draft_source = ok(get_raw.sync(account, draft.id, client=client)).payload.read()

        # The same mailbox through POP3: one message's source.
        first = ok(list_pop3_messages.sync(account, client=client)).items[0]
        pop3_source = ok(get_pop3_raw.sync(account, first.uidl, client=client)).payload.read()

    print(json.dumps({
        "tag": tag,
        "sent_raw": {"message_id": sent.message_id, "accepted": sent.accepted},
        "appended": {"id": appended.id,
                     "attachment_is_the_same": part.payload.read() == attachment},
        "draft": {"id": draft.id, "subject_line": f"Subject: Draft {tag}".encode()
                  in draft_source},
        "pop3": {"uidl": first.uidl, "bytes": len(pop3_source),
                 "headers": pop3_source.split(b"\r\n\r\n", 1)[0].count(b"\r\n") + 1},
    }))


def _with_attachment(me: str, subject: str, content: bytes) -> bytes:
    """A multipart/mixed message: a text part, then ``content`` as a base64 attachment."""
    body = base64.encodebytes(content).decode().replace("\n", "\r\n")
    return (f"From: {me}\r\nTo: {me}\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
            "--b1\r\nContent-Type: text/plain\r\n\r\nSee the attachment.\r\n"
            "--b1\r\nContent-Type: application/octet-stream\r\n"
            'Content-Disposition: attachment; filename="data.bin"\r\n'
            f"Content-Transfer-Encoding: base64\r\n\r\n{body}--b1--\r\n").encode()


if __name__ == "__main__":
    main()
