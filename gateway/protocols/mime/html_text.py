"""An HTML body as plain text for the reply-only text (pure): lines where the HTML breaks
them, quoted history kept recognisable.

Block elements and ``<br>`` end lines; ``<blockquote>`` (how Gmail, Apple Mail and Thunderbird
quote in HTML) prefixes its lines with ``> `` once per level, as a plain-text client would
(RFC 3676 section 4.5), so ``protocols.mime.reply`` finds the quote. Outlook's quote is a
``From:``/``Sent:`` block after a rule; its lines stay lines. ``<script>``, ``<style>``,
``<head>`` and ``<title>`` are dropped, entities decoded. Linear in the input (stdlib
``html.parser``); at most ``MAX_HTML`` characters are read.
"""

from __future__ import annotations

from html.parser import HTMLParser

MAX_HTML = 1024 * 1024

_BLOCKS = frozenset(
    {
        "address",
        "article",
        "aside",
        "div",
        "dl",
        "dt",
        "dd",
        "fieldset",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tr",
        "ul",
    }
)
_HIDDEN = frozenset({"script", "style", "head", "title", "template"})


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.line: list[str] = []
        self.depth = 0  # blockquote level
        self.hidden = 0
        self.pre = 0

    def _end_line(self) -> None:
        text = "".join(self.line)
        text = text if self.pre else " ".join(text.split())
        self.line = []
        if text:
            self.lines.append("> " * self.depth + text)
        elif self.lines and self.lines[-1] != "" and not self.depth:
            self.lines.append("")  # one blank line between paragraphs

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self._end_line()
        elif tag == "blockquote":
            self._end_line()
            self.depth += 1
        elif tag in _BLOCKS:
            if self.line:
                self._end_line()
            if tag == "pre":
                self.pre += 1
            elif tag == "hr":
                self.lines.append("> " * self.depth + "----")
        elif tag in ("td", "th") and self.line:
            self.line.append(" ")

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag == "blockquote":
            self._end_line()
            self.depth = max(0, self.depth - 1)
        elif tag in _BLOCKS:
            if self.line:
                self._end_line()
            if tag == "pre":
                self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if self.pre:
            first, *rest = data.split("\n")
            self.line.append(first)
            for piece in rest:
                self._end_line()
                self.line.append(piece)
        else:
            self.line.append(data)


def html_to_text(html: str | None) -> str | None:
    """The text of an HTML body, one line per block, quotes as ``> `` lines; None for none."""
    if not html:
        return None
    parser = _Text()
    parser.feed(html[:MAX_HTML])
    parser.close()
    if parser.line:
        parser._end_line()
    text = "\n".join(parser.lines).strip("\n")
    return text or None
