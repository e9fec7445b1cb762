"""certificates.py and tls_names.py: keys, CA and server certificates, inspection and every check (§9.1).

Expectations come from the Tenant API (names, reasons) and from X.509 itself, and the certificates we
issue are cross-checked by verifiers we did not write: cryptography's RFC 5280 path builder and a real
TLS handshake through Python's ssl module (OpenSSL). Certificates the library refuses to build (weak
keys, SHA-1 signatures, repeated extensions) are made with raw cryptography or by patching DER.
"""

from __future__ import annotations

import random
import re
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa, x25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from ansible_collections.rustfs.operator.plugins.module_utils import certificates as C
from ansible_collections.rustfs.operator.plugins.module_utils import tls_names as N
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
ISO_NOW = "2025-06-01T12:00:00Z"
KEY_TYPES = {
    "rsa2048": ("RSA", 2048),
    "rsa3072": ("RSA", 3072),
    "rsa4096": ("RSA", 4096),
    "p256": ("ECDSA", 256),
    "p384": ("ECDSA", 384),
    "ed25519": ("Ed25519", None),
}
EXPECTED_KEY = {
    "rsa2048": (rsa.RSAPrivateKey, "RSA", 2048, None),
    "rsa3072": (rsa.RSAPrivateKey, "RSA", 3072, None),
    "rsa4096": (rsa.RSAPrivateKey, "RSA", 4096, None),
    "p256": (ec.EllipticCurvePrivateKey, "ECDSA", 256, "P-256"),
    "p384": (ec.EllipticCurvePrivateKey, "ECDSA", 384, "P-384"),
    "ed25519": (ed25519.Ed25519PrivateKey, "Ed25519", 256, None),
}
SANS = ["demo-io.ns.svc", "*.demo-hl.ns.svc.cluster.local"]
OID_SHA256_RSA = bytes.fromhex("2a864886f70d01010b")


# --- helpers ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def keys() -> dict[str, str]:
    """One key per supported type, plus spares for mismatches; generated once (RSA 4096 takes a while)."""
    generated = {label: C.generate_private_key(*spec) for label, spec in KEY_TYPES.items()}
    generated["other"] = C.generate_private_key("ECDSA", 256)
    return generated


@pytest.fixture(scope="session")
def ca(keys: dict[str, str]) -> dict[str, str]:
    """A P-256 CA issued at NOW with a fixed serial."""
    return {"key": keys["p256"], "crt": C.create_ca_certificate(keys["p256"], "Test CA", now=NOW, serial_number=7)}


def pem_of(key: Any) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def to_pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def load(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())


def raw_certificate(
    public_key: Any,
    signer: Any,
    *,
    subject: str | None = "raw",
    issuer: str | None = None,
    extensions: tuple[tuple[Any, bool], ...] = (),
    not_before: datetime = NOW - timedelta(days=1),
    not_after: datetime = NOW + timedelta(days=30),
    serial: int = 1,
    algorithm: Any = "default",
) -> x509.Certificate:
    """A certificate exactly as described, with none of our builders' rules."""
    subject_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)] if subject else [])
    issuer_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]) if issuer else subject_name
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject_name)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    if algorithm == "default":
        algorithm = None if isinstance(signer, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)) else hashes.SHA256()
    return builder.sign(signer, algorithm)


def san(*names: str) -> tuple[x509.SubjectAlternativeName, bool]:
    return x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False


def patch_der(certificate: x509.Certificate, old: bytes, new: bytes) -> x509.Certificate:
    der = certificate.public_bytes(serialization.Encoding.DER)
    assert old in der
    return x509.load_der_x509_certificate(der.replace(old, new))


def sha1_signed(key: rsa.RSAPrivateKey) -> x509.Certificate:
    """A self-signed RSA certificate with a valid SHA-1 signature (cryptography no longer signs with SHA-1)."""
    base = raw_certificate(key.public_key(), key, extensions=(san("a.example"),))
    sha1_oid = bytes.fromhex("2a864886f70d010105")
    tbs = base.tbs_certificate_bytes.replace(OID_SHA256_RSA, sha1_oid)
    signature = key.sign(tbs, padding.PKCS1v15(), hashes.SHA1())
    der = base.public_bytes(serialization.Encoding.DER).replace(base.tbs_certificate_bytes, tbs)
    der = der.replace(OID_SHA256_RSA, sha1_oid)
    return x509.load_der_x509_certificate(der[: -len(signature)] + signature)


def server(keys: dict[str, str], ca: dict[str, str], key: str = "rsa2048", **options: Any) -> str:
    options.setdefault("dns_names", SANS)
    options.setdefault("now", NOW)
    return C.create_server_certificate(keys[key], ca["crt"], ca["key"], **options)


def extension(certificate: x509.Certificate, kind: Any) -> x509.Extension[Any]:
    return certificate.extensions.get_extension_for_class(kind)


def verify_rfc5280(leaf_pem: str, ca_pem: str, name: str, at: datetime = NOW + timedelta(hours=1)) -> None:
    """Path validation by cryptography's verifier (web PKI profile: RSA and ECDSA only)."""
    store = Store(x509.load_pem_x509_certificates(ca_pem.encode()))
    verifier = PolicyBuilder().store(store).time(at).build_server_verifier(x509.DNSName(name))
    verifier.verify(load(leaf_pem), [])


def tls_handshake(tmp_path: Path, key_pem: str, cert_pem: str, ca_pem: str, hostname: str) -> str:
    """A real TLS handshake (OpenSSL via Python's ssl), mutual, with the same certificate on both ends.

    Returns the negotiated version; raises ssl.SSLError when OpenSSL refuses the certificate or name.
    """
    (tmp_path / "tls.key").write_text(key_pem)
    (tmp_path / "tls.crt").write_text(cert_pem)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(tmp_path / "tls.crt", tmp_path / "tls.key")
    server_context.load_verify_locations(cadata=ca_pem)
    server_context.verify_mode = ssl.CERT_REQUIRED
    client_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies the chain and the host name
    client_context.load_verify_locations(cadata=ca_pem)
    client_context.load_cert_chain(tmp_path / "tls.crt", tmp_path / "tls.key")
    to_server, to_client = ssl.MemoryBIO(), ssl.MemoryBIO()
    client = client_context.wrap_bio(to_client, to_server, server_hostname=hostname)
    peer = server_context.wrap_bio(to_server, to_client, server_side=True)
    finished = {"client": False, "server": False}
    for _ in range(20):
        for name, end in (("client", client), ("server", peer)):
            if not finished[name]:
                try:
                    end.do_handshake()
                    finished[name] = True
                except ssl.SSLWantReadError:
                    pass
        if all(finished.values()):
            client.write(b"ping")
            assert peer.read(4) == b"ping"
            return str(client.version())
    raise AssertionError("handshake did not finish")


def assert_no_chain(error: BaseException) -> None:
    """Ansible prints an exception's cause and unsuppressed context: ours have neither."""
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


def pem_body_lines(pem: str) -> list[str]:
    return [line for line in pem.splitlines() if line and not line.startswith("-----")]


def assert_no_key_material(text: str, *pems: str) -> None:
    assert "PRIVATE KEY-----" not in text
    for pem in pems:
        for line in pem_body_lines(pem):
            assert line not in text, "private key material in a message"


# --- key generation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("label", list(KEY_TYPES))
def test_generate_every_key_type(keys: dict[str, str], label: str) -> None:
    pem = keys[label]
    assert pem.startswith("-----BEGIN PRIVATE KEY-----\n") and pem.endswith("-----END PRIVATE KEY-----\n")
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    kind, key_type, size, curve = EXPECTED_KEY[label]
    assert isinstance(key, kind)
    info = C.private_key_info(pem)
    assert (info["key_type"], info["key_size"], info["curve"]) == (key_type, size, curve)
    assert re.fullmatch(r"([0-9a-f]{2}:){31}[0-9a-f]{2}", info["public_key_sha256"])


