"""Replays recorded real Gmail IMAP transcripts on a loopback TCP server.

Gmail cannot run here, and its IMAP extensions (``X-GM-EXT-1``: ``X-GM-LABELS``,
``X-GM-THRID``, ``X-GM-MSGID``, ``X-GM-RAW``) exist on no server the tests can start. This
module is the one exception the project allows to "no mocked mail servers": it does not
imitate Gmail, it plays back what Gmail said. Every line it sends comes from a recorded
transcript under ``tests/protocols/imap/transcripts/gmail/``, each of which states where it
was recorded and what (if anything) was normalised; and it checks that the client sends
what the recording expects.

Transcript files: ``S: `` a line from the server, ``C: `` a line from the client (tag and
command), each without its CRLF; ``#`` comments; blank lines are ignored. Lines are joined
with CRLF on the wire, so a literal's octets are the lines after its ``{n}`` joined by
CRLF. Server lines before the first ``C:`` are the greeting. An exchange is a ``C:`` line
and the ``S:`` lines after it through the first one tagged with its tag; further lines
(Google's page prints two tagged lines for its LOGIN) are kept as ``trailing``, not sent.

Two ways to replay:

- ``ReplayServer.strict(transcript)``: every connection gets the greeting, then the
  recorded exchanges in order; each command must equal the recorded one but for its tag.
- ``ReplayServer(greeting, rules)``: for driving the gateway, whose commands are its own
  (its tags, its item lists, its order): each command is answered by the first ``Rule``
  whose pattern matches the command's verb and arguments, with that rule's recorded
  answer. Tags are normalised both ways: the recorded tag in the answer (at the start of
  the tagged line and in an ESEARCH ``(TAG "...")``) becomes the client's.

Anything unexpected (a command no rule matches, a strict mismatch) is answered ``BAD`` and
recorded in ``mismatches``; tests assert that list is empty. ``received`` holds every
command (without its tag) in arrival order, with its connection number.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path

TRANSCRIPTS = Path(__file__).parent / "protocols" / "imap" / "transcripts" / "gmail"
_LITERAL = re.compile(rb"\{(\d+)(\+?)\}\Z")


@dataclass(frozen=True)
class Exchange:
    """One recorded command and the server's answer to it."""

    tag: bytes
    command: bytes  # without the tag
    response: tuple[bytes, ...]  # server lines through the tagged completion
    trailing: tuple[bytes, ...] = ()
    source: str = ""  # "file:line" of the command

    def wire(self, tag: bytes | None = None) -> bytes:
        """The answer as sent: CRLF-terminated lines, the recorded tag replaced by ``tag``."""
        return wire(retag(self.response, self.tag, tag or self.tag))


@dataclass(frozen=True)
class Transcript:
    path: Path
    greeting: tuple[bytes, ...]
    exchanges: tuple[Exchange, ...]

    def exchange(self, tag: str | bytes) -> Exchange:
        """The exchange of a recorded tag (``"a010"``)."""
        want = tag.encode() if isinstance(tag, str) else tag
        for exchange in self.exchanges:
            if exchange.tag == want:
                return exchange
        raise KeyError(f"{self.path.name} has no exchange tagged {want!r}")

    def server_lines(self) -> list[bytes]:
        """Every server line of the transcript (greeting and answers), in order."""
        out = list(self.greeting)
        for exchange in self.exchanges:
            out += [*exchange.response, *exchange.trailing]
        return out


def wire(lines: tuple[bytes, ...] | list[bytes]) -> bytes:
    return b"".join(line + b"\r\n" for line in lines)


def retag(lines: tuple[bytes, ...] | list[bytes], recorded: bytes, tag: bytes) -> list[bytes]:
    """The lines with the recorded tag replaced: at the start of the tagged completion and
    in an ESEARCH correlator (RFC 4731 ``(TAG "...")``)."""
    out = []
    for line in lines:
        if line.startswith(recorded + b" "):
            line = tag + line[len(recorded) :]
        elif line.startswith(b"* ESEARCH (TAG "):
            line = line.replace(b'(TAG "' + recorded + b'")', b'(TAG "' + tag + b'")', 1)
        out.append(line)
    return out


