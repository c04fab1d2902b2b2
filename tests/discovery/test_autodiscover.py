"""GET /v1/autodiscover against real servers on loopback: a DNS server (dnslib) serving SRV,
MX and address records, an HTTP server serving autoconfig files (good, missing, hostile,
huge, slow), and the session's Dovecot + Postfix, where a proposal becomes an account that
logs in."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gateway.discovery.autoconfig import MAX_BYTES
from gateway.settings import Settings
from tests.conftest import running_client
from tests.discovery.documents import BILLION_LAUGHS
from tests.discovery.servers import DnsZone, HttpFiles, slow
from tests.mailstack import MailStack

AUTOCONFIG = """<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1"><emailProvider id="auto.test">
  <domain>auto.test</domain><displayName>Auto Test Mail</displayName>
  <incomingServer type="imap"><hostname>localhost</hostname><port>{imaps}</port>
    <socketType>SSL</socketType><username>%EMAILADDRESS%</username>
    <authentication>password-cleartext</authentication></incomingServer>
  <incomingServer type="pop3"><hostname>localhost</hostname><port>{pop3s}</port>
    <socketType>SSL</socketType><username>%EMAILADDRESS%</username>
    <authentication>password-cleartext</authentication></incomingServer>
  <outgoingServer type="smtp"><hostname>localhost</hostname><port>{submission}</port>
    <socketType>STARTTLS</socketType><username>%EMAILADDRESS%</username>
    <authentication>password-cleartext</authentication></outgoingServer>
