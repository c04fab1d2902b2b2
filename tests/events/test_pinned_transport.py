"""PinnedTransport over real sockets: https to a pinned loopback address still sends the
URL's name as SNI and verifies the certificate against it; requests without a checked
address, or for another host than the checked one, are not sent at all."""

from __future__ import annotations

import datetime
import ssl
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gateway.events.pinned_transport import PINNED, PinnedTransport
from gateway.events.url_policy import WebhookTarget

from .receiver import receiver

NAME = "hooks.rebind.test"


def _issue(tmp: Path) -> tuple[Path, Path, Path]:
    """A test CA and a certificate for NAME signed by it: (ca.pem, cert.pem, key.pem)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mailgate test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(NAME)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = tmp / "ca.pem", tmp / "cert.pem", tmp / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


async def test_https_to_a_pinned_address_uses_the_name_for_sni_and_the_certificate(
    tmp_path: Path,
) -> None:
    ca, cert, key = _issue(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    seen_sni: list[str | None] = []
    server_tls.sni_callback = lambda _sock, name, _ctx: seen_sni.append(name)
    transport = PinnedTransport(
        ssl_context=ssl.create_default_context(cafile=str(ca)), max_keepalive=4
    )
    async with receiver(tls=server_tls) as rec, httpx.AsyncClient(transport=transport) as client:
        url = f"https://{NAME}:{rec.port}/hook"
        pinned = WebhookTarget(host=NAME, port=rec.port, addresses=("127.0.0.1",))
        resp = await client.post(url, content=b"{}", extensions={PINNED: pinned})
        assert resp.status_code == 200
        (got,) = rec.requests
        assert got.headers["host"] == f"{NAME}:{rec.port}"
        assert seen_sni == [NAME]

        # The same server under another name: the certificate does not match, nothing is sent.
        other = "other.rebind.test"
        with pytest.raises(httpx.ConnectError, match="certificate verify failed"):
            await client.post(
                f"https://{other}:{rec.port}/hook",
                content=b"{}",
                extensions={PINNED: WebhookTarget(other, rec.port, ("127.0.0.1",))},
            )
        assert seen_sni == [NAME, other] and len(rec.requests) == 1

        # No checked address, or one checked for another host: not even a connection.
        with pytest.raises(httpx.ConnectError, match="no checked address"):
            await client.post(url, content=b"{}")
        with pytest.raises(httpx.ConnectError, match="not the one that was checked"):
            await client.post(
                url,
                content=b"{}",
                extensions={PINNED: WebhookTarget(other, rec.port, ("127.0.0.1",))},
            )
        assert seen_sni == [NAME, other] and len(rec.requests) == 1
