"""The bounded part of ``make fuzz`` that every test run (and so CI) runs.

Schemathesis against a real ``mailgate serve`` on the session's Dovecot + Postfix: every
operation except the four that send mail or create mailboxes, in the examples, coverage
and fuzzing phases, with few cases per operation and a one-minute budget. Every check
is on (server errors, response schemas and headers, status codes, schema-valid requests
refused, schema-invalid ones accepted, Allow on 405, authentication), and the gateway's
log must hold no unhandled error. ``make fuzz`` runs everything, stateful phase included.
"""

from __future__ import annotations

from pathlib import Path

from .fuzz.harness import BOUNDED, run_contract
from .mailstack import MailStack


def test_contract_fuzzing_finds_nothing(mailstack: MailStack, tmp_path: Path) -> None:
    outcome = run_contract(BOUNDED, mailstack, tmp_path)
    assert "Test cases:" in outcome.output, outcome.report()  # Schemathesis really ran
    assert outcome.clean, outcome.report()
