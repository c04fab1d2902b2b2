"""Which refusals ask the gateway to slow down (gateway.protocols.throttling), and the errors
each protocol adapter makes of them; pure, without a server. The texts are what the servers
send: Dovecot 2.3 (read from its source and seen on the test stack), Gmail and Microsoft 365
(from their documentation and public reports)."""

from __future__ import annotations

import pytest

from gateway.errors import (
    AccountBusy,
    UpstreamAuthFailed,
    UpstreamThrottled,
    UpstreamTransient,
    UpstreamUnavailable,
)
from gateway.protocols.pop3 import Reply, reply_error
from gateway.protocols.smtp.errors import reply_error as smtp_reply_error
from gateway.protocols.throttling import (
    Throttle,
    imap_throttle,
    pop3_throttle,
    response_code,
    smtp_throttle,
)

DOVECOT_USERIP = (
    "[UNAVAILABLE] Maximum number of connections from user+IP exceeded "
    "(mail_max_userip_connections=1)"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (DOVECOT_USERIP, Throttle("too_many_connections")),
        (
            "[UNAVAILABLE] Temporary authentication failure. [host:2024-01-01 10:00:00]",
            Throttle("unavailable"),
        ),
        (
            "[THROTTLED] Request is throttled. Suggested Backoff Time: 297 milliseconds",
            Throttle("throttled", 0.297),
        ),
        ("Request is throttled. Suggested Backoff Time: 12 seconds", Throttle("throttled", 12.0)),
        ("[ALERT] Too many simultaneous connections. (Failure)", Throttle("too_many_connections")),
        ("[ALERT] Account exceeded command or bandwidth limits. (Failure)", Throttle("throttled")),
        ("Too many simultaneous connections", Throttle("too_many_connections")),
        ("[THROTTLED] slow down", Throttle("throttled")),
        ("[UNAVAILABLE]", Throttle("unavailable")),
    ],
)
def test_imap_refusals_that_ask_to_slow_down(text, expected):
    assert imap_throttle(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "[AUTHENTICATIONFAILED] Authentication failed.",
        "[AUTHENTICATIONFAILED] Too many simultaneous connections",  # the code says: credentials
        "[PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure connections.",
        "[ALERT] Please log in via your web browser",
        "LOGIN failed.",
        "",
    ],
)
def test_imap_refusals_that_are_not_about_load(text):
    assert imap_throttle(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[SYS/TEMP] Maximum number of connections from user+IP exceeded "
            "(mail_max_userip_connections=1)",
            Throttle("too_many_connections"),
        ),
        ("[LOGIN-DELAY] wait 300 seconds between logins", Throttle("throttled")),
        ("[AUTH] Too many failed login attempts", Throttle("throttled")),
    ],
)
def test_pop3_refusals_that_ask_to_slow_down(text, expected):
    assert pop3_throttle(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "[SYS/TEMP] Unable to open maildrop: Mailbox already exists",  # Cyrus: retry at once
        "[IN-USE] Mailbox is locked by another POP3 session",
        "[AUTH] Authentication failed.",
        "no such message",
    ],
)
def test_pop3_refusals_that_are_not_about_load(text):
    assert pop3_throttle(text) is None


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        (421, "4.7.0 Try again later, closing connection. (EHLO)", Throttle("throttled")),
        (421, "Service not available, closing transmission channel", Throttle("unavailable")),
        (421, "4.7.0 Too many concurrent SMTP connections", Throttle("too_many_connections")),
        (454, "4.7.0 Temporary authentication failure", Throttle("unavailable")),
        (454, "4.7.0 Too many login attempts, please try again later.", Throttle("throttled")),
        (432, "4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded", Throttle("throttled")),
        (451, "4.7.500 Server busy. Please try again later", Throttle("throttled")),
        (
            450,
            "4.7.0 Request is throttled. Suggested Backoff Time: 1500 milliseconds",
            Throttle("throttled", 1.5),
        ),
    ],
)
def test_smtp_replies_that_ask_to_slow_down(code, text, expected):
    assert smtp_throttle(code, text) == expected


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (535, "5.7.8 Username and Password not accepted"),
        (550, "5.4.5 Daily user sending quota exceeded"),  # final for the day, not a backoff
        (554, "5.7.0 Too many connections"),  # a 5xx is final
        (450, "4.2.1 Mailbox busy"),
        (250, "2.0.0 OK"),
    ],
)
def test_smtp_replies_that_are_not_about_load(code, text):
    assert smtp_throttle(code, text) is None


def test_response_code_is_the_bracketed_word():
    assert response_code("[SYS/TEMP] x") == "SYS/TEMP"
    assert response_code("[UNAVAILABLE] x") == "UNAVAILABLE"
    assert response_code("[BADCHARSET (UTF-8)] x") == "BADCHARSET"
    assert response_code("no code") is None


def test_pop3_adapter_makes_a_connection_limit_a_throttle_not_a_retry():
    err = reply_error(
        Reply("AUTH", None, False, DOVECOT_USERIP.replace("[UNAVAILABLE]", "[SYS/TEMP]"))
    )
    assert isinstance(err, UpstreamThrottled) and err.kind == "too_many_connections"
    assert err.code == "pop3_too_many_connections"
    # The same words to a command in the session are that command's failure.
    assert not isinstance(
        reply_error(Reply("RETR", 1, False, "[SYS/TEMP] try later")), UpstreamThrottled
    )
    # The maildrop lock and Cyrus' racing first login keep their meaning.
    assert isinstance(reply_error(Reply("PASS", None, False, "[IN-USE] locked")), AccountBusy)
    plain = reply_error(Reply("PASS", None, False, "[SYS/TEMP] Mailbox already exists"))
    assert type(plain) is UpstreamUnavailable


def test_smtp_adapter_makes_454_at_auth_a_throttle_not_bad_credentials():
    err = smtp_reply_error(454, "4.7.0 Temporary authentication failure", stage="AUTH")
    assert isinstance(err, UpstreamThrottled) and not isinstance(err, UpstreamAuthFailed)
    assert err.code == "smtp_unavailable" and err.smtp_code == 454
    assert isinstance(smtp_reply_error(535, "5.7.8 bad", stage="AUTH"), UpstreamAuthFailed)
    # A 4xx to a recipient is that message's deferral, whatever it says.
    deferred = smtp_reply_error(450, "4.7.0 Too many connections", stage="RCPT")
    assert isinstance(deferred, UpstreamTransient) and not isinstance(deferred, UpstreamThrottled)


def test_throttled_error_codes_name_the_protocol_and_kind():
    assert UpstreamThrottled("x", kind="throttled", protocol="imap").code == "imap_throttled"
    err = UpstreamThrottled("x", kind="unavailable", protocol="imap", retry_after=7)
    assert err.code == "imap_unavailable" and err.retry_after == 7
    assert isinstance(err, UpstreamUnavailable)
