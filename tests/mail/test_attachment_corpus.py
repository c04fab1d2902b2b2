"""Every attachment a message lists downloads with exactly its declared size and bytes.

The corpus (``corpus/*.eml``, one real-world MIME shape each, named in its
``X-Corpus-Shape`` header) is stored on Dovecot and on Cyrus; for every message the
attachments the gateway lists (ids, types, names, sizes) and what each download returns
are compared with what the shape holds, written out by hand below. The servers split
one malformed shape differently (Dovecot ends a part at a line that merely starts with
the boundary); the gateway follows the server it reads from, in listing and download.
"""

from __future__ import annotations

import base64
from pathlib import Path

import httpx

from tests.conftest import account_spec
from tests.mailstack import MailStack

CORPUS = Path(__file__).parent / "corpus"
PDF = b"%PDF-1.4\n% tiny test pdf\n%%EOF\n"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9"
    "awAAAABJRU5ErkJggg=="
)
BIN = b"\x78\x9f\x3e\x22\x01\x00" + bytes(range(40))


def load(name: str) -> bytes:
    """A corpus file with CRLF line ends, as mail travels."""
    return (CORPUS / name).read_bytes().replace(b"\n", b"\r\n")


def between(name: str, start: bytes, end: bytes) -> bytes:
    """The bytes of a corpus file from ``start`` up to (not including) ``end``."""
    raw = load(name)
    first = raw.index(start)
    return raw[first : raw.index(end, first)]


# (id, content_type, filename, content) of every attachment, in order.
Expected = list[tuple[str, str, str | None, bytes]]
EXPECTED: dict[str, Expected | dict[str, Expected]] = {
    "8bit.eml": [
        ("2", "text/plain", "latin1.txt", b"Gr\xfc\xdfe aus K\xf6ln\r\nand UTF-8 \xc3\xa9t\xc3\xa9")
    ],
    "alternative-inside-mixed.eml": [("2", "application/pdf", "alt.pdf", PDF)],
    "base64-junk.eml": [
        ("2", "application/pdf", "messy.pdf", PDF),
        ("3", "image/png", "short.png", PNG),
    ],
    "boundary-text-inside-part.eml": {
        "cyrus": [
            (
                "2",
                "text/plain",
                "notes.txt",
                b"line one mentions --sep in the middle\r\n"
                b"--separately this line starts with the boundary text\r\nlast line",
            ),
            ("3", "application/octet-stream", "after.bin", BIN),
        ],
        # Dovecot takes "--separately" for a delimiter: the rest is an unnamed empty part.
        "dovecot": [
            ("2", "text/plain", "notes.txt", b"line one mentions --sep in the middle"),
            ("3", "text/plain", None, b""),
            ("4", "application/octet-stream", "after.bin", BIN),
        ],
    },
    "digest.eml": [
        ("2.1", "message/rfc822", None, between("digest.eml", b"From: One", b"\r\n--dg")),
        ("2.2", "message/rfc822", None, between("digest.eml", b"From: Two", b"\r\n--dg--")),
    ],
    "empty-attachment.eml": [
        ("2", "application/octet-stream", "empty.bin", b""),
        ("3", "text/plain", "empty.txt", b""),
    ],
    "inline-image-cid.eml": [("2", "image/png", None, PNG)],
    "missing-final-boundary.eml": [("2", "application/pdf", "cut.pdf", PDF)],
    "multipart-signed.eml": [
        ("1.2", "text/x-patch", "fix.patch", b"--- a/x\r\n+++ b/x\r\n@@ -1 +1 @@\r\n-old\r\n+new"),
        (
            "2",
            "application/pgp-signature",
            "signature.asc",
            b"-----BEGIN PGP SIGNATURE-----\r\n\r\niQEzBAEBCAAdFiEEtest\r\n=abcd\r\n"
            b"-----END PGP SIGNATURE-----\r\n",
        ),
    ],
    "multipart-without-boundary.eml": [],
    # Both servers end an attached message after its own closing delimiter line, CRLF
    # included (RFC 2046 5.1.1 would give that CRLF to the outer delimiter).
    "nested-rfc822-two-levels.eml": [
        (
            "2",
            "message/rfc822",
            "middle.eml",
            between("nested-rfc822-two-levels.eml", b"From: Middle", b"--outer-b--"),
        )
    ],
    "octet-stream-no-filename.eml": [("2", "application/octet-stream", None, BIN)],
    "part-without-content-type.eml": [
        ("2", "text/plain", "plain.txt", b"defaulted to text/plain"),
        ("3", "text/plain", "data.bin", PDF),
    ],
    "prefix-boundaries.eml": [("2", "application/octet-stream", "x.bin", BIN)],
    "quoted-printable.eml": [
        (
            "2",
            "text/csv",
            "prices.csv",
            "name;price\r\nKäse;4,50 €\r\na very long line that was wrapped by a soft line "
            "break right here and continues;1\r\ntab\tend;=".encode(),
        )
    ],
    "rfc2231-filename.eml": [("2", "application/pdf", "Résumé €.pdf", PDF)],
    "rfc822-base64.eml": [
        ("2", "message/rfc822", "enc.eml", b"From: x@example.test\r\nSubject: enc\r\n\r\nhi\r\n")
    ],
    "rfc822-with-attachments.eml": [
        (
            "2",
            "message/rfc822",
            "report.eml",
            between("rfc822-with-attachments.eml", b"From: Carol", b"\r\n--fwd--"),
        )
    ],
    "single-part-pdf.eml": [("1", "application/pdf", "scan.pdf", PDF)],
    # The whole body, that is the encapsulated message (BODY[1] on both servers).
    "top-level-rfc822.eml": [
        ("1", "message/rfc822", None, load("top-level-rfc822.eml").partition(b"\r\n\r\n")[2])
    ],
    "text-part-with-name.eml": [("2", "text/plain", "build.log", b"step 1 ok\r\nstep 2 failed")],
    "tnef-winmail.eml": [("2", "application/ms-tnef", "winmail.dat", BIN)],
    # An unknown transfer encoding is not decoded: listed and served as stored.
    "unknown-cte.eml": [
        ("2", "application/octet-stream", "hi.txt", b"begin 644 hi.txt\r\n#:&DA\r\n`\r\nend")
    ],
}