def test_generate_defaults_and_aliases() -> None:
    assert C.private_key_info(C.generate_private_key())["key_size"] == 2048
    assert C.private_key_info(C.generate_private_key("ecdsa"))["curve"] == "P-256"
    assert C.private_key_info(C.generate_private_key(" ec ", 384))["curve"] == "P-384"
    assert C.private_key_info(C.generate_private_key("ed25519", 4096))["key_type"] == "Ed25519"  # size ignored
    assert C.generate_private_key("Ed25519") != C.generate_private_key("Ed25519")


@pytest.mark.parametrize(
    ("algorithm", "size", "message"),
    [
        ("DSA", None, "key algorithm must be one of RSA, ECDSA, Ed25519, not 'DSA'"),
        ("RSA", 1024, "RSA key size must be one of 2048, 3072, 4096, not 1024"),
        ("ECDSA", 521, "ECDSA key size must be 256 (P-256) or 384 (P-384), not 521"),
    ],
)
def test_generate_refuses_unsupported_keys(algorithm: str, size: int | None, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        C.generate_private_key(algorithm, size)


# --- loading ----------------------------------------------------------------------------------------


def test_load_private_key_accepts_pkcs1_sec1_bytes_and_str_subclasses(keys: dict[str, str]) -> None:
    rsa_key = serialization.load_pem_private_key(keys["rsa2048"].encode(), None)
    pkcs1 = rsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    assert pkcs1.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    assert isinstance(C.load_private_key(pkcs1), rsa.RSAPrivateKey)
    ec_key = serialization.load_pem_private_key(keys["p256"].encode(), None)
    sec1 = ec_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    assert isinstance(C.load_private_key(sec1), ec.EllipticCurvePrivateKey)

    class Tagged(str):
        pass

    assert isinstance(C.load_private_key(Tagged(keys["ed25519"])), ed25519.Ed25519PrivateKey)


def test_load_private_key_failures_name_the_problem(keys: dict[str, str]) -> None:
    encrypted = serialization.load_pem_private_key(keys["p256"].encode(), None).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"pw")
    )
    cases = [
        ("not a key", "CertificateInvalid", "the private key is not PEM text (no -----BEGIN line)"),
        (
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            "CertificateInvalid",
            "the private key is not a readable PEM private key (PKCS#8, PKCS#1 or SEC1)",
        ),
        (encrypted, "CertificateInvalid", "the private key is encrypted; RustFS needs it unencrypted"),
        (
            pem_of(x25519.X25519PrivateKey.generate()),
            "CertificateUnsupportedKey",
            "the private key is of a type that cannot sign certificates",
        ),
    ]
    for pem, reason, message in cases:
        with pytest.raises(C.CertificateError) as caught:
            C.load_private_key(pem)
        assert (caught.value.reason, str(caught.value)) == (reason, message)
        assert_no_chain(caught.value)
    with pytest.raises(TypeError, match="the private key must be PEM text, not int"):
        C.load_private_key(42)  # type: ignore[arg-type]


def test_load_certificates(keys: dict[str, str], ca: dict[str, str]) -> None:
    leaf = server(keys, ca)
    assert len(C.load_certificates(leaf + ca["crt"])) == 2
    assert C.load_certificate("junk before\n" + leaf).serial_number == load(leaf).serial_number
    with pytest.raises(C.CertificateError, match=r"holds no PEM certificate") as caught:
        C.load_certificates(keys["p256"])
    assert caught.value.reason == "CertificateInvalid"
    with pytest.raises(C.CertificateError, match=r"the CA bundle is not a readable PEM X\.509 certificate") as caught:
        C.load_certificates(
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "the CA bundle", "CaBundleInvalid"
        )
    assert caught.value.reason == "CaBundleInvalid"


def test_repeated_extension_is_invalid(keys: dict[str, str]) -> None:
    key = serialization.load_pem_private_key(keys["p256"].encode(), None)
    usage = C.key_usage(["digitalSignature"])
    good = raw_certificate(
        key.public_key(),
        key,
        extensions=((x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False), (usage, True)),
    )
    # Turn the keyUsage OID (2.5.29.15) into a second subjectKeyIdentifier (2.5.29.14).
    twice = patch_der(good, bytes.fromhex("0603551d0f"), bytes.fromhex("0603551d0e"))
    with pytest.raises(C.CertificateError, match="has a malformed or repeated extension"):
        C.load_certificates(to_pem(twice))
    assert C.check_validity(to_pem(twice), NOW)["reason"] == "CertificateInvalid"


