"""Pure: a BODYSTRUCTURE sorted into bodies and attachments, and the parsed message built
from the server's parts, with the numbering and decoding the download uses."""

from __future__ import annotations

import base64

from gateway.imap.bodies import SECTIONS_PER_FETCH, decode_part, fetch_batches, parsed_from_parts
from gateway.imap.ids import MessageRef
from gateway.imap.structure import find_part, plan_body, summary_from_fetch, walk_leaves

PDF = b"%PDF-1.4\n" + bytes(range(256))

# multipart/mixed: text, multipart/related (html + image with a Content-ID but no
# disposition), a second unnamed text/plain (a list footer), an attached message.
REF = MessageRef("INBOX", 1, 1)
STRUCTURE = (
    [
        (
            b"TEXT",
            b"PLAIN",
            (b"CHARSET", b"iso-8859-1"),
            None,
            None,
            b"QUOTED-PRINTABLE",
            9,
            1,
            None,
            None,
            None,
            None,
        ),
        (
            [
                (
                    b"text",
                    b"html",
                    (b"charset", b"utf-8"),
                    None,
                    None,
                    b"7bit",
                    12,
                    1,
                    None,
                    None,
                    None,
                    None,
                ),
                (b"image", b"png", None, b"<logo@x>", None, b"base64", 8, None, None, None, None),
            ],
            b"related",
            (b"boundary", b"R"),
            None,
            None,
            None,
        ),
        (b"text", b"plain", None, None, None, b"7bit", 6, 1, None, None, None, None),
        (
            b"message",
            b"rfc822",
            None,
            None,
            None,
            b"7bit",
            30,
            None,
            None,
            2,
            None,
            (b"attachment", (b"filename", b"fwd.eml")),
            None,
            None,
        ),
        (
            b"application",
            b"pdf",
            None,
            None,
            None,
            b"base64",
            400,
            None,
            (b"attachment", (b"filename", b"a.pdf")),
            None,
            None,
        ),
    ],
    b"mixed",
    (b"boundary", b"M"),
    None,
    None,
    None,
)


def test_leaves_carry_their_number_and_parent_subtype() -> None:
    assert [(n, p) for n, _, p in walk_leaves(STRUCTURE)] == [
        ("1", "mixed"),
        ("2.1", "related"),
        ("2.2", "related"),
        ("3", "mixed"),
        ("4", "mixed"),
        ("5", "mixed"),
    ]
    single = (b"text", b"plain", None, None, None, b"7bit", 5, 1, None, None, None, None)
    assert [(n, p) for n, _, p in walk_leaves(single)] == [("1", None)]


def test_plan_takes_first_text_and_html_as_bodies_and_lists_every_other_leaf() -> None:
    plan = plan_body(STRUCTURE)
    assert plan.text is not None and plan.text.number == "1"
    assert plan.html is not None and plan.html.number == "2.1"
    assert [
        (a.number, a.content_type, a.filename, a.inline, a.content_id) for a in plan.attachments
    ] == [
        ("2.2", "image/png", None, True, "<logo@x>"),
        ("3", "text/plain", None, False, None),
        ("4", "message/rfc822", "fwd.eml", False, None),
        ("5", "application/pdf", "a.pdf", False, None),
    ]
    # The listing says "has attachments" exactly when the message lists one, and every
    # listed id is a part the download finds.
    assert summary_from_fetch({b"BODYSTRUCTURE": STRUCTURE}, REF).has_attachments is True
    assert all(find_part(STRUCTURE, a.number) is not None for a in plan.attachments)
    only_text = (
        [
            (b"text", b"plain", None, None, None, b"7bit", 5, 1, None, None, None, None),
            (b"text", b"html", None, None, None, b"7bit", 5, 1, None, None, None, None),
        ],
        b"alternative",
        None,
        None,
        None,
        None,
    )
    assert plan_body(only_text).attachments == []
    assert summary_from_fetch({b"BODYSTRUCTURE": only_text}, REF).has_attachments is False


def test_fetch_batches_ask_for_the_header_and_every_shown_part() -> None:
    [items] = list(fetch_batches(plan_body(STRUCTURE)))
    assert items == (
        b"(UID FLAGS BODY.PEEK[HEADER] BODY.PEEK[1] BODY.PEEK[2.1] "
        b"BODY.PEEK[2.2] BODY.PEEK[3] BODY.PEEK[4] BODY.PEEK[5])"
    )
    leaf = (b"application", b"pdf", None, None, None, b"base64", 4, None, None, None, None)
    many = ([leaf] * (SECTIONS_PER_FETCH * 2 + 1), b"mixed", None, None, None, None)
    batches = list(fetch_batches(plan_body(many)))
    assert len(batches) == 3
    assert sum(b.count(b"BODY.PEEK[") for b in batches) == SECTIONS_PER_FETCH * 2 + 2
    assert b"BODY.PEEK[201]" in batches[2] and batches[1].startswith(b"(UID BODY.PEEK[")


def test_sizes_are_the_decoded_bytes_the_download_returns() -> None:
    encoded = base64.encodebytes(PDF).replace(b"\n", b"\r\n")
    attached = b"From: x@example.test\r\nSubject: fwd\r\n\r\nhello\r\n"
    contents = {
        "1": b"Gr=FC=DFe=\r\n!",
        "2.1": b"<p>hi</p>",
        "2.2": b"",
        "3": b"footer",
        "4": attached,
        "5": encoded[:20] + b"!! \r\n" + encoded[20:],
    }
    header = b"From: a@example.test\r\nSubject: parts\r\n\r\n"
    parsed = parsed_from_parts(header, plan_body(STRUCTURE), contents)
    assert parsed.subject == "parts" and parsed.text == "Grüße!" and parsed.html == "<p>hi</p>"
    sizes = {a.id: a.size for a in parsed.attachments}
    assert sizes == {"2.2": 0, "3": 6, "4": len(attached), "5": len(PDF)}
    pdf = find_part(STRUCTURE, "5")
    assert pdf is not None and decode_part(pdf, contents["5"]) == PDF
    assert parsed.has_attachments and parsed.preview == "Grüße!"