async def _account(client: httpx.AsyncClient, server: MailStack) -> tuple[str, str]:
    user = server.new_user("att")
    resp = await client.post("/v1/accounts", json=account_spec(server, user, protocols=("imap",)))
    assert resp.status_code == 201, resp.text
    return user, f"/v1/accounts/{resp.json()['id']}"


async def _inbox(client: httpx.AsyncClient, base: str) -> list[dict]:
    resp = await client.get(f"{base}/mailboxes/INBOX/messages", params={"limit": 100})
    assert resp.status_code == 200, resp.text
    return sorted(resp.json()["items"], key=lambda item: item["uid"])


def test_the_corpus_covers_every_shape_once() -> None:
    files = sorted(p.name for p in CORPUS.glob("*.eml"))
    assert files == sorted(EXPECTED)
    for name in files:
        assert load(name).startswith(b"X-Corpus-Shape: "), name


async def test_every_listed_attachment_downloads_its_declared_size_and_bytes(
    client: httpx.AsyncClient, imap_server: MailStack
) -> None:
    user, base = await _account(client, imap_server)
    names = sorted(EXPECTED)
    imap_server.seed_maildir(user, [load(name) for name in names])
    items = await _inbox(client, base)
    assert len(items) == len(names)
    for name, item in zip(names, items, strict=True):
        resp = await client.get(f"{base}/messages/{item['id']}")
        assert resp.status_code == 200, (name, resp.text)
        listed = resp.json()["attachments"]
        expected = EXPECTED[name]
        if isinstance(expected, dict):
            expected = expected[imap_server.server]
        assert [(a["id"], a["content_type"], a["filename"]) for a in listed] == [
            (number, ctype, filename) for number, ctype, filename, _ in expected
        ], name
        # The listing's summary agrees with the message it lists.
        assert item["has_attachments"] is bool(listed), name
        for att, (_, _, _, content) in zip(listed, expected, strict=True):
            got = await client.get(f"{base}/messages/{item['id']}/attachments/{att['id']}")
            assert got.status_code == 200, (name, att, got.text)
            assert len(got.content) == att["size"], (name, att)
            assert got.content == content, (name, att, got.content[-20:], content[-20:])
            assert got.headers["content-type"].split(";")[0] == att["content_type"]


