"""Property tests of message building: any text in any header-like field either is refused
with a clear InvalidInput (naming the field, echoing nothing) or gives a message that parses
back with exactly the fields the gateway wrote and exactly the values it was given.

Pure and bounded (a few hundred examples, no deadline) so the suite stays fast.
"""

from __future__ import annotations

import email
import re
from email import policy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.errors import InvalidInput
from gateway.model.messages import Address, Attachment, Draft, parse_address
from gateway.protocols.mime.build import build_message
from gateway.protocols.mime.headers import decode_header, parse_address_list
from gateway.protocols.mime.parse import parse_message
from gateway.protocols.mime.raw import normalise_raw

# Every Unicode line break (str.splitlines), the other controls, an unpaired surrogate, and
# text that means something in a header: these are what the strategies lean on.
LINE_BREAKS = ["\r", "\n", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
TRICKY = [
    *LINE_BREAKS,
    "\x00",
    "\x01",
    "\x7f",
    "\x80",
    "\x9f",
    "\ud800",
    "\t",
    " ",
    "  ",
    "=?",
    "?=",
    "=?utf-8?b?QQ==?=",
    '"',
    "\\",
    "<",
    ">",
    ",",
    ";",
    ":",
    "@",
    "é",
    "☕",
    "\U0001f389",
    "Bcc: victim@example.test",
    "\r\nBcc: victim@example.test",
    "zq4711",
]
MARK = "zq4711"  # in no error text of the gateway: an error that holds it echoed its input
PIECE = st.one_of(st.sampled_from(TRICKY), st.characters(codec="utf-8"), st.text(max_size=8))
TEXT = st.lists(PIECE, max_size=12).map("".join)
LONG_TEXT = st.one_of(TEXT, st.builds(lambda w, n: w * n, TEXT, st.integers(1, 40)))
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# What the builder refuses: C0 controls but TAB, DEL, C1 controls, unpaired surrogates.
NOT_TEXT = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")
FIELD_LINE = re.compile(rb"[!-9;-~]+:")
BASE = {"from", "to", "subject", "date", "message-id", "mime-version", "content-type"}


def _head(raw: bytes) -> bytes:
    return raw.split(b"\r\n\r\n", 1)[0]


def assert_well_formed(raw: bytes) -> None:
    """CRLF only; every header line is a field or a continuation with content, ASCII,
    at most 998 octets (RFC 5322 §2.1.1, §2.2.3) -- in the message and in every part."""
    assert b"\r" not in raw.replace(b"\r\n", b"") and b"\n" not in raw.replace(b"\r\n", b"")
    heads = [_head(raw)]
    for part in email.message_from_bytes(raw, policy=policy.compat32).walk():
        if part.is_multipart():
            delimiter = b"\r\n--" + part.get_boundary().encode() + b"\r\n"
            heads += [_head(chunk) for chunk in raw.split(delimiter)[1:]]
    for head in heads:
        assert head.isascii(), head
        for line in head.split(b"\r\n"):
            assert len(line) <= 998
            if line[:1] in (b" ", b"\t"):
                assert line.strip(b" \t"), "a folded line of white space only"
            else:
                assert FIELD_LINE.match(line), line


def assert_refusal_is_clean(exc: InvalidInput, *values: str) -> None:
    """The error names the field in plain ASCII (so it quotes no non-ASCII or control
    character it was given) and holds no value the strategies marked."""
    text = str(exc)
    assert text.isascii() and not NOT_TEXT.search(text), text
    assert MARK not in text or not any(MARK in value for value in values), text


def _draft(**kw) -> Draft:
    base = dict(
        sender=Address("me@example.test", "Me"),
        to=[Address("you@example.test")],
        subject="s",
        text="t",
    )
    base.update(kw)
    return Draft(**base)


def _field_names(raw: bytes) -> list[str]:
    return [k.lower() for k in email.message_from_bytes(raw, policy=policy.compat32).keys()]


def _name_as_read(name: str) -> str | None:
    """Display names: ASCII white space is normalised (a phrase), other names are exact."""
    shown = " ".join(name.split()) if name.isascii() else name.strip()
    return shown or None


@SETTINGS
@given(subject=LONG_TEXT, name=TEXT, value=LONG_TEXT, attach=st.booleans(), html=st.booleans())
def test_any_subject_name_and_header_value_is_refused_or_round_trips(
    subject: str, name: str, value: str, attach: bool, html: bool
) -> None:
    attachments = [Attachment("a.txt", "text/plain", b"x")] if attach else []
    draft = _draft(
        subject=subject,
        to=[Address("you@example.test", name or None)],
        cc=[Address("cc@example.test", name or None)],
        headers={"X-Custom": value},
        attachments=attachments,
        html="<p>h</p>" if html else None,
    )
    bad = any(NOT_TEXT.search(v) for v in (subject, name, value)) or len(value) > 4096
    try:
        built = build_message(draft)
    except InvalidInput as exc:
        assert bad, exc
        assert_refusal_is_clean(exc, subject, name, value)
        return
    assert not bad
    assert_well_formed(built.raw)
    assert sorted(_field_names(built.raw)) == sorted(
        {*BASE, "cc", "x-custom"}
        | ({"content-transfer-encoding"} if not attach and not html else set())
    )
    raw_fields = email.message_from_bytes(built.raw, policy=policy.compat32)
    assert decode_header(raw_fields["Subject"]) == subject
    assert decode_header(raw_fields["X-Custom"]) == value
    for field in ("To", "Cc"):
        [addr] = parse_address_list(raw_fields[field])
        assert addr.name == _name_as_read(name)
    parsed = parse_message(built.raw)
    assert parsed.subject == subject
    assert [a.address for a in parsed.to] == ["you@example.test"]
    assert parsed.text is not None and parsed.text.strip() == "t"


@SETTINGS
@given(
    filename=st.one_of(st.none(), TEXT),
    content_type=st.one_of(
        st.sampled_from(
            [
                "text/plain",
                "image/png",
                "message/rfc822",
                "multipart/mixed",
                "text/plain\n",
                "text/plain\r\nX: y",
                "a/b;c=d",
                "text/plain\u2028",
            ]
        ),
        TEXT,
    ),
    content_id=st.one_of(st.none(), TEXT),
    inline=st.booleans(),
    html=st.booleans(),
)
def test_any_attachment_field_is_refused_or_round_trips(
    filename: str | None, content_type: str, content_id: str | None, inline: bool, html: bool
) -> None:
    att = Attachment(filename, content_type, b"\x00\x01payload", content_id, inline)
    draft = _draft(attachments=[att], html="<p>h</p>" if html else None)
    try:
        built = build_message(draft)
    except InvalidInput as exc:
        assert_refusal_is_clean(exc, filename or "", content_type, content_id or "")
        assert str(exc).startswith("attachments[0].")
        return
    assert not NOT_TEXT.search(filename or "") and not NOT_TEXT.search(content_id or "")
    assert_well_formed(built.raw)
    assert sorted(_field_names(built.raw)) == sorted(BASE)  # nothing injected at the top
    parsed = parse_message(built.raw)
    assert len(parsed.attachments) == 1
    [info] = parsed.attachments
    # (The reader decodes RFC 2047 words that mailers put in parameters, against §5; and
    # Python's get_filename unquotes twice, so a name inside double quotes loses them.)
    expected = (filename or "").strip()[:255].rstrip() or None
    if expected and len(expected) >= 2 and expected[0] == expected[-1] == '"':
        expected = expected[1:-1].strip() or None
    assert info.filename == decode_header(expected)
    main = content_type.lower()
    assert info.content_type == (
        "application/octet-stream" if main.startswith("message/") else main
    )
    if content_id is not None:
        assert info.content_id == decode_header("<" + content_id.strip("<> ") + ">")


@SETTINGS
@given(
    name=st.one_of(TEXT, st.from_regex(r"[!-9;-~]{1,80}", fullmatch=True)),
    value=st.sampled_from(["v", "é", "a b"]),
)
def test_any_custom_header_name_is_refused_or_written_once(name: str, value: str) -> None:
    try:
        built = build_message(_draft(headers={name: value}))
    except InvalidInput as exc:
        assert_refusal_is_clean(exc, name)
        assert str(exc).startswith("headers")
        return
    assert re.fullmatch(r"[!-9;-~]{1,76}", name)
    assert_well_formed(built.raw)
    assert _field_names(built.raw).count(name.lower()) == 1
    fields = email.message_from_bytes(built.raw, policy=policy.compat32)
    assert decode_header(fields[name]) == value


@SETTINGS
@given(in_reply_to=TEXT, references=st.lists(TEXT, max_size=4))
def test_threading_ids_are_refused_or_written_as_ids(
    in_reply_to: str, references: list[str]
) -> None:
    draft = _draft(in_reply_to=in_reply_to or "<p@example.test>", references=references)
    try:
        built = build_message(draft)
    except InvalidInput as exc:
        assert_refusal_is_clean(exc, in_reply_to)
        assert str(exc).startswith("in_reply_to")
        return
    assert_well_formed(built.raw)
    names = _field_names(built.raw)
    assert names.count("in-reply-to") == 1 and names.count("references") == 1


@SETTINGS
@given(
    lines=st.lists(
        st.one_of(
            TEXT,
            st.sampled_from(
                [
                    "Subject: x",
                    "To: a@example.test",
                    " folded",
                    "Bcc: b@example.test",
                    "",
                    "x:",
                    ":x",
                ]
            ),
        ),
        max_size=6,
    ),
    body=TEXT,
)
def test_any_raw_message_is_refused_without_echo_or_normalised(lines: list[str], body: str) -> None:
    raw = ("\r\n".join(lines) + "\r\n\r\n" + body).encode("utf-8", "surrogatepass")
    try:
        out = normalise_raw(raw, default_domain="example.test")
    except InvalidInput as exc:
        assert_refusal_is_clean(exc, *lines)
        return
    assert b"\r" not in out.raw.replace(b"\r\n", b"")
    assert b"\n" not in out.raw.replace(b"\r\n", b"")
    assert "bcc" not in _field_names(out.raw)
    assert re.fullmatch(r"<[!-;=?-~]+@[!-;=?-~]+>", out.message_id)


def test_unicode_line_separators_in_a_subject_with_attachment_are_encoded() -> None:
    """U+2028/U+2029 are text: kept, inside encoded-words (they were a 500 with attachments)."""
    subject = "line\u2028separator\u2029paragraph"
    for attachments in ([], [Attachment("a.txt", "text/plain", b"x")]):
        built = build_message(
            _draft(
                subject=subject,
                attachments=attachments,
                to=[Address("you@example.test", "Ann\u2028Lee")],
            )
        )
        assert_well_formed(built.raw)
        parsed = parse_message(built.raw)
        assert parsed.subject == subject and parsed.to[0].name == "Ann\u2028Lee"


def test_nel_and_other_controls_are_refused_naming_the_field() -> None:
    cases = {
        "subject": {"subject": "a\x85b"},
        "to[0].name": {"to": [Address("you@example.test", "a\x1eb")]},
        "headers.X-A": {"headers": {"X-A": "a\x0bb"}},
        "attachments[0].filename": {"attachments": [Attachment("a\x85", "text/plain", b"")]},
        "text": {"text": "lone \ud800 surrogate"},
    }
    for field, kw in cases.items():
        try:
            build_message(_draft(**kw))
        except InvalidInput as exc:
            assert str(exc).startswith(field + ":"), exc
            assert_refusal_is_clean(exc)
        else:
            raise AssertionError(f"{field} was accepted")


HEADER_LINE = st.one_of(
    TEXT,
    st.sampled_from(
        [
            "Subject: =?utf-8?b?4oCo?=",
            "Subject: =?x-unknown?q?=FF?=",
            "From: =?utf-8?q?a=0Ab?= <a@b>",
            "Content-Type: multipart/mixed; boundary=b",
            "Content-Type: text/plain; charset=bogus",
            "Content-Disposition: attachment; filename*=utf-8''%E2%80%A8%FF",
            "--b",
            "--b--",
            "Content-Transfer-Encoding: base64",
            " folded",
            "Date: Mon, 99 Foo 99999 99:99:99",
            'To: "unterminated <a@b>',
            "Message-ID: <\x85@x>",
            "References: <a> <b\u2028c>",
        ]
    ),
)


@SETTINGS
@given(lines=st.lists(HEADER_LINE, max_size=12), body=TEXT)
def test_any_received_message_parses_without_raising(lines: list[str], body: str) -> None:
    """The parsing side: whatever a sender put in a message, reading it never fails, and
    folding never shows as a line break. (What an encoded-word decodes to is shown as the
    sender wrote it, LF included: it is JSON text for the client, never a header here.)"""
    raw = ("\r\n".join(lines) + "\r\n\r\n" + body).encode("utf-8", "surrogatepass")
    for data in (raw, raw.replace(b"\r\n", b"\n"), raw.replace(b"\r\n", b"\r")):
        parsed = parse_message(data)
        parse_message(data, headers_only=True)
        for _name, value in parsed.headers:
            assert isinstance(value, str)
            if "=?" not in value and "=?" not in data.decode("utf-8", "replace"):
                assert "\r" not in value and "\n" not in value


ADDRESS = st.one_of(
    TEXT,
    st.builds(
        lambda n, local, domain: f"{n} <{local}@{domain}>",
        TEXT,
        st.sampled_from(["a", "a.b", '"q q"', "x\u2028"]),
        st.sampled_from(["example.test", "bücher.example", "ex\x85ample.test", "a\u2028b.test"]),
    ),
)


@SETTINGS
@given(value=ADDRESS)
def test_any_address_string_is_refused_or_written_as_one_mailbox(value: str) -> None:
    try:
        addr = parse_address(value, where="to[0]")
        built = build_message(_draft(to=[addr]))
    except InvalidInput as exc:
        assert_refusal_is_clean(exc, value)
        assert str(exc).startswith("to[0]")
        return
    assert_well_formed(built.raw)
    raw_fields = email.message_from_bytes(built.raw, policy=policy.compat32)
    [got] = parse_address_list(raw_fields["To"])
    assert got.address == addr.address and got.address.isascii()


def test_an_attachment_error_names_its_index_in_the_request() -> None:
    image = Attachment("logo.png", "image/png", b"png", content_id="logo")
    bad = Attachment("bad\x85name", "text/plain", b"x")
    for attachments, index in (([image, bad], 1), ([bad, image], 0), ([image, image, bad], 2)):
        try:
            build_message(_draft(html="<img src='cid:logo'>", attachments=attachments))
        except InvalidInput as exc:
            assert str(exc).startswith(f"attachments[{index}].filename:"), exc
        else:
            raise AssertionError("accepted")