# --- CA ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", list(KEY_TYPES))
def test_ca_certificate_for_every_key_type(keys: dict[str, str], label: str) -> None:
    pem = C.create_ca_certificate(keys[label], "Tenant CA", organization="rustfs", now=NOW, serial_number=256)
    certificate = load(pem)
    constraints = extension(certificate, x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    usage = extension(certificate, x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign and not usage.value.digital_signature
    ski = extension(certificate, x509.SubjectKeyIdentifier).value.digest
    assert extension(certificate, x509.AuthorityKeyIdentifier).value.key_identifier == ski
    certificate.verify_directly_issued_by(certificate)
    info = C.certificate_info(pem, now=NOW)
    assert info["subject"] == info["issuer"] == "CN=Tenant CA,O=rustfs"
    assert info["is_ca"] and info["self_signed"] and info["path_length"] == 0
    assert info["key_usages"] == ["keyCertSign", "cRLSign"]
    assert info["serial_number"] == "01:00"
    assert (info["not_before"], info["not_after"]) == ("2025-06-01T11:59:00Z", "2035-05-30T12:00:00Z")
    assert info["key_type"] == EXPECTED_KEY[label][1]


def test_ca_certificate_is_reproducible_with_fixed_time_and_serial(keys: dict[str, str]) -> None:
    # RSA PKCS#1 v1.5 and Ed25519 signatures are deterministic; ECDSA's are not.
    for label in ("rsa2048", "ed25519"):
        first = C.create_ca_certificate(keys[label], now=ISO_NOW, serial_number=42)
        assert C.create_ca_certificate(keys[label], now=NOW, serial_number=42) == first
    assert C.create_ca_certificate(keys["ed25519"], now=NOW) != C.create_ca_certificate(keys["ed25519"], now=NOW)


def test_ca_certificate_options(keys: dict[str, str]) -> None:
    pem = C.create_ca_certificate(
        keys["p384"], now=NOW, lifetime=timedelta(days=1), backdate=timedelta(0), path_length=None, serial_number=1
    )
    info = C.certificate_info(pem, now=NOW)
    assert info["subject"] == "CN=rustfs.operator CA"
    assert (info["not_before"], info["not_after"], info["path_length"]) == (ISO_NOW, "2025-06-02T12:00:00Z", None)
    assert info["signature_algorithm"] == "ecdsa-with-SHA384"


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"common_name": "x" * 65}, ValueError, "common_name must be 1 to 64 characters"),
        ({"common_name": ""}, ValueError, "common_name must be 1 to 64 characters, not ''"),
        ({"organization": "o" * 65}, ValueError, "organization must be 1 to 64 characters"),
        ({"serial_number": 0}, ValueError, "serial_number must be between 1 and 2**159 - 1"),
        ({"serial_number": 2**159}, ValueError, "serial_number must be between 1 and 2**159 - 1"),
        ({"lifetime": timedelta(0)}, ValueError, "lifetime must be longer than zero"),
        ({"backdate": timedelta(seconds=-1)}, ValueError, "backdate must not be negative"),
        ({"path_length": -1}, ValueError, "path_length must not be negative"),
    ],
)
def test_ca_certificate_argument_errors(
    keys: dict[str, str], options: dict[str, Any], error: type, message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        C.create_ca_certificate(keys["ed25519"], **{"now": NOW, **options})


def test_ca_certificate_refuses_weak_and_unsupported_keys() -> None:
    weak = pem_of(rsa.generate_private_key(65537, 1024))
    with pytest.raises(C.CertificateError, match="the CA private key has a 1024-bit RSA key") as caught:
        C.create_ca_certificate(weak, now=NOW)
    assert caught.value.reason == "CertificateWeakKey"
    with pytest.raises(C.CertificateError) as caught:
        C.create_ca_certificate(pem_of(ec.generate_private_key(ec.SECP521R1())), now=NOW)
    assert caught.value.reason == "CertificateUnsupportedKey"
    assert "curve P-521" in caught.value.message


# --- server certificates ----------------------------------------------------------------------------


@pytest.mark.parametrize("label", list(KEY_TYPES))
def test_server_certificate_for_every_key_type(
    keys: dict[str, str], ca: dict[str, str], label: str, tmp_path: Path
) -> None:
    pem = server(keys, ca, label, ip_addresses=["10.0.0.7"], now=None)
    certificate, issuer = load(pem), load(ca["crt"])
    certificate.verify_directly_issued_by(issuer)
    constraints = extension(certificate, x509.BasicConstraints)
    assert constraints.critical and not constraints.value.ca
    usage = extension(certificate, x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature
    assert usage.value.key_encipherment == label.startswith("rsa")  # key transport is RSA-only
    assert list(extension(certificate, x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.SERVER_AUTH,
        ExtendedKeyUsageOID.CLIENT_AUTH,
    ]
    names = extension(certificate, x509.SubjectAlternativeName)
    assert not names.critical
    assert names.value.get_values_for_type(x509.DNSName) == SANS
    assert [str(ip) for ip in names.value.get_values_for_type(x509.IPAddress)] == ["10.0.0.7"]
    assert (
        extension(certificate, x509.AuthorityKeyIdentifier).value.key_identifier
        == extension(issuer, x509.SubjectKeyIdentifier).value.digest
    )
    info = C.certificate_info(pem)
    assert info["common_name"] == "demo-io.ns.svc" and info["issuer"] == "CN=Test CA"
    assert info["extended_key_usages"] == ["serverAuth", "clientAuth"] and not info["is_ca"]
    assert not info["self_signed"]
    # OpenSSL accepts it for a pod name under the wildcard, both as server and as client (internode mTLS).
    version = tls_handshake(tmp_path, keys[label], pem, ca["crt"], "demo-pool-0-1.demo-hl.ns.svc.cluster.local")
    assert version.startswith("TLSv1.")


@pytest.mark.parametrize("label", ["rsa3072", "p384"])
def test_server_certificate_passes_rfc5280_path_validation(keys: dict[str, str], label: str) -> None:
    ca_pem = C.create_ca_certificate(keys[label], now=NOW)
    ca_pair = {"crt": ca_pem, "key": keys[label]}
    pem = server(keys, ca_pair, "rsa2048")
    verify_rfc5280(pem, ca_pem, "demo-io.ns.svc")
    verify_rfc5280(pem, ca_pem, "demo-pool-0-0.demo-hl.ns.svc.cluster.local")
    with pytest.raises(VerificationError):
        verify_rfc5280(pem, ca_pem, "a.b.demo-hl.ns.svc.cluster.local")  # the wildcard is one label deep
    with pytest.raises(VerificationError):
        verify_rfc5280(pem, ca_pem, "demo-io.ns.svc", at=NOW + timedelta(days=91))


def test_server_certificate_lifetime_and_clamping(keys: dict[str, str], ca: dict[str, str]) -> None:
    info = C.certificate_info(server(keys, ca, lifetime=timedelta(minutes=3), backdate=timedelta(0)))
    assert (info["not_before"], info["not_after"]) == (ISO_NOW, "2025-06-01T12:03:00Z")
    short_ca = C.create_ca_certificate(ca["key"], now=NOW, lifetime=timedelta(days=10))
    info = C.certificate_info(
        C.create_server_certificate(keys["rsa2048"], short_ca, ca["key"], dns_names=SANS, now=NOW)
    )
    assert info["not_after"] == "2025-06-11T12:00:00Z"  # never past the CA


def test_server_certificate_names_and_subject(keys: dict[str, str], ca: dict[str, str]) -> None:
    long_name = "a" * 60 + ".example.org"
    pem = server(keys, ca, dns_names=[long_name, "B.Example.org.", "b.example.org"], ip_addresses=["::1", "0:0::1"])
    info = C.certificate_info(pem)
    assert info["dns_names"] == [long_name, "b.example.org"] and info["ip_addresses"] == ["::1"]
    assert info["common_name"] == "b.example.org"  # the first name that fits in 64 characters
    only_ip = load(server(keys, ca, dns_names=[], ip_addresses=["192.0.2.1"]))
    assert len(only_ip.subject) == 0
    assert extension(only_ip, x509.SubjectAlternativeName).critical  # RFC 5280 with an empty subject
    assert C.certificate_info(server(keys, ca, common_name="custom"))["subject"] == "CN=custom"


def test_server_certificate_usages(keys: dict[str, str], ca: dict[str, str]) -> None:
    pem = server(
        keys,
        ca,
        key_usages=["digital signature", "Key_Agreement", "encipher-only"],
        extended_key_usages=["server auth", "serverAuth"],
    )
    info = C.certificate_info(pem)
    assert info["key_usages"] == ["digitalSignature", "keyAgreement", "encipherOnly"]
    assert info["extended_key_usages"] == ["serverAuth"]
    assert C.certificate_info(server(keys, ca, extended_key_usages=[]))["extended_key_usages"] == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"dns_names": [], "ip_addresses": []}, "a server certificate needs at least one DNS name or IP address"),
        ({"dns_names": ["a..b"]}, "'a..b' is not a valid DNS name for a certificate"),
        ({"dns_names": ["-a.b"]}, "'-a.b' is not a valid DNS name"),
        ({"dns_names": ["a b.c"]}, "'a b.c' is not a valid DNS name"),
        ({"dns_names": ["*.*.x"]}, "'*.*.x' is not a valid DNS name"),
        ({"dns_names": ["a*.x"]}, "'a*.x' is not a valid DNS name"),
        ({"dns_names": ["*"]}, "'*' is not a valid DNS name"),
        ({"dns_names": ["é.example"]}, "'é.example' is not a valid DNS name"),
        ({"dns_names": ["a" * 64 + ".x"]}, "is not a valid DNS name"),
        ({"dns_names": [("a" * 60 + ".") * 5]}, "is not a valid DNS name"),
        ({"ip_addresses": ["10.0.0.300"]}, "'10.0.0.300' is not an IP address"),
        ({"key_usages": ["signing"]}, "unknown key usage 'signing'; use digitalSignature, contentCommitment"),
        ({"key_usages": ["keyCertSign"]}, "a server certificate may not have key usages keyCertSign or cRLSign"),
        ({"key_usages": ["crl sign"]}, "a server certificate may not have key usages keyCertSign or cRLSign"),
        ({"key_usages": ["decipherOnly"]}, "key usages encipherOnly and decipherOnly need keyAgreement"),
        ({"extended_key_usages": ["vpn"]}, "unknown extended key usage 'vpn'; use serverAuth, clientAuth"),
        ({"common_name": "c" * 65}, "common_name must be 1 to 64 characters"),
    ],
)
def test_server_certificate_argument_errors(
    keys: dict[str, str], ca: dict[str, str], options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        server(keys, ca, **options)


def test_server_certificate_refuses_unusable_cas(keys: dict[str, str], ca: dict[str, str]) -> None:
    leaf = server(keys, ca)
    ca_key = serialization.load_pem_private_key(ca["key"].encode(), None)
    no_sign = to_pem(
        raw_certificate(
            ca_key.public_key(),
            ca_key,
            extensions=((x509.BasicConstraints(ca=True, path_length=None), True), (C.key_usage(["cRLSign"]), True)),
        )
    )
    expired = C.create_ca_certificate(ca["key"], now=NOW - timedelta(days=20), lifetime=timedelta(days=10))
    future = C.create_ca_certificate(ca["key"], now=NOW + timedelta(days=1))
    cases = [
        (
            ca["crt"],
            keys["other"],
            "CertificateKeyPairMismatch",
            "the CA private key does not belong to the CA certificate",
        ),
        (leaf, keys["rsa2048"], "CertificateInvalid", "the CA certificate (CN=demo-io.ns.svc) may not sign"),
        (no_sign, ca["key"], "CertificateInvalid", "(it needs basicConstraints CA:TRUE and keyUsage keyCertSign)"),
        (expired, ca["key"], "CertificateExpired", "the CA certificate expired at 2025-05-22T12:00:00Z"),
        (future, ca["key"], "CertificateNotYetValid", "the CA certificate is not valid before 2025-06-02T11:59:00Z"),
    ]
    for ca_pem, ca_key_pem, reason, message in cases:
        with pytest.raises(C.CertificateError) as caught:
            C.create_server_certificate(keys["p256"], ca_pem, ca_key_pem, dns_names=SANS, now=NOW)
        assert caught.value.reason == reason
        assert message in caught.value.message


def test_server_certificate_refuses_a_weak_server_key(ca: dict[str, str]) -> None:
    with pytest.raises(C.CertificateError, match="the server private key has a 1024-bit RSA key") as caught:
        C.create_server_certificate(
            pem_of(rsa.generate_private_key(65537, 1024)), ca["crt"], ca["key"], dns_names=SANS, now=NOW
        )
    assert caught.value.reason == "CertificateWeakKey"


def test_server_certificate_from_a_ca_without_key_identifier(keys: dict[str, str]) -> None:
    """A CA from elsewhere may lack a subject key identifier: the AKI is then computed from its key."""
    ca_key = serialization.load_pem_private_key(keys["rsa2048"].encode(), None)
    bare_ca = to_pem(
        raw_certificate(
            ca_key.public_key(),
            ca_key,
            subject="Bare CA",
            extensions=((x509.BasicConstraints(ca=True, path_length=None), True),),
        )
    )
    leaf = load(
        C.create_server_certificate(keys["p256"], bare_ca + bare_ca, keys["rsa2048"], dns_names=["x.y"], now=NOW)
    )
    expected = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
    assert extension(leaf, x509.AuthorityKeyIdentifier).value.key_identifier == expected.key_identifier
    leaf.verify_directly_issued_by(load(bare_ca))


# --- inspection -------------------------------------------------------------------------------------


def test_certificate_info_of_a_bare_certificate(keys: dict[str, str]) -> None:
    key = serialization.load_pem_private_key(keys["rsa2048"].encode(), None)
    bare = to_pem(raw_certificate(key.public_key(), key, subject=None, issuer="someone else", serial=1))
    info = C.certificate_info(bare, now=NOW)
    assert info == {
        **info,
        "subject": "",
        "issuer": "CN=someone else",
        "common_name": None,
        "dns_names": [],
        "ip_addresses": [],
        "is_ca": False,
        "path_length": None,
        "self_signed": False,
        "key_usages": [],
        "extended_key_usages": [],
        "subject_key_identifier": None,
        "authority_key_identifier": None,
        "serial_number": "01",
        "signature_algorithm": "sha256WithRSAEncryption",
        "chain_length": 1,
        "lifetime_seconds": 31 * 86400,
        "expired": False,
        "not_yet_valid": False,
    }
    assert info["fingerprint_sha256"] == ":".join(f"{b:02x}" for b in load(bare).fingerprint(hashes.SHA256()))


def test_certificate_info_validity_flags_and_extension_details(keys: dict[str, str]) -> None:
    key = serialization.load_pem_private_key(keys["p256"].encode(), None)
    odd = to_pem(
        raw_certificate(
            key.public_key(),
            key,
            extensions=(
                (x509.AuthorityKeyIdentifier(None, [x509.DNSName("issuer.example")], 5), False),
                (x509.ExtendedKeyUsage([x509.ObjectIdentifier("1.3.6.1.4.1.99999.1")]), False),
                (x509.KeyUsage(False, False, False, False, True, False, False, False, True), True),
            ),
        )
    )
    info = C.certificate_info(odd, now=NOW + timedelta(days=31))
    assert info["authority_key_identifier"] is None
    assert info["extended_key_usages"] == ["1.3.6.1.4.1.99999.1"]
    assert info["key_usages"] == ["keyAgreement", "decipherOnly"]
    assert info["expired"] and not info["not_yet_valid"] and info["self_signed"]
    assert C.certificate_info(odd, now=NOW - timedelta(days=2))["not_yet_valid"]
    assert C.certificate_info(odd, now=ISO_NOW)["curve"] == "P-256"


def test_oid_names() -> None:
    assert C._oid_name(x509.ObjectIdentifier("1.2.3.4")) == "1.2.3.4"
    assert C._oid_name(ExtendedKeyUsageOID.SERVER_AUTH) == "serverAuth"


@pytest.mark.parametrize(
    ("make_key", "description"),
    [
        (lambda: rsa.generate_private_key(65537, 1024).public_key(), ("RSA", 1024, None)),
        (lambda: ec.generate_private_key(ec.SECP256K1()).public_key(), ("ECDSA", 256, "secp256k1")),
        (lambda: ec.generate_private_key(ec.SECP521R1()).public_key(), ("ECDSA", 521, "P-521")),
        (lambda: dsa.generate_private_key(1024).public_key(), ("DSA", 1024, None)),
        (lambda: ed448.Ed448PrivateKey.generate().public_key(), ("Ed448", 456, None)),
        (lambda: x25519.X25519PrivateKey.generate().public_key(), ("X25519", 0, None)),
    ],
)
def test_describe_other_public_keys(make_key: Any, description: tuple[str, int, str | None]) -> None:
    assert C.describe_public_key(make_key()) == description


# --- key match and strength -------------------------------------------------------------------------


@pytest.mark.parametrize("label", list(KEY_TYPES))
def test_key_matches_its_certificate_only(keys: dict[str, str], ca: dict[str, str], label: str) -> None:
    pem = server(keys, ca, label)
    assert C.check_key_matches(pem, keys[label]) == {
        "ok": True,
        "reason": "",
        "message": "the private key belongs to the certificate",
        "problems": [],
    }
    wrong = C.check_key_matches(pem, keys["other"])
    assert not wrong["ok"] and wrong["reason"] == "CertificateKeyPairMismatch"
    assert wrong["message"].startswith("the private key (ECDSA P-256, public key sha256 ")
    assert f"does not belong to the certificate ({C.private_key_info(keys[label])['key_type']}" in wrong["message"]
    assert_no_key_material(wrong["message"], keys[label], keys["other"])


def test_key_match_with_unreadable_input(keys: dict[str, str], ca: dict[str, str]) -> None:
    assert C.check_key_matches(server(keys, ca), "garbage")["reason"] == "CertificateInvalid"
    verdict = C.check_key_matches(keys["rsa2048"], keys["rsa2048"])  # the key given as the certificate
    assert verdict["reason"] == "CertificateInvalid"
    assert_no_key_material(verdict["message"], keys["rsa2048"])


@pytest.mark.parametrize("label", list(KEY_TYPES))
def test_supported_keys_are_accepted(keys: dict[str, str], ca: dict[str, str], label: str) -> None:
    assert C.check_key_strength(server(keys, ca, label))["ok"]


@pytest.mark.parametrize(
    ("make_key", "reason", "message"),
    [
        (
            lambda: rsa.generate_private_key(65537, 1024).public_key(),
            "CertificateWeakKey",
            "the certificate has a 1024-bit RSA key; use at least 2048 bits",
        ),
        (
            lambda: rsa.RSAPublicNumbers(65537, random.getrandbits(8704) | (1 << 8703) | 1).public_key(),
            "CertificateUnsupportedKey",
            "the certificate has a 8704-bit RSA key; RustFS accepts at most 8192 bits",
        ),
        (
            lambda: ec.generate_private_key(ec.SECP256K1()).public_key(),
            "CertificateUnsupportedKey",
            "the certificate has an ECDSA key on curve secp256k1; RustFS accepts P-256 and P-384",
        ),
        (
            lambda: ec.generate_private_key(ec.SECP521R1()).public_key(),
            "CertificateUnsupportedKey",
            "the certificate has an ECDSA key on curve P-521; RustFS accepts P-256 and P-384",
        ),
        (
            lambda: dsa.generate_private_key(1024).public_key(),
            "CertificateUnsupportedKey",
            "the certificate has a key of type DSA; RustFS accepts RSA, ECDSA P-256/P-384 and Ed25519",
        ),
        (
            lambda: ed448.Ed448PrivateKey.generate().public_key(),
            "CertificateUnsupportedKey",
            "the certificate has a key of type Ed448; RustFS accepts RSA, ECDSA P-256/P-384 and Ed25519",
        ),
    ],
)
def test_weak_and_unsupported_keys(keys: dict[str, str], make_key: Any, reason: str, message: str) -> None:
    signer = serialization.load_pem_private_key(keys["p256"].encode(), None)
    pem = to_pem(raw_certificate(make_key(), signer, extensions=(san("a.example"),)))
    verdict = C.check_key_strength(pem)
    assert (verdict["ok"], verdict["reason"], verdict["message"]) == (False, reason, message)
    assert C.check_certificate(pem, now=NOW)["reason"] == reason


def test_weak_signatures(keys: dict[str, str]) -> None:
    key = serialization.load_pem_private_key(keys["rsa2048"].encode(), None)
    sha1 = to_pem(sha1_signed(key))
    assert C.certificate_info(sha1)["signature_algorithm"] == "sha1WithRSAEncryption"
    verdict = C.check_key_strength(sha1)
    assert (verdict["reason"], verdict["message"]) == (
        "CertificateWeakSignature",
        "the certificate is signed with SHA1; re-issue it with SHA-256",
    )
    base = raw_certificate(key.public_key(), key)
    md5 = to_pem(patch_der(base, OID_SHA256_RSA, bytes.fromhex("2a864886f70d010104")))
    assert C.check_key_strength(md5)["message"] == "the certificate is signed with MD5; re-issue it with SHA-256"
    md2 = to_pem(patch_der(base, OID_SHA256_RSA, bytes.fromhex("2a864886f70d010102")))
    assert C.check_key_strength(md2)["message"] == (
        "the certificate is signed with an unsupported algorithm (1.2.840.113549.1.1.2)"
    )
    assert C.check_key_strength("nothing")["reason"] == "CertificateInvalid"


# --- validity ---------------------------------------------------------------------------------------


def test_validity(keys: dict[str, str], ca: dict[str, str]) -> None:
    pem = server(keys, ca, backdate=timedelta(0))  # valid 2025-06-01T12:00:00Z .. 2025-08-30T12:00:00Z
    assert C.check_validity(pem, ISO_NOW) == {
        "ok": True,
        "reason": "",
        "message": "the certificate is valid until 2025-08-30T12:00:00Z",
        "problems": [],
    }
    assert C.check_validity(pem, "2025-08-30T12:00:00Z")["ok"]  # notAfter itself is still valid
    expired = C.check_validity(pem, "2025-08-30T12:00:01Z")
    assert (expired["reason"], expired["message"]) == (
        "CertificateExpired",
        "the certificate expired at 2025-08-30T12:00:00Z (it is now 2025-08-30T12:00:01Z)",
    )
    early = C.check_validity(pem, datetime(2025, 6, 1, 11, 59, 59))  # naive: taken as UTC
    assert (early["reason"], early["message"]) == (
        "CertificateNotYetValid",
        "the certificate is not valid before 2025-06-01T12:00:00Z (it is now 2025-06-01T11:59:59Z)",
    )
    assert C.check_validity("", NOW)["reason"] == "CertificateInvalid"


# --- names ------------------------------------------------------------------------------------------


def demo_tenant(eng: Any, **spec: Any) -> dict[str, Any]:
    return eng.tenant("demo", "ns", pools=[eng.pool("p0", 2, 1), eng.pool("p1", 1, 2)], **spec)


SERVICE_NAMES = [
    "demo-io",
    "demo-io.ns",
    "demo-io.ns.svc",
    "demo-io.ns.svc.cluster.local",
    "demo-console",
    "demo-console.ns",
    "demo-console.ns.svc",
    "demo-console.ns.svc.cluster.local",
    "demo-hl",
    "demo-hl.ns",
    "demo-hl.ns.svc",
    "demo-hl.ns.svc.cluster.local",
]
POD_NAMES = [
    "demo-p0-0.demo-hl.ns.svc.cluster.local",
    "demo-p0-1.demo-hl.ns.svc.cluster.local",
    "demo-p1-0.demo-hl.ns.svc.cluster.local",
]


def test_tenant_dns_names_are_every_service_form_and_every_pod(eng: Any) -> None:
    assert N.tenant_dns_names(parse_tenant(demo_tenant(eng))) == SERVICE_NAMES + POD_NAMES
    assert N.tenant_dns_names_for_scope(demo_tenant(eng)) == SERVICE_NAMES + POD_NAMES
    names = N.tenant_dns_names_for_scope(demo_tenant(eng), "k8s.example.org.")
    assert names[3] == "demo-io.ns.svc.k8s.example.org"
    assert names[-1] == "demo-p1-0.demo-hl.ns.svc.k8s.example.org"
    no_namespace = eng.tenant("t", None, pools=[eng.pool("p", 1, 1)])
    assert N.tenant_dns_names_for_scope(no_namespace)[-1] == "t-p-0.t-hl.default.svc.cluster.local"


def test_cert_manager_generated_names(eng: Any) -> None:
    # §9.1: {t}-io.{ns}.svc, {t}-io.{ns}.svc.{d}, {t}-hl.{ns}.svc, {t}-hl.{ns}.svc.{d} and every pod.
    assert N.tenant_dns_names_for_scope(demo_tenant(eng), scope="cert_manager") == [
        "demo-io.ns.svc",
        "demo-io.ns.svc.cluster.local",
        "demo-hl.ns.svc",
        "demo-hl.ns.svc.cluster.local",
        *POD_NAMES,
    ]


def test_internode_names(eng: Any) -> None:
    assert N.tenant_dns_names_for_scope(demo_tenant(eng), scope="internode") == [
        "demo-hl.ns.svc.cluster.local",
        *POD_NAMES,
    ]
    single = eng.tenant("solo", "ns", pools=[eng.pool("p", 1, 1)])
    assert N.tenant_dns_names_for_scope(single, scope="internode") == ["solo-hl.ns.svc.cluster.local"]
    one_server_two_disks = eng.tenant("solo", "ns", pools=[eng.pool("p", 1, 2)])
    assert N.tenant_dns_names_for_scope(one_server_two_disks, scope="internode")[1:] == [
        "solo-p-0.solo-hl.ns.svc.cluster.local"
    ]
    two_small_pools = eng.tenant("t", "ns", pools=[eng.pool("a", 1, 1), eng.pool("b", 1, 1)])
    assert len(N.tenant_dns_names_for_scope(two_small_pools, scope="internode")) == 3


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("tenant", "a Tenant must be a dictionary, not str"),
        ({"spec": {}}, "the Tenant has no metadata.name"),
        ({"metadata": {"name": ""}}, "the Tenant has no metadata.name"),
        ({"metadata": {"name": "t"}}, "Tenant t has no spec.pools"),
        ({"metadata": {"name": "t"}, "spec": {"pools": []}}, "Tenant t has no spec.pools"),
        ({"metadata": {"name": "t"}, "spec": {"pools": ["p"]}}, "spec.pools[0] of Tenant t has no name"),
        (
            {"metadata": {"name": "t"}, "spec": {"pools": [{"name": "p", "servers": 0}]}},
            "spec.pools[0].servers of Tenant t must be an integer greater than 0",
        ),
        (
            {"metadata": {"name": "t"}, "spec": {"pools": [{"name": "p", "servers": True}]}},
            "spec.pools[0].servers of Tenant t must be an integer greater than 0",
        ),
        (
            {"metadata": {"name": "t"}, "spec": {"pools": [{"name": "p", "servers": 1}]}},
            "spec.pools[0].persistence.volumesPerServer of Tenant t must be an integer greater than 0",
        ),
    ],
)
def test_tenant_names_need_name_and_pools(document: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        N.tenant_dns_names_for_scope(document)


def test_tenant_names_arguments(eng: Any) -> None:
    with pytest.raises(ValueError, match="cluster_domain must not be empty"):
        N.tenant_dns_names_for_scope(demo_tenant(eng), " . ")
    with pytest.raises(ValueError, match="scope must be one of all, cert_manager, internode"):
        N.tenant_dns_names_for_scope(demo_tenant(eng), scope="pods")


@pytest.mark.parametrize(
    ("pattern", "name", "covered"),
    [
        ("*.demo-hl.ns.svc", "p-0.demo-hl.ns.svc", True),
        ("*.demo-hl.ns.svc", "P-0.Demo-HL.ns.svc.", True),
        ("*.demo-hl.ns.svc", "a.p-0.demo-hl.ns.svc", False),  # one label only
        ("*.demo-hl.ns.svc", "demo-hl.ns.svc", False),  # not the parent itself
        ("*.demo-hl.ns.svc", ".demo-hl.ns.svc", False),  # an empty label is no label
        ("*.demo-hl.ns.svc", "*.demo-hl.ns.svc", False),  # wildcards only match by equality
        ("*.x", "a.*.x", False),
        ("p*.demo-hl.ns.svc", "p-0.demo-hl.ns.svc", False),  # partial-label wildcards are not honoured
        ("demo-hl.ns.svc", "p-0.demo-hl.ns.svc", False),
    ],
)
def test_wildcard_covers(pattern: str, name: str, covered: bool) -> None:
    assert N.wildcard_covers(pattern, name) is covered


def test_name_coverage_rules() -> None:
    dns = ["Demo-IO.ns.svc.", "*.demo-hl.ns.svc.cluster.local", "10.0.0.1"]
    ips = ["10.0.0.2", "2001:db8::1"]
    assert N.name_covered("demo-io.NS.svc", dns)
    assert N.name_covered("*.demo-hl.ns.svc.cluster.local", dns)  # exact equality of a wildcard
    assert N.name_covered("10.0.0.2", dns, ips) and N.name_covered("2001:db8:0::1", dns, ips)
    assert not N.name_covered("10.0.0.1", dns, ips)  # an IP needs an IP SAN, not a DNS SAN
    assert N.uncovered_names(["x.y", "X.Y.", "demo-io.ns.svc", "z"], dns, ips) == ["x.y", "z"]


def test_coverage_verdicts(keys: dict[str, str], ca: dict[str, str]) -> None:
    pem = server(keys, ca, ip_addresses=["10.0.0.1"])
    required = ["demo-io.ns.svc", "p-0.demo-hl.ns.svc.cluster.local", "10.0.0.1"]
    assert C.check_coverage(pem, required) == {
        "ok": True,
        "reason": "",
        "message": "the certificate covers all 3 required names",
        "problems": [],
        "required": required,
        "missing": [],
    }
    verdict = C.check_coverage(pem, [*required, "a.p-0.demo-hl.ns.svc.cluster.local", "demo-io", "10.0.0.2"])
    assert verdict["missing"] == ["a.p-0.demo-hl.ns.svc.cluster.local", "demo-io", "10.0.0.2"]
    assert (verdict["reason"], verdict["message"]) == (
        "CertificateSanMismatch",
        "the certificate's subject alternative names do not cover 3 of the 6 required names: "
        "a.p-0.demo-hl.ns.svc.cluster.local, demo-io, 10.0.0.2",
    )
    many = [f"n{i}.example" for i in range(13)]
    message = C.check_coverage(pem, many)["message"]
    assert message.endswith(
        "n0.example, n1.example, n2.example, n3.example, n4.example, n5.example, "
        "n6.example, n7.example, n8.example, n9.example and 3 more"
    )
    unreadable = C.check_coverage("nope", ["a"])
    assert (unreadable["reason"], unreadable["missing"]) == ("CertificateInvalid", ["a"])


@pytest.mark.parametrize(
    "hostname",
    [
        "demo-io.ns.svc",
        "DEMO-IO.ns.svc",
        "demo-p0-0.demo-hl.ns.svc.cluster.local",
        "a.b.demo-hl.ns.svc.cluster.local",
        "demo-hl.ns.svc.cluster.local",
        "demo-io",
        "10.1.2.3",
        "10.1.2.4",
    ],
)
def test_coverage_agrees_with_openssl(keys: dict[str, str], tmp_path: Path, hostname: str) -> None:
    """Our coverage verdict is the one OpenSSL's host name check reaches, name by name."""
    ca_pem = C.create_ca_certificate(keys["p256"])
    pem = C.create_server_certificate(keys["p384"], ca_pem, keys["p256"], dns_names=SANS, ip_addresses=["10.1.2.3"])
    ours = C.check_coverage(pem, [hostname])["ok"]
    try:
        tls_handshake(tmp_path, keys["p384"], pem, ca_pem, hostname)
        openssl = True
    except ssl.SSLCertVerificationError:
        openssl = False
    assert ours is openssl


# --- signed by --------------------------------------------------------------------------------------


def test_signed_by_ca_and_rotation_bundles(keys: dict[str, str], ca: dict[str, str]) -> None:
    leaf = server(keys, ca)
    verdict = C.check_signed_by(leaf, ca["crt"])
    assert verdict["ok"] and verdict["ca_subject"] == "CN=Test CA"
    assert verdict["message"] == "the certificate was signed by the CA CN=Test CA"
    assert verdict["ca_fingerprint_sha256"] == C.certificate_info(ca["crt"])["fingerprint_sha256"]
    new_ca = C.create_ca_certificate(keys["ed25519"], "New CA", now=NOW)
    assert C.check_signed_by(leaf, new_ca + ca["crt"])["ca_subject"] == "CN=Test CA"  # old and new published
    refused = C.check_signed_by(leaf, new_ca)
    assert (refused["ok"], refused["reason"], refused["ca_subject"]) == (False, "CertificateNotSignedByCa", None)
    assert refused["message"] == (
        "the certificate (issuer CN=Test CA) was not signed by any of the 1 CA certificates of the bundle (CN=New CA)"
    )
    # Same name, other key: an impostor CA is not the signer.
    impostor = C.create_ca_certificate(keys["other"], "Test CA", now=NOW)
    assert C.check_signed_by(leaf, impostor)["reason"] == "CertificateNotSignedByCa"


def test_signed_by_through_intermediates(keys: dict[str, str]) -> None:
    root = C.create_ca_certificate(keys["p384"], "Root", now=NOW, path_length=1)
    root_key = serialization.load_pem_private_key(keys["p384"].encode(), None)
    inter_key = serialization.load_pem_private_key(keys["rsa2048"].encode(), None)
    constraints = (x509.BasicConstraints(ca=True, path_length=0), True)
    intermediate = to_pem(
        raw_certificate(
            inter_key.public_key(), root_key, subject="Intermediate", issuer="Root", extensions=(constraints,)
        )
    )
    leaf = C.create_server_certificate(keys["p256"], intermediate, keys["rsa2048"], dns_names=["x.y"], now=NOW)
    assert C.check_signed_by(leaf + intermediate, root)["ca_subject"] == "CN=Root"
    assert C.check_signed_by(leaf, root)["reason"] == "CertificateNotSignedByCa"
    # An issuer that is not a CA does not extend the chain, even with the right name and key.
    not_ca = to_pem(raw_certificate(inter_key.public_key(), root_key, subject="Intermediate", issuer="Root"))
    assert C.check_signed_by(leaf + not_ca, root)["reason"] == "CertificateNotSignedByCa"
    assert C.check_signed_by(leaf + intermediate, intermediate)["ca_subject"] == "CN=Intermediate"


def test_signed_by_with_unreadable_input(keys: dict[str, str], ca: dict[str, str]) -> None:
    leaf = server(keys, ca)
    bad_bundle = C.check_signed_by(leaf, "no certificates here")
    assert (bad_bundle["reason"], bad_bundle["message"]) == (
        "CaBundleInvalid",
        "the CA bundle holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
    )
    assert C.check_signed_by("", ca["crt"])["reason"] == "CertificateInvalid"
    leaked = C.check_signed_by(leaf, keys["rsa2048"])  # a key where the bundle belongs
    assert leaked["reason"] == "CaBundleInvalid"
    assert_no_key_material(leaked["message"], keys["rsa2048"])


def test_find_signer_ignores_undecodable_issuers(keys: dict[str, str]) -> None:
    """A bundle certificate whose signature cannot be checked (unsupported algorithm) is not a signer."""
    key = serialization.load_pem_private_key(keys["rsa2048"].encode(), None)
    md2 = patch_der(raw_certificate(key.public_key(), key), OID_SHA256_RSA, bytes.fromhex("2a864886f70d010102"))
    assert C.find_signer(md2, [], [md2]) is None


# --- the whole check --------------------------------------------------------------------------------


def test_check_certificate_accepts_a_good_secret(keys: dict[str, str], ca: dict[str, str]) -> None:
    leaf = server(keys, ca, backdate=timedelta(0))
    verdict = C.check_certificate(leaf, keys["rsa2048"], ["demo-io.ns.svc"], ca["crt"], now=NOW)
    assert verdict == {
        "ok": True,
        "reason": "",
        "message": "the certificate is usable until 2025-08-30T12:00:00Z and covers all 1 required names",
        "problems": [],
        "missing": [],
        "not_after": "2025-08-30T12:00:00Z",
        "renew_at": "2025-07-31T12:00:00Z",
    }
    assert C.check_certificate(leaf, now=NOW)["message"] == "the certificate is usable until 2025-08-30T12:00:00Z"


def test_check_certificate_reports_every_problem_in_order(keys: dict[str, str], ca: dict[str, str]) -> None:
    weak = rsa.generate_private_key(65537, 1024)
    ca_key = serialization.load_pem_private_key(ca["key"].encode(), None)
    leaf = to_pem(raw_certificate(weak.public_key(), ca_key, issuer="Elsewhere", extensions=(san("demo-io.ns.svc"),)))
    verdict = C.check_certificate(
        leaf, keys["rsa2048"], ["demo-io.ns.svc", "demo-io"], ca["crt"], now=NOW + timedelta(days=60)
    )
    assert [p["reason"] for p in verdict["problems"]] == [
        "CertificateKeyPairMismatch",
        "CertificateWeakKey",
        "CertificateExpired",
        "CertificateSanMismatch",
        "CertificateNotSignedByCa",
    ]
    assert verdict["reason"] == "CertificateKeyPairMismatch" and verdict["missing"] == ["demo-io"]
    assert verdict["message"] == "; ".join(p["message"] for p in verdict["problems"])
    assert_no_key_material(verdict["message"], keys["rsa2048"], pem_of(weak))
    unreadable = C.check_certificate(keys["rsa2048"], keys["rsa2048"], ["a"], ca["crt"], now=NOW)
    assert [p["reason"] for p in unreadable["problems"]] == ["CertificateInvalid"]
    assert (unreadable["missing"], unreadable["not_after"], unreadable["renew_at"]) == (["a"], None, None)
    not_yet = C.check_certificate(leaf, now=NOW - timedelta(days=3))
    assert [p["reason"] for p in not_yet["problems"]] == ["CertificateWeakKey", "CertificateNotYetValid"]


# --- renewal ----------------------------------------------------------------------------------------


@pytest.fixture()
def ninety_days(keys: dict[str, str], ca: dict[str, str]) -> str:
    """Valid 2025-06-01T12:00:00Z .. 2025-08-30T12:00:00Z; two thirds pass at 2025-07-31T12:00:00Z."""
    return server(keys, ca, backdate=timedelta(0))


def test_renewal_not_due_while_young(ninety_days: str, keys: dict[str, str], ca: dict[str, str]) -> None:
    verdict = C.renewal_status(ninety_days, SANS, ca["crt"], keys["rsa2048"], now="2025-07-31T11:59:59Z")
    assert verdict == {
        "ok": True,
        "reason": "",
        "message": "the certificate needs no renewal before 2025-07-31T12:00:00Z",
        "problems": [],
        "due": False,
        "not_after": "2025-08-30T12:00:00Z",
        "renew_at": "2025-07-31T12:00:00Z",
    }


def test_renewal_due_after_two_thirds(ninety_days: str) -> None:
    verdict = C.renewal_status(ninety_days, now="2025-07-31T12:00:00Z")
    assert verdict["due"] and not verdict["ok"]
    assert (verdict["reason"], verdict["message"]) == (
        "CertificateRenewalDue",
        "67% of the certificate's lifetime passed at 2025-07-31T12:00:00Z; it expires at 2025-08-30T12:00:00Z",
    )
    half = C.renewal_status(ninety_days, now="2025-07-16T12:00:00Z", renew_fraction=0.5)
    assert half["due"] and half["renew_at"] == "2025-07-16T12:00:00Z"


def test_renewal_due_when_expired_or_not_yet_valid(ninety_days: str) -> None:
    expired = C.renewal_status(ninety_days, now="2025-09-01T00:00:00Z")
    assert [p["reason"] for p in expired["problems"]] == ["CertificateExpired"]  # not also RenewalDue
    early = C.renewal_status(ninety_days, now="2025-05-01T00:00:00Z")
    assert [p["reason"] for p in early["problems"]] == ["CertificateNotYetValid"]


def test_renewal_due_when_names_are_no_longer_covered(ninety_days: str, eng: Any) -> None:
    # The certificate has demo-io.ns.svc and *.demo-hl...: the pods are covered, three Service names are not.
    tenant = eng.tenant("demo", "ns", pools=[eng.pool("p0", 2, 1)])
    names = N.tenant_dns_names_for_scope(tenant, scope="cert_manager")
    verdict = C.renewal_status(ninety_days, names, now=NOW)
    assert verdict["due"] and verdict["reason"] == "CertificateSanMismatch"
    assert verdict["message"].endswith(
        "do not cover 3 of the 6 required names: "
        "demo-io.ns.svc.cluster.local, demo-hl.ns.svc, demo-hl.ns.svc.cluster.local"
    )


def test_renewal_after_a_pool_is_added_to_an_exact_name_certificate(
    keys: dict[str, str], ca: dict[str, str], eng: Any
) -> None:
    one_pool = eng.tenant("demo", "ns", pools=[eng.pool("p0", 2, 1)])
    pem = server(keys, ca, dns_names=N.tenant_dns_names_for_scope(one_pool))
    assert not C.renewal_status(pem, N.tenant_dns_names_for_scope(one_pool), now=NOW)["due"]
    two_pools = demo_tenant(eng)
    verdict = C.renewal_status(pem, N.tenant_dns_names_for_scope(two_pools), now=NOW)
    assert verdict["due"] and verdict["message"].endswith("required names: demo-p1-0.demo-hl.ns.svc.cluster.local")


def test_renewal_due_after_ca_rotation_or_key_change(ninety_days: str, keys: dict[str, str]) -> None:
    new_ca = C.create_ca_certificate(keys["ed25519"], "New CA", now=NOW)
    rotated = C.renewal_status(ninety_days, ca_bundle_pem=new_ca, now=NOW)
    assert rotated["due"] and rotated["reason"] == "CertificateNotSignedByCa"
    rekeyed = C.renewal_status(ninety_days, private_key_pem=keys["other"], now=NOW)
    assert rekeyed["due"] and rekeyed["reason"] == "CertificateKeyPairMismatch"
    unreadable = C.renewal_status("", now=NOW)
    assert (unreadable["due"], unreadable["reason"], unreadable["renew_at"]) == (True, "CertificateInvalid", None)


@pytest.mark.parametrize(
    ("fraction", "error", "message"),
    [
        (0, ValueError, "renew_fraction must be greater than 0 and at most 1"),
        (1.5, ValueError, "renew_fraction must be greater than 0 and at most 1"),
        (True, TypeError, "renew_fraction must be a number"),
        ("0.5", TypeError, "renew_fraction must be a number"),
    ],
)
def test_renew_fraction_is_checked(ninety_days: str, fraction: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        C.renewal_status(ninety_days, now=NOW, renew_fraction=fraction)
    with pytest.raises(error, match=message):
        C.check_certificate(ninety_days, now=NOW, renew_fraction=fraction)


def test_short_lived_certificate_for_rotation_tests(keys: dict[str, str], ca: dict[str, str]) -> None:
    pem = server(keys, ca, lifetime=C.parse_duration("3m"), backdate=C.parse_duration("0", allow_zero=True))
    assert not C.renewal_status(pem, now=NOW + timedelta(seconds=119))["due"]
    assert C.renewal_status(pem, now=NOW + timedelta(seconds=120))["due"]


# --- argument helpers -------------------------------------------------------------------------------


def test_parse_time() -> None:
    assert C.parse_time("2025-06-01T12:00:00Z") == NOW
    assert C.parse_time("2025-06-01T14:00:00+02:00") == NOW
    assert C.parse_time("2025-06-01T12:00:00") == NOW
    assert C.parse_time(datetime(2025, 6, 1, 12)) == NOW
    assert abs(C.parse_time(None) - datetime.now(UTC)) < timedelta(seconds=5)
    assert abs(C.parse_time("") - datetime.now(UTC)) < timedelta(seconds=5)
    assert C.format_time(C.parse_time("2025-06-01T14:00:00.5+02:00")) == ISO_NOW
    with pytest.raises(ValueError, match="now must be an ISO-8601 time such as 2025-01-31T12:00:00Z, not 'soon'"):
        C.parse_time("soon")
    with pytest.raises(TypeError, match="now must be an ISO-8601 time or a datetime, not int"):
        C.parse_time(5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("2160h", 2160 * 3600),
        ("90d", 90 * 86400),
        ("1h30m", 5400),
        ("2160h0m0s", 2160 * 3600),
        ("1.5h", 5400),
        (" 3600 ", 3600),
        (60, 60),
        (1.5, 1.5),
        (timedelta(minutes=2), 120),
    ],
)
def test_parse_duration(value: Any, seconds: float) -> None:
    assert C.parse_duration(value) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        ("0", ValueError, "lifetime must be longer than zero"),
        (-5, ValueError, "lifetime must be longer than zero"),
        ("soon", ValueError, "lifetime must be a duration such as 2160h, 90d or 1h30m, not 'soon'"),
        ("1h 30m", ValueError, "lifetime must be a duration such as"),
        ("", ValueError, "lifetime must be a duration such as"),
        ("5w", ValueError, "lifetime must be a duration such as"),
        (True, TypeError, "lifetime must be a duration, not a boolean"),
        ([1], TypeError, "lifetime must be a duration, not list"),
    ],
)
def test_parse_duration_errors(value: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        C.parse_duration(value)


def test_parse_duration_zero_when_allowed() -> None:
    assert C.parse_duration(0, "backdate", allow_zero=True) == timedelta(0)
    with pytest.raises(ValueError, match="backdate must be zero or more"):
        C.parse_duration(-1, "backdate", allow_zero=True)


def test_small_argument_helpers() -> None:
    assert (
        C.name_list(None, "n") == [] and C.name_list("a", "n") == ["a"] and C.name_list(("a", "b"), "n") == ["a", "b"]
    )
    with pytest.raises(TypeError, match="names must be a list of strings"):
        C.name_list(["a", 1], "names")
    assert C.optional_int(None, "i") is None and C.optional_int("", "i") is None
    assert C.optional_int(3, "i") == 3 and C.optional_int(" 42 ", "i") == 42
    with pytest.raises(TypeError, match="size must be an integer, not a boolean"):
        C.optional_int(True, "size")
    with pytest.raises(TypeError, match="size must be an integer, not 'big'"):
        C.optional_int("big", "size")
    assert C.optional_text(None, "t") is None and C.optional_text("", "t") is None and C.optional_text("x", "t") == "x"
    with pytest.raises(TypeError, match="common_name must be a string, not int"):
        C.optional_text(5, "common_name")
    assert C.as_number(1, "f") == 1.0 and C.as_number(" 0.5 ", "f") == 0.5
    for bad, message in (
        (True, "f must be a number, not a boolean"),
        ("half", "f must be a number, not 'half'"),
        (None, "f must be a number, not 'None'"),
    ):
        with pytest.raises(TypeError, match=re.escape(message)):
            C.as_number(bad, "f")
    assert C.pem_text(b"abc", "x") == "abc"
    with pytest.raises(TypeError, match="x must be PEM text, not list"):
        C.pem_text(["abc"], "x")


def test_shown_never_quotes_pem_or_long_values(keys: dict[str, str]) -> None:
    assert C.shown("a.example") == "'a.example'"
    assert C.shown(keys["p256"]) == f"a value of {len(keys['p256'])} characters"
    assert C.shown("x" * 254) == "a value of 254 characters"
    assert C.shown("PRIVATE KEY") == "a value of 11 characters"
    assert C.shown("a\nb") == "a value of 3 characters"


# --- no key material in any failure -----------------------------------------------------------------


def test_private_keys_never_appear_in_errors_or_verdicts(keys: dict[str, str], ca: dict[str, str]) -> None:
    """Put a private key everywhere a caller could wrongly put one, and read every message that results."""
    secret = keys["rsa2048"]
    truncated = secret[: len(secret) // 2] + "\n-----END PRIVATE KEY-----\n"
    corrupted = secret.replace(pem_body_lines(secret)[3], "A" * 64)
    encrypted = (
        serialization.load_pem_private_key(secret.encode(), None)
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"pw")
        )
        .decode()
    )
    leaf = server(keys, ca)
    calls = [
        lambda: C.load_certificates(secret),
        lambda: C.load_private_key(truncated),
        lambda: C.load_private_key(corrupted),
        lambda: C.load_private_key(encrypted),
        lambda: C.certificate_info(secret),
        lambda: C.generate_private_key(secret),
        lambda: C.create_ca_certificate(truncated),
        lambda: C.create_ca_certificate(secret, secret),
        lambda: C.create_ca_certificate(secret, organization=secret),
        lambda: C.create_server_certificate(secret, secret, secret),
        lambda: C.create_server_certificate(secret, ca["crt"], keys["other"], dns_names=["x"]),
        lambda: C.create_server_certificate(secret, ca["crt"], ca["key"], dns_names=[secret]),
        lambda: C.create_server_certificate(secret, ca["crt"], ca["key"], ip_addresses=[secret]),
        lambda: C.create_server_certificate(secret, ca["crt"], ca["key"], dns_names=["x"], key_usages=[secret]),
        lambda: C.create_server_certificate(
            secret, ca["crt"], ca["key"], dns_names=["x"], extended_key_usages=[secret]
        ),
        lambda: C.create_server_certificate(secret, ca["crt"], ca["key"], dns_names=["x"], common_name=secret),
        lambda: C.check_coverage(leaf, [secret]),
        lambda: C.check_certificate(leaf, names=["ok.example", secret]),
        lambda: C.renewal_status(leaf, names=[secret]),
        lambda: C.parse_time(secret),
        lambda: C.parse_duration(secret),
        lambda: C.optional_int(secret, "size"),
        lambda: C.as_number(secret, "renew_fraction"),
        lambda: N.tenant_dns_names_for_scope(
            {"metadata": {"name": "t"}, "spec": {"pools": [{"name": "p", "servers": 1}]}}, secret, secret
        ),
    ]
    for call in calls:
        with pytest.raises((ValueError, TypeError)) as caught:
            call()
        assert_no_key_material(f"{caught.value} {caught.value!r}", secret, keys["other"], ca["key"])
        assert_no_chain(caught.value)
    verdicts = [
        C.check_key_matches(secret, secret),
        C.check_key_matches(leaf, truncated),
        C.check_key_matches(leaf, encrypted),
        C.check_key_matches(leaf, keys["other"]),
        C.check_key_strength(secret),
        C.check_validity(secret, NOW),
        C.check_coverage(secret, ["a"]),
        C.check_signed_by(secret, secret),
        C.check_signed_by(leaf, secret),
        C.check_certificate(leaf, corrupted, ["x"], secret, now=NOW),
        C.renewal_status(leaf, ["x"], secret, keys["other"], now=NOW),
    ]
    for verdict in verdicts:
        assert not verdict["ok"]
        text = repr({key: value for key, value in verdict.items() if key not in ("required", "missing")})
        assert_no_key_material(text, secret, keys["other"], ca["key"])