def load_transcript(name: str | Path) -> Transcript:
    """A transcript by file name (``"google_imap_extensions"``) or path."""
    path = Path(name)
    if not path.is_absolute() and path.parent == Path("."):
        path = TRANSCRIPTS / (path.name if path.suffix else f"{path.name}.txt")
    greeting: list[bytes] = []
    exchanges: list[Exchange] = []
    current: tuple[bytes, bytes, str] | None = None
    lines: list[bytes] = []

    def close() -> None:
        if current is None:
            return
        tag, command, source = current
        done = next((i for i, line in enumerate(lines) if line.startswith(tag + b" ")), None)
        if done is None:
            raise ValueError(f"{source}: no tagged completion for {tag!r}")
        exchanges.append(
            Exchange(tag, command, tuple(lines[: done + 1]), tuple(lines[done + 1 :]), source)
        )

    for number, text in enumerate(path.read_bytes().split(b"\n"), 1):
        text = text.removesuffix(b"\r")
        if not text or text.startswith(b"#"):
            continue
        if text.startswith(b"C: "):
            close()
            tag, _, command = text[3:].partition(b" ")
            current, lines = (tag, command, f"{path.name}:{number}"), []
        elif text.startswith(b"S: ") or text == b"S:":
            (lines if current is not None else greeting).append(text[3:])
        else:
            raise ValueError(f"{path.name}:{number}: a line must start with 'S: ', 'C: ' or '#'")
    close()
    return Transcript(path, tuple(greeting), tuple(exchanges))


@dataclass
class Rule:
    """Answer commands matching ``pattern`` (a regex, matched in full against the command
    without its tag, case-insensitively) with the recorded ``answer``. ``times`` limits how
    often the rule answers on one connection (None: always), so the first CAPABILITY of a
    connection and a later one can get different recorded answers."""

    pattern: bytes
    answer: Exchange
    times: int | None = None
    _regex: re.Pattern[bytes] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._regex = re.compile(self.pattern, re.IGNORECASE | re.DOTALL)

    def matches(self, command: bytes) -> bool:
        return self._regex.fullmatch(command) is not None


class ReplayServer:
    """A loopback IMAP server that answers with recorded Gmail lines (see the module)."""

    def __init__(
        self,
        greeting: tuple[bytes, ...],
        rules: list[Rule] | None = None,
        *,
        script: tuple[Exchange, ...] | None = None,
    ) -> None:
        if (rules is None) == (script is None):
            raise ValueError("give rules or a strict script, not both")
        self.greeting = greeting
        self.rules = rules or []
        self.script = script
        self.received: list[tuple[int, bytes]] = []
        self.mismatches: list[str] = []
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @classmethod
    def strict(cls, transcript: Transcript) -> ReplayServer:
        return cls(transcript.greeting, script=transcript.exchanges)

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def __aenter__(self) -> ReplayServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def commands(self) -> list[bytes]:
        """The commands received (without tags), in order, over all connections."""
        return [command for _, command in self.received]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        self._writers.add(writer)
        used: dict[int, int] = {}
        step = 0
        try:
            writer.write(wire(self.greeting))
            await writer.drain()
            while True:
                read = await self._read_command(reader, writer)
                if read is None:
                    return
                tag, command = read
                self.received.append((number, command))
                if self.script is not None:
                    answer = self._scripted(step, command)
                    step += 1
                else:
                    answer = self._ruled(command, used)
                if answer is None:
                    writer.write(tag + b" BAD replay: no recorded answer for this command\r\n")
                    await writer.drain()
                    continue
                writer.write(answer.wire(tag))
                await writer.drain()
                if command.upper() == b"LOGOUT":
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._writers.discard(writer)
            writer.close()

    def _scripted(self, step: int, command: bytes) -> Exchange | None:
        assert self.script is not None
        if step >= len(self.script):
            self.mismatches.append(f"command after the end of the recording: {command!r}")
            return None
        recorded = self.script[step]
        if command != recorded.command:
            self.mismatches.append(
                f"{recorded.source}: expected {recorded.command!r}, got {command!r}"
            )
            return None
        return recorded

    def _ruled(self, command: bytes, used: dict[int, int]) -> Exchange | None:
        for index, rule in enumerate(self.rules):
            if rule.times is not None and used.get(index, 0) >= rule.times:
                continue
            if rule.matches(command):
                used[index] = used.get(index, 0) + 1
                return rule.answer
        self.mismatches.append(f"no rule for {command!r}")
        return None

    async def _read_command(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> tuple[bytes, bytes] | None:
        """One command: its tag and the rest, literals inline (RFC 3501 section 7.5: the
        go-ahead for a synchronizing literal is Gmail's recorded "+ go ahead")."""
        line = await reader.readline()
        if not line:
            return None
        text = line.removesuffix(b"\r\n").removesuffix(b"\n")
        while (literal := _LITERAL.search(text)) is not None:
            if not literal.group(2):
                writer.write(b"+ go ahead\r\n")
                await writer.drain()
            data = await reader.readexactly(int(literal.group(1)))
            rest = (await reader.readline()).removesuffix(b"\r\n").removesuffix(b"\n")
            text = text + b"\r\n" + data + rest
        tag, _, command = text.partition(b" ")
        return tag, command
