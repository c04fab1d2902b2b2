"""``mailgate send``: built and raw messages reach the recipient's mailbox on Dovecot."""

from __future__ import annotations

import email
import email.policy
import time
from pathlib import Path

from .conftest import LiveGateway, Mailgate


def delivered(
    gateway: LiveGateway, user: str, subject: str, *, within: float = 20
) -> email.message.EmailMessage:
    """The message with ``subject`` in ``user``'s INBOX (its Maildir), once it is there."""
    folder = gateway.stack.maildir_path(user)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for sub in ("new", "cur"):
            for path in (folder / sub).glob("*") if (folder / sub).is_dir() else ():
                message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                if message["Subject"] == subject:
                    return message
        time.sleep(0.1)
    raise AssertionError(f"no message {subject!r} for {user} within {within} s")


def test_send_a_built_message(
    mailgate: Mailgate, account: dict, gateway: LiveGateway, tmp_path: Path
) -> None:
    bob = gateway.stack.new_user("bob")
    note = tmp_path / "note.txt"
    note.write_text("attached words\n")
    sent = mailgate(
        "send",
        account["id"],
        "--to",
        f"Bob <{bob}>",
        "--subject",
        "Hi from the CLI",
        "--text",
        "Hello Bob.",
        "--attach",
        str(note),
        "--header",
        "X-Trace: cli-1",
    )
    assert sent.code == 0, sent.err
    fields = {k: v.strip() for k, v in (line.split(":", 1) for line in sent.out.splitlines())}
    assert list(fields) == ["sent", "accepted", "rejected", "saved to Sent", "server said"]
    assert fields["accepted"] == bob and fields["rejected"] == "-"
    assert fields["saved to Sent"] == "yes" and fields["server said"].startswith("250")

    message = delivered(gateway, bob, "Hi from the CLI")
    assert message["Message-ID"] == fields["sent"]
    assert message["From"].addresses[0].addr_spec == account["email"]
    assert message["X-Trace"] == "cli-1"
    assert message.get_body(("plain",)).get_content().strip() == "Hello Bob."
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == "note.txt"
    assert attachment.get_content() == "attached words\n"


def test_send_json_and_the_body_from_stdin(
    mailgate: Mailgate, account: dict, gateway: LiveGateway
) -> None:
    bob = gateway.stack.new_user("bob")
    sent = mailgate(
        "send",
        account["id"],
        "--to",
        bob,
        "--subject",
        "From stdin",
        "--text",
        "-",
        "--json",
        stdin="Line one.\nLine two.\n",
    )
    assert sent.code == 0, sent.err
    body = sent.json()
    assert body["accepted"] == [bob] and body["rejected"] == [] and body["queue_id"] is None
    message = delivered(gateway, bob, "From stdin")
    assert message["Message-ID"] == body["message_id"]
    assert message.get_body(("plain",)).get_content().splitlines() == ["Line one.", "Line two."]


def raw_message(sender: str, to: str, subject: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{subject.replace(' ', '-')}@cli.test>\r\n\r\nRaw body.\r\n"
    ).encode()


def test_send_raw_from_a_file_and_from_stdin(
    mailgate: Mailgate, account: dict, gateway: LiveGateway, tmp_path: Path
) -> None:
    bob = gateway.stack.new_user("bob")
    path = tmp_path / "message.eml"
    path.write_bytes(raw_message(account["email"], bob, "Raw from a file"))
    from_file = mailgate("send", account["id"], "--raw", str(path), "--json")
    assert from_file.code == 0, from_file.err
    assert from_file.json()["message_id"] == "<Raw-from-a-file@cli.test>"
    assert from_file.json()["accepted"] == [bob]
    assert delivered(gateway, bob, "Raw from a file")["Message-ID"] == (
        "<Raw-from-a-file@cli.test>"
    )

    # Envelope recipient given: Carol gets it although the header names Bob.
    carol = gateway.stack.new_user("carol")
    from_stdin = mailgate(
        "send",
        account["id"],
        "--raw",
        "-",
        "--rcpt-to",
        carol,
        stdin=raw_message(account["email"], bob, "Raw from stdin"),
    )
    assert from_stdin.code == 0, from_stdin.err
    assert delivered(gateway, carol, "Raw from stdin").get_content().strip() == "Raw body."


def test_send_through_the_outbox(mailgate: Mailgate, account: dict, gateway: LiveGateway) -> None:
    bob = gateway.stack.new_user("bob")
    queued = mailgate(
        "send", account["id"], "--to", bob, "--subject", "Queued", "--text", "q", "--queue"
    )
    assert queued.code == 0, queued.err
    fields = {k: v.strip() for k, v in (line.split(":", 1) for line in queued.out.splitlines())}
    assert list(fields) == ["queued", "message_id", "send_at"] and fields["send_at"] == "now"
    assert delivered(gateway, bob, "Queued")["Message-ID"] == fields["message_id"]


def test_send_refusals(mailgate: Mailgate, account: dict, tmp_path: Path) -> None:
    # The gateway's refusal: one line, exit 1.
    spoofed = mailgate(
        "send",
        account["id"],
        "--from",
        "someone@elsewhere.test",
        "--to",
        "x@example.test",
        "--subject",
        "s",
        "--text",
        "t",
    )
    assert spoofed.code == 1
    assert spoofed.err.startswith("mailgate send: error: from_not_allowed (422): ")
    assert spoofed.err.count("\n") == 1 and spoofed.out == ""

    unknown = mailgate("send", "no-such-account", "--to", "x@example.test", "--text", "t")
    assert unknown.code == 1
    assert unknown.err == (
        "mailgate send: error: account_not_found (404): no account 'no-such-account'\n"
    )

    # Usage mistakes are caught before anything is sent: exit 2.
    assert mailgate("send", account["id"], "--subject", "nobody", "--text", "t").err == (
        "mailgate send: error: give at least one recipient: --to, --cc or --bcc\n"
    )
    path = tmp_path / "m.eml"
    path.write_bytes(b"Subject: x\r\n\r\nx\r\n")
    mixed = mailgate("send", account["id"], "--raw", str(path), "--subject", "also")
    assert mixed.code == 2
    assert mixed.err == (
        "mailgate send: error: --raw sends the message as it is: leave out --subject\n"
    )
    missing = mailgate("send", account["id"], "--raw", str(tmp_path / "absent.eml"))
    assert missing.code == 2 and "No such file or directory" in missing.err
