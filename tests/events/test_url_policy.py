"""The webhook URL policy without the network: which addresses are public, what an IPv6
address carries, and that a check resolves once and judges every address."""

from __future__ import annotations

import ipaddress

import pytest

from gateway.events.url_policy import (
    WebhookUrlPolicy,
    WebhookUrlRefused,
    embedded_ipv4,
    is_public,
    refusal,
)

from .resolver import StaticResolver

# Each form of IPv6 address that carries an IPv4 one, with what it carries.
EMBEDDED = [
    ("::127.0.0.1", ["127.0.0.1"]),  # IPv4-compatible (RFC 4291 section 2.5.5.1)
    ("::ffff:127.0.0.1", ["127.0.0.1"]),  # IPv4-mapped
    ("::ffff:0:7f00:1", ["127.0.0.1"]),  # IPv4-translated (RFC 2765)
    ("64:ff9b::7f00:1", ["127.0.0.1"]),  # NAT64 well-known prefix (RFC 6052)
    ("64:ff9b::a9fe:a9fe", ["169.254.169.254"]),  # NAT64 to the cloud metadata service
    ("2002:7f00:1::", ["127.0.0.1"]),  # 6to4 (RFC 3056)
    # Teredo (RFC 4380): server 65.54.227.120, client 127.0.0.1 stored XOR 0xffffffff.
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", ["65.54.227.120", "127.0.0.1"]),
    # Local-use NAT64 (RFC 8215): every RFC 6052 layout is a candidate, /48 first.
    ("64:ff9b:1:7f00:0:100::", ["127.0.0.1", "0.0.1.0", "0.1.0.0", "0.0.0.0"]),
    ("64:ff9b:1::7f00:1", ["0.0.0.0", "0.0.0.0", "0.0.0.127", "127.0.0.1"]),
]


@pytest.mark.parametrize(("address", "carried"), EMBEDDED)
def test_embedded_ipv4_is_read_from_every_form(address: str, carried: list[str]) -> None:
    assert embedded_ipv4(ipaddress.ip_address(address)) == [
        ipaddress.IPv4Address(a) for a in carried
    ]


@pytest.mark.parametrize(
    "address", ["2606:4700:4700::1111", "2a00:1450::1", "93.184.216.34", "fe80::1", "fd00::1"]
)
def test_addresses_without_ipv4_inside_carry_nothing(address: str) -> None:
    assert embedded_ipv4(ipaddress.ip_address(address)) == []


@pytest.mark.parametrize("address", [address for address, _ in EMBEDDED])
def test_ipv6_carrying_a_private_ipv4_is_refused(address: str) -> None:
    reason = refusal([address], 443, allow_private=False, own_hosts=set(), own_port=8025)
    assert reason and "is not a public address" in reason and "carrying" in reason


NOT_PUBLIC = [
    "0.0.0.0",
    "0.1.2.3",
    "127.0.0.1",
    "127.255.255.254",
    "10.0.0.5",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "100.127.255.254",
    "192.0.0.8",
    "192.0.2.1",
    "198.51.100.1",
    "203.0.113.9",
    "198.18.0.1",
    "192.88.99.1",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%eth0",
    "fec0::1",
    "ff02::1",
    "ff0e::1",
    "100::1",
    "2001:db8::1",
    "2001::1",
    "3fff::1",
    "64:ff9b:1::5db8:d822",
]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_non_public_addresses_are_refused_unless_allowed(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address.split("%")[0]))
    assert refusal([address], 443, allow_private=False, own_hosts=set(), own_port=8025)
    assert refusal([address], 443, allow_private=True, own_hosts=set(), own_port=8025) is None


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "8.8.8.8",
        "1.1.1.1",
        "2606:4700:4700::1111",
        "2a00:1450:4001::1",
        # Forms that carry a public IPv4 address are judged by it.
        "::ffff:93.184.216.34",
        "64:ff9b::5db8:d822",
        "2002:5db8:d822::1",
    ],
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))
    assert refusal([address], 443, allow_private=False, own_hosts=set(), own_port=8025) is None


@pytest.mark.parametrize(
    "address",
    ["::ffff:0:7f00:1", "64:ff9b::7f00:1", "2002:7f00:1::", "::127.0.0.1", "::ffff:192.168.5.5"],
)
def test_the_gateway_behind_an_embedding_is_still_the_gateway(address: str) -> None:
    reason = refusal([address], 8025, allow_private=True, own_hosts={"192.168.5.5"}, own_port=8025)
    assert reason and "gateway itself" in reason


async def test_a_check_resolves_once_and_judges_every_address() -> None:
    resolver = StaticResolver({"hooks.example.test": ["2606:4700::1", "93.184.216.34"]})
    policy = WebhookUrlPolicy(
        allow_private=False, own_host="127.0.0.1", own_port=8025, resolver=resolver
    )
    target = await policy.check("https://hooks.example.test/in")
    assert target.addresses == ("2606:4700::1", "93.184.216.34")  # the resolver's order
    assert target.address == "2606:4700::1" and target.port == 443
    assert resolver.asked == {"hooks.example.test": 1}

    resolver.answers["hooks.example.test"] = ["93.184.216.34", "64:ff9b::7f00:1"]
    with pytest.raises(WebhookUrlRefused, match="carrying 127.0.0.1"):
        await policy.check("https://hooks.example.test/in")
    assert resolver.asked == {"hooks.example.test": 2}


async def test_unresolvable_and_odd_answers_are_refused() -> None:
    resolver = StaticResolver({"odd.example.test": ["not-an-address"], "empty.example.test": []})
    policy = WebhookUrlPolicy(
        allow_private=True, own_host="127.0.0.1", own_port=8025, resolver=resolver
    )
    for host in ("nowhere.example.test", "odd.example.test", "empty.example.test"):
        with pytest.raises(WebhookUrlRefused):
            await policy.check(f"http://{host}/")
    # A literal address is not looked up.
    target = await policy.check("http://[::1]:9/")
    assert target.addresses == ("::1",) and "::1" not in resolver.asked
