"""The permanent/transient SMTP reply classifier (pure, no I/O)."""

from __future__ import annotations

import pytest

from gateway.protocols.smtp.replies import Category, classify, describe, enhanced_code


@pytest.mark.parametrize(
    ("code", "text", "permanent", "category"),
    [
        (
            550,
            "5.1.1 <x@example.test>: Recipient address rejected: User unknown",
            True,
            Category.RECIPIENT,
        ),
        (
            553,
            "5.7.1 <x@example.test>: Sender address rejected: not owned by user",
            True,
            Category.POLICY,
        ),
        (554, "5.7.1 Relay access denied", True, Category.POLICY),
        (552, "5.3.4 Message size exceeds fixed limit", True, Category.SIZE),
        (552, "Message too big", True, Category.SIZE),
        (550, "no such user", True, Category.RECIPIENT),
        (500, "5.5.2 Error: command not recognized", True, Category.SYNTAX),
        (535, "5.7.8 Error: authentication failed", True, Category.AUTH),
        # 4xx is transient whatever it says
        (
            450,
            "4.2.0 <x@example.test>: Recipient address rejected: Greylisted",
            False,
            Category.GREYLIST,
        ),
        (451, "4.3.0 Error: queue file write error", False, Category.OTHER),
        (452, "4.3.1 Insufficient system storage", False, Category.MAILBOX_FULL),
        (
            421,
            "4.3.2 Service shutting down and closing transmission channel",
            False,
            Category.SERVICE,
        ),
        (454, "4.7.0 Temporary authentication failure", False, Category.AUTH),
        # 5xx that servers use for temporary conditions are worth a retry
        (550, "5.2.2 Mailbox full", False, Category.MAILBOX_FULL),
        (552, "Requested mail action aborted: mailbox is full", False, Category.MAILBOX_FULL),
        (550, "Greylisted, please try again later", False, Category.GREYLIST),
        (554, "4.7.1 Too many messages, slow down", False, Category.RATE_LIMIT),
        (550, "5.7.1 Rate limit exceeded for this sender", False, Category.RATE_LIMIT),
    ],
)
def test_classify(code: int, text: str, permanent: bool, category: Category) -> None:
    verdict = classify(code, text)
    assert verdict.permanent is permanent
    assert verdict.transient is (not permanent)
    assert verdict.category is category


def test_success_replies_are_ok() -> None:
    for code, text in (
        (250, "2.0.0 Ok: queued as ABC"),
        (251, "User not local; will forward"),
        (354, "End data with <CR><LF>.<CR><LF>"),
    ):
        verdict = classify(code, text)
        assert verdict.ok and not verdict.permanent and not verdict.transient


def test_invalid_codes_are_transient() -> None:
    assert classify(-1, "Malformed SMTP response line").transient
    assert classify(999, "").transient


def test_enhanced_code() -> None:
    assert enhanced_code("5.1.1 <x@y>: User unknown") == "5.1.1"
    assert enhanced_code("  4.7.0 later") == "4.7.0"
    assert enhanced_code("User unknown 5.1.1") is None
    assert enhanced_code("") is None
    assert classify(550, "5.1.1 unknown").enhanced == "5.1.1"


def test_describe_is_one_line() -> None:
    assert describe(550, "5.1.1 first\nsecond   line") == "550 5.1.1 first second line"
    assert describe(421, "") == "421"
