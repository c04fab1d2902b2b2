"""The Python client in a few calls: send a message to the account itself, see it arrive as a
``message.new`` event, find it in INBOX and read it, parsed and raw.

With ``make run`` going (the demo), from clients/python after ``pip install -e .``::

    MAILGATE_TOKEN=$(cat ../../.demo/admin-token) python examples/quickstart.py

``MAILGATE_URL`` (default http://127.0.0.1:8025) and ``MAILGATE_ACCOUNT`` (default alice)
say where and as whom. It prints what it saw as one JSON object.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from collections.abc import Iterator
from typing import TypeVar

import httpx
from mailgate_client import AuthenticatedClient
from mailgate_client.api.accounts import get_account
from mailgate_client.api.messages import get_message, get_raw, list_messages
from mailgate_client.api.sending import send
from mailgate_client.models import Problem, SendRequest, SendResult

T = TypeVar("T")


def ok(answer: T | Problem | None) -> T:
    """The answer, or stop with the problem (application/problem+json) that came instead."""
    if answer is None or isinstance(answer, Problem):
        sys.exit(f"mailgate refused: {answer}")
    return answer


def server_sent_events(stream: httpx.Response) -> Iterator[dict | None]:
    """The events of an open ``/v1/events`` stream, parsed (``{id, type, account, data}``);
    ``None`` for each comment (``: connected`` first, then ``: heartbeat`` now and then)."""
    data = None
    for line in stream.iter_lines():
        if line.startswith(":"):
            yield None
        elif line.startswith("data:"):
            data = line.removeprefix("data:").strip()
        elif not line and data is not None:  # a blank line ends an event
            yield json.loads(data)
            data = None


def main() -> None:
    account = os.environ.get("MAILGATE_ACCOUNT", "alice")
    client = AuthenticatedClient(base_url=os.environ.get("MAILGATE_URL", "http://127.0.0.1:8025"),
                                 token=os.environ["MAILGATE_TOKEN"], timeout=httpx.Timeout(30))
    with client:
        me = ok(get_account.sync(account, client=client))
        subject = f"Hello from the Python client {secrets.token_hex(4)}"

        # The event stream shows what happens from now on: open it before sending. (The
        # generated stream_events reads a response to its end; a stream does not end, so
        # read it line by line with the client's own httpx client.)
        params = {"account": account, "types": "message.new"}
        with client.get_httpx_client().stream("GET", "/v1/events", params=params) as stream:
            events = server_sent_events(stream)
            next(events)  # ": connected": the gateway is listening for us

            sent = ok(send.sync(account, client=client, body=SendRequest(
                to=[me.email], subject=subject, text="Sent, listed and read with mailgate.")))
            assert isinstance(sent, SendResult)  # 200: sent now (202 would be queued)

            deadline = time.monotonic() + 60
            for event in events:
                if event and event["data"]["mailbox"] == "INBOX" \
                        and event["data"]["subject"] == subject:
                    break
                if time.monotonic() > deadline:
                    sys.exit("no message.new event for the message within 60 s")

        page = ok(list_messages.sync(account, "INBOX", client=client, limit=10))
        listed = next(m for m in page.items if m.id == event["data"]["id"])
        message = ok(get_message.sync(account, listed.id, client=client))
        raw = ok(get_raw.sync(account, listed.id, client=client)).payload.read()

    print(json.dumps({
        "sent": {"message_id": sent.message_id, "accepted": sent.accepted},
        "event": {"id": event["id"], "type": event["type"], "message": event["data"]["id"]},
        "listed": {"id": listed.id, "subject": listed.subject},
        "read": {"subject": message.subject, "from": message.from_[0].address,
                 "text": message.text},
        "raw": {"bytes": len(raw), "subject_line": f"Subject: {subject}" in raw.decode()},
    }))


if __name__ == "__main__":
    main()
