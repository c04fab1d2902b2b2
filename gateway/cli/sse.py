"""A reader of Server-Sent Events (WHATWG HTML, "Parsing an event stream"), line by line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class SseEvent:
    """One dispatched event: ``type`` is ``message`` unless the stream named it."""

    type: str
    data: str
    id: str | None


@dataclass(frozen=True)
class SseComment:
    """A line starting with ``:`` (the gateway's ``connected`` and ``heartbeat``)."""

    text: str


def parse_sse(lines: Iterable[str]) -> Iterator[SseEvent | SseComment]:
    """Events and comments of a stream given as lines without their line endings.

    A blank line dispatches the event gathered so far; one without ``data`` is dropped. An
    ``id`` is sticky, as the specification's "last event ID buffer" is.
    """
    event_type = ""
    data: list[str] = []
    last_id: str | None = None
    for line in lines:
        if not line:
            if data:
                yield SseEvent(type=event_type or "message", data="\n".join(data), id=last_id)
            event_type, data = "", []
            continue
        if line.startswith(":"):
            yield SseComment(line[1:].strip())
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            event_type = value
        elif field == "data":
            data.append(value)
        elif field == "id" and "\0" not in value:
            last_id = value
        # `retry` and unknown fields: nothing to do for a command-line reader.
