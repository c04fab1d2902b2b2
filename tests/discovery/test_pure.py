"""Autodiscovery's pure parts: autoconfig files (hostile ones too), SRV ranking, presets,
addresses, nameserver strings and the per-caller limit."""

from __future__ import annotations

import pytest

from gateway.discovery.autoconfig import (
    MAX_BYTES,
    MAX_DEPTH,
    AutoconfigRefused,
    parse_autoconfig,
)
from gateway.discovery.dns import parse_nameserver
from gateway.discovery.presets import preset_proposal, provider_of
from gateway.discovery.proposals import parse_email, valid_host
from gateway.discovery.service import CallerLimit
from gateway.discovery.srv import SrvRecord, proposal_from_srv
from gateway.errors import InvalidInput
from tests.discovery.documents import BILLION_LAUGHS

ALICE = parse_email("alice@example.com")

CONFIG = b"""<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.com">
    <domain>example.com</domain>
    <displayName>Example Mail</displayName>
    <incomingServer type="imap">
      <hostname>imap.%EMAILDOMAIN%</hostname>
      <port>143</port>
      <socketType>plain</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>imap.example.com</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <username>%EMAILLOCALPART%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>pop.example.com</hostname>
      <port>995</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>NTLM</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.com.</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>OAuth2</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>
"""


def test_an_autoconfig_file_becomes_server_blocks() -> None:
    proposal = parse_autoconfig(CONFIG, ALICE, origin="https://autoconfig.example.com/x")
    assert proposal.source == "autoconfig" and proposal.provider == "Example Mail"
    imap, smtp = proposal.servers["imap"], proposal.servers["smtp"]
    # The TLS server is preferred over the plain one listed first; placeholders filled.
    assert (imap.host, imap.port, imap.security, imap.username, imap.auth) == (
        "imap.example.com",
        993,
        "tls",
        "alice",
        "password",
    )
    assert (smtp.host, smtp.port, smtp.security, smtp.auth) == (
        "smtp.example.com",
        587,
        "starttls",
        "oauth2",
    )
    assert "pop3" not in proposal.servers  # NTLM only: the gateway cannot log in with it
    assert any("OAuth2" in note for note in proposal.notes)


def test_a_plain_only_server_is_kept_with_a_warning() -> None:
    doc = CONFIG.replace(b"<socketType>SSL</socketType>", b"<socketType>plain</socketType>")
    proposal = parse_autoconfig(doc, ALICE, origin="x")
    assert proposal.servers["imap"].security == "none" and proposal.servers["imap"].port == 143
    assert any("without TLS" in note for note in proposal.notes)


EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE clientConfig [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<clientConfig><emailProvider><displayName>&xxe;</displayName></emailProvider></clientConfig>
"""
PARAMETER = b"""<?xml version="1.0"?>
<!DOCTYPE clientConfig SYSTEM "http://127.0.0.1:9/evil.dtd">
<clientConfig/>
"""


@pytest.mark.parametrize(
    "doc, reason",
    [
        (BILLION_LAUGHS, "DOCTYPE"),
        (EXTERNAL, "DOCTYPE"),
        (PARAMETER, "DOCTYPE"),
        (b"<clientConfig>" + b" " * MAX_BYTES + b"</clientConfig>", "larger than"),
        (b"<a>" * (MAX_DEPTH + 1) + b"</a>" * (MAX_DEPTH + 1), "nested"),
        (b"<clientConfig>" + b"<x/>" * 6000 + b"</clientConfig>", "too many"),
        (b"<clientConfig><emailProvider>", "not well-formed"),
        (b"\xff\xfe<<", "not well-formed"),
        (b"", "not well-formed"),
        (b"<html><body>Not found</body></html>", "not an autoconfig document"),
        (b"<clientConfig version='1.1'/>", "no emailProvider"),
        (
            b"<clientConfig><emailProvider><incomingServer type='imap'>"
            b"<hostname>bad host</hostname>"
            b"<port>993</port><socketType>SSL</socketType></incomingServer></emailProvider>"
            b"</clientConfig>",
            "no usable server",
        ),
    ],
)
def test_hostile_or_useless_documents_are_refused(doc: bytes, reason: str) -> None:
    with pytest.raises(AutoconfigRefused, match=reason):
        parse_autoconfig(doc, ALICE, origin="x")


def test_srv_records_ranked_by_priority_then_implicit_tls() -> None:
    records = [
        SrvRecord("_imap._tcp", 0, 1, 143, "mail.example.com"),
        SrvRecord("_imaps._tcp", 10, 1, 993, "mail.example.com"),  # lower preference
        SrvRecord("_submission._tcp", 0, 0, 587, "smtp.example.com."),
        SrvRecord("_submissions._tcp", 0, 0, 465, "smtp.example.com."),  # same: TLS wins
        SrvRecord("_pop3s._tcp", 0, 0, 0, "."),  # "not offered here" (RFC 2782)
        SrvRecord("_pop3._tcp", 0, 0, 110, "bad host name"),
    ]
    proposal = proposal_from_srv(records, ALICE)
    assert proposal is not None and set(proposal.servers) == {"imap", "smtp"}
    imap, smtp = proposal.servers["imap"], proposal.servers["smtp"]
    assert (imap.host, imap.port, imap.security) == ("mail.example.com", 143, "starttls")
    assert (smtp.host, smtp.port, smtp.security) == ("smtp.example.com", 465, "tls")
    assert imap.username == "alice@example.com" and imap.origin == "SRV _imap._tcp.example.com"
    assert proposal.notes == ()
    outside = proposal_from_srv([SrvRecord("_imaps._tcp", 0, 0, 993, "imap.evil.test")], ALICE)
    assert outside is not None and "outside example.com" in outside.notes[0]
    assert proposal_from_srv([SrvRecord("_imaps._tcp", 0, 0, 0, ".")], ALICE) is None
    assert proposal_from_srv([], ALICE) is None


def test_presets_by_domain_and_by_mx() -> None:
    assert provider_of(parse_email("bob@gmail.com"), []) == ("google", "the domain gmail.com")
    assert provider_of(parse_email("bob@hotmail.com"), [])[0] == "microsoft"  # type: ignore
    assert provider_of(ALICE, ["aspmx.l.google.com."]) == (
        "google",
        "the MX host aspmx.l.google.com",
    )
    assert provider_of(ALICE, ["example-com.mail.protection.outlook.com"])[0] == "microsoft"  # type: ignore[index]
    assert provider_of(ALICE, ["mx.example.com", "google.com.evil.test"]) is None
    gmail = preset_proposal("google", "the domain gmail.com", parse_email("bob@gmail.com"))
    assert gmail.servers["imap"].host == "imap.gmail.com" and gmail.oauth2_provider == "google"
    assert all(b.auth == "oauth2" and b.username == "bob@gmail.com" for b in gmail.servers.values())


def test_addresses_hosts_and_nameservers() -> None:
    assert parse_email(" Alice@Bücher.Example ").domain == "xn--bcher-kva.example"
    for bad in (
        "alice",
        "@example.com",
        "alice@",
        "alice@localhost",
        "alice@[127.0.0.1]",
        "a b@example.com",
        "alice@exa mple.com",
        "alice@-x.com",
        "x" * 70 + "@a.com",
        "alice@" + "a" * 64 + ".com",
    ):
        with pytest.raises(InvalidInput):
            parse_email(bad)
    assert valid_host("Mail.Example.COM.") == "mail.example.com"
    assert valid_host("localhost") == "localhost"
    assert valid_host("a_b.example") is None and valid_host("") is None
    assert parse_nameserver("127.0.0.1") == ("127.0.0.1", 53)
    assert parse_nameserver("127.0.0.1:5353") == ("127.0.0.1", 5353)
    assert parse_nameserver("[::1]:5300") == ("::1", 5300)
    assert parse_nameserver("::1") == ("::1", 53)
    for bad in ("dns.example.com", "127.0.0.1:0", "[::1]x", "1.2.3.4:99999"):
        with pytest.raises(ValueError):
            parse_nameserver(bad)


def test_caller_limit_is_a_sliding_minute_per_caller() -> None:
    limit = CallerLimit(2, max_callers=2)
    assert limit.take("a", now=0) == 0 and limit.take("a", now=10) == 0
    assert limit.take("a", now=20) == pytest.approx(40)
    assert limit.take("b", now=20) == 0  # another caller has its own share
    assert limit.take("a", now=60.5) == 0  # the first call left the window
    limit.take("c", now=61)  # a third caller pushes out the oldest table entry
    assert limit.take("a", now=61) == 0
