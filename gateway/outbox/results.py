"""What a send produced, typed, and its stored form (an idempotency key's replay).

The stored form is the JSON earlier versions kept for a key: :func:`result_from_stored`
reads those rows, and :meth:`Sent.stored` / :meth:`Queued.stored` write the same shape, so
a retry across an upgrade (or a downgrade) replays the first answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import RecipientRefusal


@dataclass(frozen=True, slots=True)
class Sent:
    """The SMTP server took the message (``rejected``: the recipients it refused)."""

    message_id: str
    accepted: list[str]
    rejected: list[RecipientRefusal]
    smtp_response: str
    saved_to_sent: bool | None = None  # None: not asked for; False: see sent_error
    sent_error: str | None = None

    kind = "sent"

    def stored(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "accepted": self.accepted,
            "rejected": [refusal_json(r) for r in self.rejected],
            "queue_id": None,
            "smtp_response": self.smtp_response,
            "saved_to_sent": self.saved_to_sent,
            "sent_error": self.sent_error,
        }


@dataclass(frozen=True, slots=True)
class Queued:
    """The message is in the durable outbox as ``queue_id``."""

    queue_id: str
    message_id: str
    send_at: datetime | None = None

    kind = "queued"

    def stored(self) -> dict[str, Any]:
        return {
            "queue_id": self.queue_id,
            "status_url": f"/v1/outbox/{self.queue_id}",
            "message_id": self.message_id,
            "send_at": self.send_at.isoformat() if self.send_at else None,
        }


SendOutcome = Sent | Queued


def refusal_json(refusal: RecipientRefusal) -> dict[str, Any]:
    return {"address": refusal.address, "code": refusal.code, "message": refusal.message}


def result_from_stored(kind: str, body: dict[str, Any]) -> SendOutcome:
    """The result a key's first request stored (``kind``: ``sent`` or ``queued``)."""
    if kind == "queued":
        send_at = body.get("send_at")
        return Queued(
            queue_id=str(body.get("queue_id", "")),
            message_id=str(body.get("message_id", "")),
            send_at=datetime.fromisoformat(send_at) if send_at else None,
        )
    return Sent(
        message_id=str(body.get("message_id", "")),
        accepted=list(body.get("accepted") or []),
        rejected=[
            RecipientRefusal(
                str(r.get("address", "")), int(r.get("code", 0)), str(r.get("message", ""))
            )
            for r in body.get("rejected") or []
            if isinstance(r, dict)
        ],
        smtp_response=str(body.get("smtp_response", "")),
        saved_to_sent=body.get("saved_to_sent"),
        sent_error=body.get("sent_error"),
    )
