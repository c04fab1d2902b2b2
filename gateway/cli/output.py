"""What the commands print: aligned tables and fields for people, JSON for programs."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

MISSING = "-"


def cell(value: Any) -> str:
    """One table cell: lists joined, nothing as ``-``, no line breaks."""
    if value is None or value == "" or value == []:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(cell(v) for v in value)
    return " ".join(str(value).split())


def format_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    """Columns left-aligned, two spaces apart; the last column is not padded."""
    table = [[h.upper() for h in headers], *([cell(v) for v in row] for row in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    return [
        "  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip()
        for row in table
    ]


def format_fields(fields: Sequence[tuple[str, Any]]) -> list[str]:
    """``name:  value`` lines, the values aligned."""
    width = max((len(name) for name, _ in fields), default=0) + 1
    return [f"{name + ':':<{width}}  {cell(value)}" for name, value in fields]


def format_time(value: str | None) -> str:
    """An RFC 3339 time of the API as ``2024-05-01 12:00:05Z`` (UTC), or ``-``."""
    if not value:
        return MISSING
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return parsed.strftime("%Y-%m-%d %H:%M:%SZ")


class Output:
    """The streams a command writes to: results on ``stdout``, notes and errors on ``stderr``."""

    def __init__(self, stdout: TextIO, stderr: TextIO) -> None:
        self.stdout = stdout
        self.stderr = stderr

    def line(self, text: str = "") -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()  # a pipe sees each line at once (`mailgate tail | grep ...`)

    def lines(self, lines: Iterable[str]) -> None:
        for text in lines:
            self.line(text)

    def note(self, text: str) -> None:
        self.stderr.write(text + "\n")
        self.stderr.flush()

    def json(self, value: Any, *, compact: bool = False) -> None:
        if compact:
            self.line(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
        else:
            self.line(json.dumps(value, ensure_ascii=False, indent=2))

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[Any]], *, empty: str) -> None:
        """The table, or ``empty`` when there are no rows."""
        self.lines(format_table(headers, rows) if rows else [empty])


class HelpFormatter(argparse.HelpFormatter):
    """Fills each paragraph of a description or epilog to the terminal's width, and keeps a
    paragraph with indented lines (examples, lists) as it is written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        blocks = []
        for block in text.split("\n\n"):
            if any(line[:1].isspace() for line in block.splitlines()):
                blocks.append("\n".join(indent + line for line in block.splitlines()))
            else:
                blocks.append(super()._fill_text(block, width, indent))
        return "\n\n".join(blocks)


class ArgumentParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` with ``HelpFormatter``; its subcommands' parsers too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)