async def test_inline_image_and_bodies_come_from_the_same_parts(
    client: httpx.AsyncClient, imap_server: MailStack
) -> None:
    user, base = await _account(client, imap_server)
    imap_server.seed_maildir(
        user, [load("inline-image-cid.eml"), load("alternative-inside-mixed.eml")]
    )
    inline, alternative = await _inbox(client, base)
    msg = (await client.get(f"{base}/messages/{inline['id']}")).json()
    assert msg["html"].startswith('<p>Look: <img src="cid:dot@example.test">')
    [image] = msg["attachments"]
    assert image["content_id"] == "<dot@example.test>" and image["inline"] is True
    msg = (await client.get(f"{base}/messages/{alternative['id']}")).json()
    assert msg["text"].strip() == "Plain version."
    assert msg["html"].strip() == "<p>HTML version.</p>"
    assert [a["inline"] for a in msg["attachments"]] == [False]


async def test_a_message_with_hundreds_of_parts_lists_and_downloads_each(
    client: httpx.AsyncClient, imap_server: MailStack
) -> None:
    """More parts than one FETCH asks for: every one is still listed with its true size."""
    user, base = await _account(client, imap_server)
    count = 230
    parts = "".join(
        f'--many\r\nContent-Type: application/octet-stream; name="f{i}.bin"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n"
        f"{base64.b64encode(bytes([i % 256]) * i).decode()}\r\n"
        for i in range(count)
    )
    raw = (
        "From: a@example.test\r\nTo: b@example.test\r\nSubject: many\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="many"\r\n\r\n'
        "--many\r\nContent-Type: text/plain\r\n\r\nlots of parts\r\n"
        f"{parts}--many--\r\n"
    ).encode()
    imap_server.seed_maildir(user, [raw])
    [item] = await _inbox(client, base)
    msg = (await client.get(f"{base}/messages/{item['id']}")).json()
    assert msg["text"].strip() == "lots of parts"
    listed = msg["attachments"]
    assert [(a["id"], a["filename"], a["size"]) for a in listed] == [
        (str(i + 2), f"f{i}.bin", i) for i in range(count)
    ]
    for i in (0, 1, 150, count - 1):
        got = await client.get(f"{base}/messages/{item['id']}/attachments/{i + 2}")
        assert got.status_code == 200 and got.content == bytes([i % 256]) * i


async def test_pop3_items_carry_an_attached_message_as_stored(
    client: httpx.AsyncClient, imap_server: MailStack
) -> None:
    """POP3 has no part download: its parsed items carry the content, which for an attached
    message is the message with its CRLF line ends (Python re-serialised it with bare LF)."""
    names = ["digest.eml", "nested-rfc822-two-levels.eml", "rfc822-with-attachments.eml"]
    user = imap_server.new_user("pop")
    resp = await client.post(
        "/v1/accounts", json=account_spec(imap_server, user, protocols=("pop3",))
    )
    assert resp.status_code == 201, resp.text
    imap_server.seed_maildir(user, [load(name) for name in names])
    resp = await client.post(f"/v1/accounts/{resp.json()['id']}/pop3/retrieve", json={})
    assert resp.status_code == 200, resp.text
    items = resp.json()["items"]
    assert len(items) == len(names)
    for name, item in zip(names, items, strict=True):
        expected = EXPECTED[name]
        assert isinstance(expected, list)
        got = [
            (a["id"], a["content_type"], base64.b64decode(a["content"]), a["size"])
            for a in item["attachments"]
        ]
        assert got == [
            (number, ctype, content, len(content)) for number, ctype, _, content in expected
        ], name