</emailProvider></clientConfig>
"""


@pytest.fixture(scope="module")
def http(mailstack: MailStack) -> Iterator[HttpFiles]:
    config = AUTOCONFIG.format(
        imaps=mailstack.imaps, pop3s=mailstack.pop3s, submission=mailstack.submission
    ).encode()
    files = HttpFiles(
        {
            "/mail/config-v1.1.xml?emailaddress=carol%40auto.test": (200, config),
            "/mail/config-v1.1.xml?emailaddress=eve%40laughs.test": (200, BILLION_LAUGHS),
            "/mail/config-v1.1.xml?emailaddress=eve%40huge.test": (
                200,
                b"<clientConfig>" + b" " * (MAX_BYTES + 10) + b"</clientConfig>",
            ),
            "/mail/config-v1.1.xml?emailaddress=eve%40slow.test": slow(3, (200, config)),
        }
    )
    yield files
    files.stop()


@pytest.fixture(scope="module")
def zone(mailstack: MailStack) -> Iterator[DnsZone]:
    records = "\n".join(
        [
            # example.test: the mail stack's own domain, by RFC 6186 SRV records only.
            f"_imap._tcp.example.test. 60 IN SRV 0 1 {mailstack.imap} localhost.",
            f"_imaps._tcp.example.test. 60 IN SRV 10 1 {mailstack.imaps} localhost.",
            f"_submission._tcp.example.test. 60 IN SRV 0 1 {mailstack.submission} localhost.",
            f"_pop3._tcp.example.test. 60 IN SRV 0 1 {mailstack.pop3} localhost.",
            "_pop3s._tcp.example.test. 60 IN SRV 0 0 0 .",
            # Google Workspace by its MX; autoconfig hosts for the others.
            "workspace.test. 60 IN MX 10 aspmx.l.google.com.",
            *(
                f"autoconfig.{d}. 60 IN A 127.0.0.1"
                for d in ("auto.test", "laughs.test", "huge.test", "slow.test")
            ),
            "auto.test. 60 IN A 127.0.0.1",
        ]
    )
    server = DnsZone(records + "\n")
    yield server
    server.stop()


def discovery_settings(
    settings: Settings,
    zone: DnsZone,
    http: HttpFiles,
    *,
    allow_private: bool = True,
    **extra: object,
) -> Settings:
    return settings.model_copy(
        update={
            "autodiscover_nameservers": [zone.nameserver],
            "autodiscover_autoconfig_urls": [
                f"http://autoconfig.{{domain}}:{http.port}/mail/config-v1.1.xml"
                "?emailaddress={email}",
                f"http://{{domain}}:{http.port}/.well-known/autoconfig/mail/config-v1.1.xml",
            ],
            "autodiscover_allow_private": allow_private,
            "autodiscover_timeout": 2.0,
            **extra,
        }
    )


@pytest.fixture
async def client(settings: Settings, zone: DnsZone, http: HttpFiles):
    async with running_client(discovery_settings(settings, zone, http)) as c:
        yield c


def by_source(body: dict) -> dict[str, dict]:
    return {p["source"]: p for p in body["proposals"]}


def report(body: dict, source: str, origin_part: str = "") -> dict:
    return next(s for s in body["sources"] if s["source"] == source and origin_part in s["origin"])


async def test_srv_records_make_an_account_that_logs_in(
    client: httpx.AsyncClient, mailstack: MailStack
) -> None:
    user = mailstack.new_user("disc")
    resp = await client.get("/v1/autodiscover", params={"email": user})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["email"] == user and body["domain"] == "example.test"
    srv = by_source(body)["srv"]
    # Priority first (RFC 6186 3.4): _imap (0) over _imaps (10); "." for pop3s: not offered.
    assert srv["imap"] == {
        "host": "localhost",
        "port": mailstack.imap,
        "security": "starttls",
        "username": user,
        "auth": "password",
        "origin": "SRV _imap._tcp.example.test",
    }
    assert (srv["pop3"]["port"], srv["pop3"]["security"]) == (mailstack.pop3, "starttls")
    assert (srv["smtp"]["port"], srv["smtp"]["security"]) == (mailstack.submission, "starttls")
    assert any("outside example.test" in note for note in srv["notes"])
    assert report(body, "srv")["ok"] is True
    assert report(body, "preset")["ok"] is False and report(body, "autoconfig")["ok"] is False

    # The proposal is a POST /v1/accounts body once passwords are added.
    account = srv["account"]
    for protocol in ("imap", "smtp", "pop3"):
        account[protocol].update(password=mailstack.password, ca_file=str(mailstack.cert))
    created = await client.post("/v1/accounts", json={"id": "discovered", **account})
    assert created.status_code == 201, created.text
    verify = (await client.post("/v1/accounts/discovered/verify")).json()
    assert verify["ok"] is True, verify


async def test_an_autoconfig_file_is_fetched_checked_and_parsed(
    client: httpx.AsyncClient, http: HttpFiles, mailstack: MailStack
) -> None:
    body = (await client.get("/v1/autodiscover", params={"email": "carol@auto.test"})).json()
    assert "autoconfig" in by_source(body), body["sources"]
    auto = by_source(body)["autoconfig"]
    assert auto["provider"] == "Auto Test Mail"
    assert auto["origin"] == (
        f"http://autoconfig.auto.test:{http.port}/mail/config-v1.1.xml"
        "?emailaddress=carol%40auto.test"
    )
    assert (auto["imap"]["host"], auto["imap"]["port"], auto["imap"]["security"]) == (
        "localhost",
        mailstack.imaps,
        "tls",
    )
    assert auto["imap"]["username"] == "carol@auto.test"
    assert auto["smtp"]["security"] == "starttls" and auto["pop3"]["port"] == mailstack.pop3s
    assert any("without TLS" in note for note in auto["notes"])  # it came over http
    # The second URL (the domain's .well-known) answered 404: said, not an error.
    well_known = report(body, "autoconfig", ".well-known")
    assert well_known == {
        "source": "autoconfig",
        "ok": False,
        "detail": "HTTP 404",
        "origin": well_known["origin"],
    }
    # The request went to the checked address with the URL's own name as Host.
    assert (
        "/mail/config-v1.1.xml?emailaddress=carol%40auto.test",
        f"autoconfig.auto.test:{http.port}",
    ) in http.requests


async def test_a_known_provider_by_mx(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/autodiscover", params={"email": "dan@workspace.test"})).json()
    preset = body["proposals"][0]
    assert preset["source"] == "preset" and preset["oauth2_provider"] == "google"
    assert preset["origin"] == "the MX host aspmx.l.google.com"
    assert preset["imap"]["host"] == "imap.gmail.com" and preset["imap"]["auth"] == "oauth2"


@pytest.mark.parametrize(
    "domain, detail",
    [
        ("laughs.test", "refused: a DOCTYPE or entity declaration"),
        ("huge.test", f"refused: larger than {MAX_BYTES} bytes"),
        ("slow.test", "no complete answer within 2 s"),
        ("nowhere.test", "cannot resolve"),
    ],
)
async def test_hostile_huge_slow_or_missing_autoconfig_is_refused_cleanly(
    client: httpx.AsyncClient, domain: str, detail: str
) -> None:
    resp = await client.get("/v1/autodiscover", params={"email": f"eve@{domain}"})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["proposals"] == []
    first = report(body, "autoconfig", "autoconfig.")
    assert first["ok"] is False and first["detail"].startswith(detail), first


async def test_private_addresses_need_the_setting(
    settings: Settings, zone: DnsZone, http: HttpFiles
) -> None:
    strict = discovery_settings(settings, zone, http, allow_private=False)
    async with running_client(strict) as c:
        body = (await c.get("/v1/autodiscover", params={"email": "carol@auto.test"})).json()
    assert "autoconfig" not in by_source(body)
    assert (
        "127.0.0.1 is not a public address" in report(body, "autoconfig", "autoconfig.")["detail"]
    )
    assert not any(path.startswith("/mail/") and "strict" in path for path, _ in http.requests)


async def test_who_may_ask_how_often_and_bad_addresses(
    settings: Settings, zone: DnsZone, http: HttpFiles
) -> None:
    limited = discovery_settings(settings, zone, http, autodiscover_per_minute=2)
    async with running_client(limited) as c:
        bad = await c.get("/v1/autodiscover", params={"email": "not-an-address"})
        assert bad.status_code == 422 and bad.json()["code"] == "validation_error"
        for _ in range(2):
            assert (
                await c.get("/v1/autodiscover", params={"email": "x@nowhere.test"})
            ).status_code == 200
        refused = await c.get("/v1/autodiscover", params={"email": "x@nowhere.test"})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        # A reader, and a token limited to accounts, may not: it is for adding accounts.
        for scopes, accounts in ((["read"], None), (["admin"], ["someone"])):
            made = await c.post(
                "/v1/tokens",
                json={
                    "description": "t",
                    "scopes": scopes,
                    **({"accounts": accounts} if accounts else {}),
                },
            )
            token = made.json()["token"]
            resp = await c.get(
                "/v1/autodiscover",
                params={"email": "x@example.test"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert resp.status_code == 403, resp.text
