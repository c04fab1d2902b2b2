"""Checks that the throwaway Dovecot + Postfix (scripts/mailstack.sh) behaves as the
gateway's tests and benchmarks expect, using only stdlib clients."""

from __future__ import annotations

import imaplib
import os
import poplib
import re
import shutil
import smtplib
import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage

import pytest

from tests.mailstack import SCRIPT, MailStack, make_stack_dir, start_mailstack


@pytest.fixture(scope="module")
def stack() -> Iterator[MailStack]:
    directory = make_stack_dir()
    s = start_mailstack(directory)
    try:
        yield s
    finally:
        s.stop()
        leftovers = s.processes()
        shutil.rmtree(directory, ignore_errors=True)
        assert leftovers == [], f"processes left after stop: {leftovers}"


def wait_for(cond: Callable[[], object], timeout: float = 10.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def message(to: str, subject: str, sender: str = "sender@example.test") -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{subject.replace(' ', '-')}@mailstack.test>"
    msg.set_content(f"Body of {subject}\n")
    return msg.as_bytes()


def imap_subjects(s: MailStack, user: str, mailbox: str = "INBOX") -> list[str]:
    m = imaplib.IMAP4(s.host, s.imap, timeout=10)
    try:
        m.login(user, s.password)
        typ, data = m.select(mailbox, readonly=True)
        assert typ == "OK", data
        if int(data[0]) == 0:
            return []
        typ, data = m.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        assert typ == "OK", data
        return [
            part[1].decode().strip().removeprefix("Subject: ")
            for part in data
            if isinstance(part, tuple)
        ]
    finally:
        m.logout()


def test_env_file_and_port_layout(stack: MailStack) -> None:
    env = dict(
        line.split("=", 1) for line in (stack.dir / "mailstack.env").read_text().splitlines()
    )
    base = stack.base_port
    assert [stack.ports[name] for name in stack.ports] == list(range(base, base + 8))
    assert int(env["IMAP_PORT"]) == stack.imap == base
    assert int(env["IMAPS_PORT"]) == stack.imaps
    assert int(env["POP3_PORT"]) == stack.pop3
    assert int(env["POP3S_PORT"]) == stack.pop3s
    assert int(env["SUBMISSION_PORT"]) == stack.submission
    assert int(env["SMTPS_PORT"]) == stack.smtps
    assert int(env["SMTP_PORT"]) == stack.smtp
    assert int(env["LMTP_PORT"]) == stack.lmtp == base + 7
    assert env["CERT"] == str(stack.cert) == str(stack.dir / "cert.pem")
    assert stack.cert.read_text().startswith("-----BEGIN CERTIFICATE-----")
    # Loopback only: nothing listens on the machine's other addresses.
    for port in stack.ports.values():
        with socket.create_connection((stack.host, port), timeout=2):
            pass


def test_imap_login_starttls_and_imaps(stack: MailStack) -> None:
    user = stack.new_user()
    ctx = stack.ssl_context()

    m = imaplib.IMAP4(stack.host, stack.imap, timeout=10)
    assert "STARTTLS" in m.capabilities
    assert "AUTH=PLAIN" in m.capabilities
    assert m.login(user, stack.password)[0] == "OK"  # plaintext auth is allowed
    typ, caps = m.capability()
    caps = set(caps[0].decode().upper().split())
    for cap in ("IDLE", "MOVE", "UIDPLUS", "CONDSTORE", "QRESYNC", "SPECIAL-USE", "NAMESPACE"):
        assert cap in caps, cap
    typ, boxes = m.list()
    assert typ == "OK"
    listing = b"\n".join(boxes).decode()
    for flag, name in [
        ("Drafts", "Drafts"),
        ("Sent", "Sent"),
        ("Trash", "Trash"),
        ("Junk", "Junk"),
        ("Archive", "Archive"),
    ]:
        assert re.search(rf'\\{flag}\b.*"/" {name}$', listing, re.M), listing
    typ, subscribed = m.lsub()
    assert typ == "OK" and len(subscribed) >= 5, subscribed
    # '.' is allowed in names (listescape) with '/' as the hierarchy separator.
    assert m.create('"Lists.dev/sub"')[0] == "OK"
    assert m.select('"Lists.dev/sub"')[0] == "OK"
    m.logout()

    m = imaplib.IMAP4(stack.host, stack.imap, timeout=10)
    m.starttls(ssl_context=ctx)
    assert m.sock.version() in ("TLSv1.2", "TLSv1.3")
    assert m.login(user, stack.password)[0] == "OK"
    m.logout()

    m = imaplib.IMAP4_SSL(stack.host, stack.imaps, ssl_context=ctx, timeout=10)
    assert m.login(user, stack.password)[0] == "OK"
    assert m.select("INBOX")[0] == "OK"
    m.logout()


def test_tls_is_verified_against_the_stack_cert(stack: MailStack) -> None:
    default = ssl.create_default_context()  # system CAs do not know the self-signed cert
    with pytest.raises(ssl.SSLCertVerificationError):
        imaplib.IMAP4_SSL(stack.host, stack.imaps, ssl_context=default, timeout=10)
    # The certificate names localhost as well as 127.0.0.1.
    m = imaplib.IMAP4_SSL("localhost", stack.imaps, ssl_context=stack.ssl_context(), timeout=10)
    m.logout()


def test_pop3_stls_and_pop3s(stack: MailStack) -> None:
    user = stack.new_user("pop")
    stack.deliver(user, message(user, "pop one"))
    stack.deliver(user, message(user, "pop two"))
    ctx = stack.ssl_context()

    p = poplib.POP3(stack.host, stack.pop3, timeout=10)
    assert "STLS" in p.capa()
    p.stls(ctx)
    p.user(user)
    p.pass_(stack.password)
    assert p.stat()[0] == 2
    uidls = [line.split()[1].decode() for line in p.uidl()[1]]
    assert all(re.fullmatch(r"[0-9a-fA-F]{16}", u) for u in uidls), uidls  # %08Xu%08Xv
    assert len(set(uidls)) == 2
    p.quit()

    p = poplib.POP3_SSL(stack.host, stack.pop3s, context=ctx, timeout=10)
    p.user(user)
    p.pass_(stack.password)
    assert p.stat()[0] == 2
    body = b"\r\n".join(p.retr(1)[1])
    assert b"Subject: pop one" in body
    p.quit()


def test_submission_starttls_auth_delivers_to_imap(stack: MailStack) -> None:
    sender, rcpt = stack.new_user("s"), stack.new_user("r")
    with smtplib.SMTP(stack.host, stack.submission, timeout=10) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("starttls")
        smtp.starttls(context=stack.ssl_context())
        smtp.ehlo()
        assert "PLAIN" in smtp.esmtp_features["auth"].upper()
        assert smtp.login(sender, stack.password)[0] == 235
        refused = smtp.sendmail(sender, [rcpt], message(rcpt, "via submission"))
        assert refused == {}
    subjects = wait_for(lambda: imap_subjects(stack, rcpt), what="delivery to IMAP")
    assert subjects == ["via submission"]


def test_smtps_and_plain_smtp_ports(stack: MailStack) -> None:
    rcpt = stack.new_user()
    with smtplib.SMTP_SSL(stack.host, stack.smtps, context=stack.ssl_context(), timeout=10) as c:
        c.login(rcpt, stack.password)
        assert c.sendmail(rcpt, [rcpt], message(rcpt, "via smtps")) == {}
    with smtplib.SMTP(stack.host, stack.smtp, timeout=10) as c:  # no auth needed
        assert c.sendmail("someone@elsewhere.test", [rcpt], message(rcpt, "via smtp")) == {}
    wait_for(lambda: stack.maildir_count(rcpt) == 2, what="two deliveries")
    assert sorted(imap_subjects(stack, rcpt)) == ["via smtp", "via smtps"]


def test_no_relaying_and_submission_requires_auth(stack: MailStack) -> None:
    rcpt = stack.new_user()
    with smtplib.SMTP(stack.host, stack.smtp, timeout=10) as c:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as exc:
            c.sendmail("a@example.test", ["x@elsewhere.test"], b"Subject: relay\r\n\r\nx\r\n")
        code, text = exc.value.recipients["x@elsewhere.test"]
        assert code == 554 and b"Relay access denied" in text
    with smtplib.SMTP(stack.host, stack.submission, timeout=10) as c:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as exc:
            c.sendmail("a@example.test", [rcpt], b"Subject: noauth\r\n\r\nx\r\n")
        assert exc.value.recipients[rcpt][0] == 554
    with smtplib.SMTP(stack.host, stack.submission, timeout=10) as c:
        c.login(rcpt, stack.password)  # AUTH works without TLS (smtpd_tls_auth_only=no)
        with pytest.raises(smtplib.SMTPRecipientsRefused) as exc:
            c.sendmail(rcpt, ["x@elsewhere.test"], b"Subject: out\r\n\r\nx\r\n")
        assert exc.value.recipients["x@elsewhere.test"][0] == 550  # no outbound mail


def test_unknown_recipient_rejected_at_rcpt(stack: MailStack) -> None:
    good = stack.new_user()
    bad = stack.new_user("unknown")
    with smtplib.SMTP(stack.host, stack.smtp, timeout=10) as c:
        c.ehlo()
        assert c.mail("a@example.test")[0] == 250
        code, text = c.rcpt(bad)
        assert code == 550 and b"User unknown" in text, (code, text)
        assert c.rcpt(good)[0] == 250
        c.rset()
    with smtplib.SMTP(stack.host, stack.submission, timeout=10) as c:
        c.login(good, stack.password)
        refused = c.sendmail(good, [good, bad], message(good, "partly refused"))
        assert list(refused) == [bad] and refused[bad][0] == 550
    wait_for(lambda: stack.maildir_count(good) == 1, what="delivery to the good recipient")


def test_wrong_password_fails_quickly(stack: MailStack) -> None:
    user = stack.new_user()
    for _ in range(2):  # repeated failures must not build up a penalty
        m = imaplib.IMAP4(stack.host, stack.imap, timeout=10)
        t0 = time.monotonic()
        with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
            m.login(user, "wrong")
        assert time.monotonic() - t0 < 2.0
        m.logout()
    t0 = time.monotonic()
    p = poplib.POP3(stack.host, stack.pop3, timeout=10)
    p.user(user)
    with pytest.raises(poplib.error_proto):
        p.pass_("wrong")
    p.quit()
    with smtplib.SMTP(stack.host, stack.submission, timeout=10) as c:
        with pytest.raises(smtplib.SMTPAuthenticationError) as exc:
            c.login(user, "wrong")
        assert exc.value.smtp_code == 535
    assert time.monotonic() - t0 < 4.0
    # ... and a correct login right after the failures is fast.
    t0 = time.monotonic()
    m = imaplib.IMAP4(stack.host, stack.imap, timeout=10)
    m.login(user, stack.password)
    m.logout()
    assert time.monotonic() - t0 < 0.5


def test_seed_maildir_1000_messages(stack: MailStack) -> None:
    user = stack.new_user("seed")
    msgs = [
        f"From: a@example.test\r\nTo: {user}\r\nSubject: seed {i:04d}\r\n"
        f"Message-ID: <seed{i}@mailstack.test>\r\n\r\nbody {i}\r\n".encode()
        for i in range(1000)
    ]
    t0 = time.monotonic()
    assert stack.seed_maildir(user, msgs) == 1000
    assert time.monotonic() - t0 < 5.0
    assert stack.maildir_count(user) == 1000
    files = os.listdir(stack.maildir_path(user) / "cur")
    assert all(":2," in f for f in files)
    st = os.stat(stack.maildir_path(user) / "cur" / files[0])
    assert (st.st_uid, st.st_gid) == (8, 8)

    m = imaplib.IMAP4(stack.host, stack.imap, timeout=10)
    m.login(user, stack.password)
    typ, data = m.select("INBOX")
    assert typ == "OK" and int(data[0]) == 1000
    assert int(m.untagged_responses["EXISTS"][-1]) == 1000
    typ, data = m.fetch("1,1000", "(UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    subjects = [part[1].decode().strip() for part in data if isinstance(part, tuple)]
    assert subjects == ["Subject: seed 0000", "Subject: seed 0999"]  # UIDs follow the order
    m.logout()


def test_seed_into_other_mailboxes_with_flags(stack: MailStack) -> None:
    user = stack.new_user()
    assert stack.seed_maildir(user, [message(user, "old")], mailbox="Archive", flags="S") == 1
    assert stack.seed_maildir(user, [message(user, "x")] * 3, mailbox="Lists.py/Straße") == 3
    assert stack.maildir_count(user, "Lists.py/Straße") == 3
    m = imaplib.IMAP4(stack.host, stack.imap, timeout=10)
    m.login(user, stack.password)
    typ, data = m.status("Archive", "(MESSAGES UNSEEN)")
    assert typ == "OK" and b"MESSAGES 1 UNSEEN 0" in data[0], data
    typ, data = m.status('"Lists.py/Stra&AN8-e"', "(MESSAGES)")  # modified UTF-7
    assert typ == "OK" and b"MESSAGES 3" in data[0], data
    m.logout()


def test_deliver_over_lmtp_is_synchronous(stack: MailStack) -> None:
    user = stack.new_user()
    assert stack.new_user() != user and user.endswith("@example.test")
    stack.deliver(user, message(user, "lmtp one"))
    assert stack.maildir_count(user) == 1  # stored before deliver() returned
    assert stack.deliver_many(user, [message(user, f"bulk {i}") for i in range(5)]) == 5
    assert stack.maildir_count(user) == 6
    assert imap_subjects(stack, user)[:2] == ["lmtp one", "bulk 0"]


def test_start_again_is_a_noop(stack: MailStack) -> None:
    before = sorted(pid for pid, _ in stack.processes())
    t0 = time.monotonic()
    again = start_mailstack(stack.dir)
    assert time.monotonic() - t0 < 3.0
    assert again == stack
    assert sorted(pid for pid, _ in stack.processes()) == before


def test_stop_and_start_postfix(stack: MailStack) -> None:
    stack.stop_postfix()
    for port in (stack.submission, stack.smtps, stack.smtp):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((stack.host, port), timeout=2)
    with socket.create_connection((stack.host, stack.imap), timeout=2):
        pass  # Dovecot is untouched
    stack.start_postfix()
    user = stack.new_user()
    with smtplib.SMTP(stack.host, stack.submission, timeout=10) as c:
        c.starttls(context=stack.ssl_context())
        c.login(user, stack.password)
        assert c.sendmail(user, [user], message(user, "after restart")) == {}
    wait_for(lambda: stack.maildir_count(user) == 1, what="delivery after postfix restart")


def test_kill_dovecot_queues_mail_and_restart_delivers(stack: MailStack) -> None:
    user = stack.new_user()
    stack.kill_dovecot()
    assert not any("dovecot" in cmd for _, cmd in stack.processes())
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((stack.host, stack.imap), timeout=2)
    # Postfix still accepts on the plain port and queues until Dovecot is back.
    with smtplib.SMTP(stack.host, stack.smtp, timeout=10) as c:
        assert c.sendmail("a@example.test", [user], message(user, "queued")) == {}
    stack.start_dovecot()
    wait_for(lambda: stack.maildir_count(user) == 1, timeout=15, what="queued delivery")
    stack.restart_dovecot()
    assert imap_subjects(stack, user) == ["queued"]


def test_second_stack_side_by_side(stack: MailStack) -> None:
    directory = make_stack_dir()
    try:
        other = start_mailstack(directory)
        assert other.base_port != stack.base_port
        assert not set(other.ports.values()) & set(stack.ports.values())
        user = other.new_user()
        other.deliver(user, message(user, "other stack"))
        assert imap_subjects(other, user) == ["other stack"]
        assert stack.maildir_count(user) == 0
        mine = {pid for pid, _ in stack.processes()}
        theirs = {pid for pid, _ in other.processes()}
        assert mine and theirs and not mine & theirs
        other.stop()
        assert other.processes() == []
        assert {pid for pid, _ in stack.processes()} == mine  # untouched
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", str(directory)], check=False)
        shutil.rmtree(directory, ignore_errors=True)
