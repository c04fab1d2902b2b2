"""Sample messages shared by the MIME parser and schema tests."""

from __future__ import annotations


def crlf(text: str) -> bytes:
    """The text with CRLF line ends, as on the wire."""
    return text.replace("\n", "\r\n").encode()


SIMPLE = crlf("""\
From: "Alice Example" <alice@example.test>
To: bob@example.test, =?utf-8?q?J=C3=B6rg?= <jorg@example.test>
Cc: Carol <carol@example.test>
Reply-To: replies@example.test
Subject: =?utf-8?B?SGVsbG8g?=
 =?utf-8?B?V8O2cmxk?=
Date: Tue, 3 Mar 2026 10:00:00 +0100
Message-ID: <abc@example.test>
In-Reply-To: <parent@example.test>
References: <root@example.test>
 <parent@example.test>
Content-Type: text/plain; charset=utf-8

Hello there,
this is the body.
""")


MULTI = crlf("""\
From: a@example.test
Subject: multi
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

caf=E9
--alt
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: text/html; charset=utf-8

<p>Hi <img src="cid:logo@x"></p>
--rel
Content-Type: image/png
Content-ID: <logo@x>
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--rel--
--alt--
--outer
Content-Type: application/pdf
Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--outer
Content-Type: application/octet-stream
Content-Disposition: attachment;
 filename*0*=utf-8''long%20na;
 filename*1*=me.bin
Content-Transfer-Encoding: base64

AAEC
--outer
Content-Type: text/plain; name="=?utf-8?q?n=C3=B6tes.txt?="

notes
--outer
Content-Type: message/rfc822

From: inner@example.test
Subject: inner

inner body
--outer--
""")
