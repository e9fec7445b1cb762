"""Golden vectors for `operator.rustfs.com/tls-hash`, built the way the RustFS operator builds them.

docs/compatibility.md promises "the same formula and inputs": a Tenant moved between the two operators, with
identical Secret bytes, must get the identical annotation value, or every pod rolls.

Each expected value below is the exact byte string the RustFS operator feeds to SHA-256, written out by hand
from its source, never from our engine. Source: github.com/rustfs/operator, `src/reconcile/tls.rs`, the
newest stored version (commit 11b078443e81cdcdb0ae7ec6543255f7768ecfbb, multi-certificate support); the
encoding is the same in the two older stored versions (commit dd2ab541a5aaef5a58eceaba7cf063b58640b69e and
a 111k-character intermediate one). Citations name the Rust function:

- `tls_hash`: the fields and their order (mountPath, rotationStrategy, enableInternodeHttps, trustSystemCa;
  per certificate name, default, hosts, serverSecret.name, serverSecret.resourceVersion, tls.crt and, for the
  default one only, secret.ca.crt; then explicitCa.name/.key when a caSecretRef is used, explicitCa.bytes
  always; clientCa.name/.key when a clientCaSecretRef is set, clientCa.bytes always); output
  `format!("sha256:{:x}", ..)`, i.e. "sha256:" + 64 lowercase hex digits.
- `hash_str`: label bytes, 0x00, `value.len().to_le_bytes()` (usize: 8 bytes little-endian on 64-bit), value
  bytes, 0x00.
- `hash_bytes`: label bytes, 0x00, then `len.to_le_bytes()` + bytes, or `0usize.to_le_bytes()` for None,
  then 0x00. An absent value and an empty one therefore encode the same.
- `reconcile_cert_manager_tls`: what is passed in. The resource version is
  `secret.metadata.resource_version` ("" when absent); `ca_bytes` is the Secret's `ca.crt` for the default
  entry only; `trust_system_ca = caTrust.trustSystemCa || source == SystemCa`; with source
  CertificateSecretCa, `certificate_ca_material` returns the default Secret's `ca.crt` and
  `explicit_ca_bytes = Some(material.bytes)` -- so that `ca.crt` is hashed a second time, as
  explicitCa.bytes, with no explicitCa.name/.key; with source SecretRef the caSecretRef (name, key defaulting
  to "ca.crt" in `src/types/v1alpha1/tls.rs`) and the referenced bytes are used; the client CA likewise.
- `TlsConfig::ca_trust` (`src/types/v1alpha1/tls.rs`): spec.tls.caTrust, else the default certificate's
  certManager.caTrust (the legacy certManager.caTrust when `certificates` is empty).

Two layers are checked: the formula (`tls.tls_hash` fed the inputs the RustFS operator feeds its `tls_hash`)
and the whole path (`tls_observe.check` over the very Secrets, which is what reaches the pod template).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils import certificates as certs
from ansible_collections.rustfs.operator.plugins.module_utils import tls
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.tls_observe import Readings, check

NOW = datetime(2030, 6, 1, tzinfo=UTC)
MOUNT = "/var/run/rustfs/tls"  # DEFAULT_TLS_MOUNT_PATH, src/types/v1alpha1/tls.rs


# --- the RustFS encoding, transcribed from src/reconcile/tls.rs -------------------------------------------


def usize_le(n: int) -> bytes:
    # `usize::to_le_bytes()` on the 64-bit targets the operator ships for: 8 bytes, little-endian.
    return n.to_bytes(8, "little")


def rust_hash_str(label: str, value: str) -> bytes:
    # fn hash_str: update(label); update([0]); update(value.len().to_le_bytes()); update(value); update([0]).
    data = value.encode("utf-8")
    return label.encode("utf-8") + b"\x00" + usize_le(len(data)) + data + b"\x00"


def rust_hash_bytes(label: str, value: bytes | None) -> bytes:
    # fn hash_bytes: label, 0x00, Some(bytes) => len.to_le_bytes() + bytes | None => 0usize.to_le_bytes(), 0x00.
    body = usize_le(len(value)) + value if value is not None else usize_le(0)
    return label.encode("utf-8") + b"\x00" + body + b"\x00"


def rust_digest(data: bytes) -> str:
    # fn tls_hash: format!("sha256:{:x}", hasher.finalize()).
    return "sha256:" + hashlib.sha256(data).hexdigest()


# --- fixtures ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pki() -> dict[str, Any]:
    ca_key = certs.generate_private_key("ECDSA")
    ca = certs.create_ca_certificate(ca_key, "parity CA", now=NOW - timedelta(days=10), lifetime=timedelta(days=100))
    client_key = certs.generate_private_key("ECDSA")
    client = certs.create_ca_certificate(client_key, "parity client CA", now=NOW - timedelta(days=10))
    return {"ca": ca, "ca_key": ca_key, "client": client}


def _tenant(eng, tls_spec):
    return parse_tenant(eng.tenant("t", "ns", pools=[eng.pool("p", 2, 1)], tls=tls_spec))


def _leaf(pki, names) -> tuple[bytes, bytes]:
    key = certs.generate_private_key("ECDSA")
    crt = certs.create_server_certificate(
        key, pki["ca"], pki["ca_key"], dns_names=names, now=NOW, lifetime=timedelta(days=30)
    )
    return crt.encode(), key.encode()


def _secret(values: dict[str, bytes], version: str, type_: str = "kubernetes.io/tls") -> dict[str, Any]:
    data = {k: base64.b64encode(v).decode() for k, v in values.items()}
    return {"type": type_, "metadata": {"resourceVersion": version}, "data": data}


def _ready(generation: int = 1) -> dict[str, Any]:
    return {
        "metadata": {"generation": generation},
        "status": {"conditions": [{"type": "Ready", "status": "True", "observedGeneration": generation}]},
    }


def _checked(tenant, readings):
    result = check(tenant, readings, "cluster.local", NOW)
    assert result.problems == [], result.problems
    assert result.inputs is not None and result.observation is not None
    assert result.status["observedHash"] == result.inputs.hash
    return result


# --- vector 1: a user Secret (certManager mode, manageCertificate false), one default certificate ----------

SECRET_MODE = {"mode": "certManager", "certManager": {"secretName": "srv"}}


def _vector_1(eng, pki, with_ca: bool):
    tenant = _tenant(eng, SECRET_MODE)
    crt, key = _leaf(pki, tls.required_names(tenant, tls.entries(tenant)[0]))
    ca = pki["ca"].encode()
    values = {"tls.crt": crt, "tls.key": key, **({"ca.crt": ca} if with_ca else {})}
    readings = Readings({"srv": _secret(values, "7")})
    secret_ca = ca if with_ca else None
    expected = rust_digest(
        # tls_hash: the four settings, in this order (literal bytes; lengths are 8-byte little-endian).
        b"mountPath\x00"
        + b"\x13\x00\x00\x00\x00\x00\x00\x00"
        + b"/var/run/rustfs/tls\x00"
        + b"rotationStrategy\x00"
        + b"\x07\x00\x00\x00\x00\x00\x00\x00"
        + b"Rollout\x00"
        + b"enableInternodeHttps\x00"
        + b"\x05\x00\x00\x00\x00\x00\x00\x00"
        + b"false\x00"
        + b"trustSystemCa\x00"
        + b"\x05\x00\x00\x00\x00\x00\x00\x00"
        + b"false\x00"
        # tls_hash, per certificate: certificate_entries() makes the legacy form entry "default", default=true,
        # no hosts (so no certificate.host field).
        + b"certificate.name\x00"
        + b"\x07\x00\x00\x00\x00\x00\x00\x00"
        + b"default\x00"
        + b"certificate.default\x00"
        + b"\x04\x00\x00\x00\x00\x00\x00\x00"
        + b"true\x00"
        + b"serverSecret.name\x00"
        + b"\x03\x00\x00\x00\x00\x00\x00\x00"
        + b"srv\x00"
        # reconcile_cert_manager_tls: secret.metadata.resource_version.
        + b"serverSecret.resourceVersion\x00"
        + b"\x01\x00\x00\x00\x00\x00\x00\x00"
        + b"7\x00"
        + b"tls.crt\x00"
        + usize_le(len(crt))
        + crt
        + b"\x00"
        # tls_hash: secret.ca.crt for the default entry (hash_bytes None -> 0usize when the Secret has none).
        + rust_hash_bytes("secret.ca.crt", secret_ca)
        # reconcile_cert_manager_tls, CaTrustSource::CertificateSecretCa: explicit_ca stays None (no
        # explicitCa.name/.key) but explicit_ca_bytes = certificate_ca_material(..).bytes = the Secret's ca.crt.
        + rust_hash_bytes("explicitCa.bytes", secret_ca)
        # tls_hash: no clientCaSecretRef -> no clientCa.name/.key; clientCa.bytes None -> 0usize.
        + b"clientCa.bytes\x00"
        + b"\x00\x00\x00\x00\x00\x00\x00\x00"
        + b"\x00"
    )
    rustfs_inputs = tls.Observation(
        (tls.ObservedCertificate(tls.entries(tenant)[0], "srv", "7", crt, secret_ca),), explicit_ca=secret_ca
    )
    return tenant, readings, rustfs_inputs, expected


# --- vector 2: cert-manager, two managed certificates with hosts, CA from the default Secret ---------------

CERT_MANAGER = {
    "mode": "certManager",
    "certificates": [
        {
            "name": "main",
            "default": True,
            "hosts": ["rustfs.internal.example.com"],
            "certManager": {"manageCertificate": True, "secretName": "main-tls", "issuerRef": {"name": "ca"}},
        },
        {
            "name": "pub",
            "hosts": ["s3.example.com", "s3.example.org"],
            "certManager": {"manageCertificate": True, "secretName": "pub-tls", "issuerRef": {"name": "ca"}},
        },
    ],
}


def _vector_2(eng, pki):
    tenant = _tenant(eng, CERT_MANAGER)
    main, pub = tls.entries(tenant)
    main_crt, main_key = _leaf(pki, tls.required_names(tenant, main))
    pub_crt, pub_key = _leaf(pki, tls.required_names(tenant, pub))
    ca = pki["ca"].encode()
    readings = Readings(
        {
            # cert-manager writes ca.crt into every Secret it issues.
            "main-tls": _secret({"tls.crt": main_crt, "tls.key": main_key, "ca.crt": ca}, "21"),
            "pub-tls": _secret({"tls.crt": pub_crt, "tls.key": pub_key, "ca.crt": ca}, "22"),
        },
        # certificate_name(): "{tenant}-{entry}-tls" for a certificates[] entry.
        {"t-main-tls": _ready(), "t-pub-tls": _ready()},
        issuers={"Issuer/ca": True},
    )
    expected = rust_digest(
        # tls_hash: settings.
        rust_hash_str("mountPath", MOUNT)
        + rust_hash_str("rotationStrategy", "Rollout")
        + rust_hash_str("enableInternodeHttps", "false")
        + rust_hash_str("trustSystemCa", "false")
        # tls_hash: certificates in spec order (certificate_entries maps config.certificates in order).
        + rust_hash_str("certificate.name", "main")
        + rust_hash_str("certificate.default", "true")
        + rust_hash_str("certificate.host", "rustfs.internal.example.com")
        + rust_hash_str("serverSecret.name", "main-tls")
        + rust_hash_str("serverSecret.resourceVersion", "21")
        + rust_hash_bytes("tls.crt", main_crt)
        + rust_hash_bytes("secret.ca.crt", ca)  # default entry only
        + rust_hash_str("certificate.name", "pub")
        + rust_hash_str("certificate.default", "false")
        + rust_hash_str("certificate.host", "s3.example.com")
        + rust_hash_str("certificate.host", "s3.example.org")
        + rust_hash_str("serverSecret.name", "pub-tls")
        + rust_hash_str("serverSecret.resourceVersion", "22")
        + rust_hash_bytes("tls.crt", pub_crt)
        # (no secret.ca.crt: `if certificate.entry.default`; pub-tls's ca.crt is never read)
        # reconcile_cert_manager_tls, CertificateSecretCa: explicit_ca_bytes = the default Secret's ca.crt.
        + rust_hash_bytes("explicitCa.bytes", ca)
        + rust_hash_bytes("clientCa.bytes", None)
    )
    rustfs_inputs = tls.Observation(
        (
            tls.ObservedCertificate(main, "main-tls", "21", main_crt, ca),
            tls.ObservedCertificate(pub, "pub-tls", "22", pub_crt),
        ),
        explicit_ca=ca,
    )
    return tenant, readings, rustfs_inputs, expected


# --- vector 3: internode HTTPS, explicit CA (caSecretRef) and a client CA ----------------------------------

EXPLICIT_CA = {
    "mode": "certManager",
    "enableInternodeHttps": True,
    "certManager": {"secretName": "srv"},
    "caTrust": {
        "source": "SecretRef",
        "caSecretRef": {"name": "bundle"},
        "clientCaSecretRef": {"name": "clients", "key": "pem"},
    },
}


def _vector_3(eng, pki):
    tenant = _tenant(eng, EXPLICIT_CA)
    crt, key = _leaf(pki, tls.required_names(tenant, tls.entries(tenant)[0]))
    ca, client = pki["ca"].encode(), pki["client"].encode()
    # The server Secret also carries a ca.crt: RustFS still hashes it as secret.ca.crt (ca_bytes is read for the
    # default entry whatever the trust source), but not as explicitCa.bytes.
    secret_ca = b"-----BEGIN CERTIFICATE-----\nserver-secret-ca\n-----END CERTIFICATE-----\n"
    readings = Readings(
        {
            "srv": _secret({"tls.crt": crt, "tls.key": key, "ca.crt": secret_ca}, "31"),
            "bundle": _secret({"ca.crt": ca}, "32", "Opaque"),
            "clients": _secret({"pem": client}, "33", "Opaque"),
        }
    )
    expected = rust_digest(
        rust_hash_str("mountPath", MOUNT)
        + rust_hash_str("rotationStrategy", "Rollout")
        + rust_hash_str("enableInternodeHttps", "true")
        + rust_hash_str("trustSystemCa", "false")
        + rust_hash_str("certificate.name", "default")
        + rust_hash_str("certificate.default", "true")
        + rust_hash_str("serverSecret.name", "srv")
        + rust_hash_str("serverSecret.resourceVersion", "31")
        + rust_hash_bytes("tls.crt", crt)
        + rust_hash_bytes("secret.ca.crt", secret_ca)
        # tls_hash: `if let Some(secret_ref) = explicit_ca` -- SecretRef branch; key defaults to "ca.crt"
        # (default_ca_key, src/types/v1alpha1/tls.rs). The CA Secret's resourceVersion is not hashed.
        + rust_hash_str("explicitCa.name", "bundle")
        + rust_hash_str("explicitCa.key", "ca.crt")
        + rust_hash_bytes("explicitCa.bytes", ca)
        # tls_hash: `if let Some(secret_ref) = client_ca`.
        + rust_hash_str("clientCa.name", "clients")
        + rust_hash_str("clientCa.key", "pem")
        + rust_hash_bytes("clientCa.bytes", client)
    )
    rustfs_inputs = tls.Observation(
        (tls.ObservedCertificate(tls.entries(tenant)[0], "srv", "31", crt, secret_ca),),
        explicit_ca=ca,
        client_ca=client,
    )
    return tenant, readings, rustfs_inputs, expected


# --- vector 4: internode HTTPS trusting the system CA, no ca.crt anywhere ----------------------------------

SYSTEM_CA = {
    "mode": "certManager",
    "enableInternodeHttps": True,
    "certManager": {"secretName": "srv", "caTrust": {"source": "SystemCa"}},
}


def _vector_4(eng, pki):
    tenant = _tenant(eng, SYSTEM_CA)
    crt, key = _leaf(pki, tls.required_names(tenant, tls.entries(tenant)[0]))
    readings = Readings({"srv": _secret({"tls.crt": crt, "tls.key": key}, "41")})
    expected = rust_digest(
        rust_hash_str("mountPath", MOUNT)
        + rust_hash_str("rotationStrategy", "Rollout")
        + rust_hash_str("enableInternodeHttps", "true")
        # reconcile_cert_manager_tls: trust_system_ca = trustSystemCa || source == SystemCa; caTrust taken from
        # the legacy certManager.caTrust by TlsConfig::ca_trust.
        + rust_hash_str("trustSystemCa", "true")
        + rust_hash_str("certificate.name", "default")
        + rust_hash_str("certificate.default", "true")
        + rust_hash_str("serverSecret.name", "srv")
        + rust_hash_str("serverSecret.resourceVersion", "41")
        + rust_hash_bytes("tls.crt", crt)
        + rust_hash_bytes("secret.ca.crt", None)
        + rust_hash_bytes("explicitCa.bytes", None)  # CaTrustSource::SystemCa => {}
        + rust_hash_bytes("clientCa.bytes", None)
    )
    rustfs_inputs = tls.Observation((tls.ObservedCertificate(tls.entries(tenant)[0], "srv", "41", crt),))
    return tenant, readings, rustfs_inputs, expected


VECTORS = {
    "1-secret-with-ca.crt": lambda eng, pki: _vector_1(eng, pki, with_ca=True),
    "1b-secret-without-ca.crt": lambda eng, pki: _vector_1(eng, pki, with_ca=False),
    "2-cert-manager-two-certificates": _vector_2,
    "3-internode-explicit-and-client-ca": _vector_3,
    "4-internode-system-ca": _vector_4,
}


@pytest.mark.parametrize("name", VECTORS)
def test_formula_matches_rustfs_given_the_rustfs_inputs(eng, pki, name):
    """tls.tls_hash over exactly the inputs the RustFS operator passes to its tls_hash."""
    tenant, _, rustfs_inputs, expected = VECTORS[name](eng, pki)
    assert tls.tls_hash(tenant, rustfs_inputs) == expected


@pytest.mark.parametrize("name", VECTORS)
def test_annotation_from_the_same_secrets_matches_rustfs(eng, pki, name):
    """The whole path: the hash our engine derives from the Secrets equals the RustFS operator's."""
    tenant, readings, _, expected = VECTORS[name](eng, pki)
    result = _checked(tenant, readings)
    assert result.inputs.hash == expected
    assert tls.pod_annotations(tenant, result.inputs) == {"operator.rustfs.com/tls-hash": expected}


PINNED = "sha256:bd3a09148a0b844225bd4c487d2b35e28f456ce7813929f69b77431b5778641c"


def test_pinned_vector(eng):
    """A fixed vector with a literal digest, so that the hand-built encoding itself cannot drift unnoticed."""
    data = (
        rust_hash_str("mountPath", MOUNT)
        + rust_hash_str("rotationStrategy", "Rollout")
        + rust_hash_str("enableInternodeHttps", "false")
        + rust_hash_str("trustSystemCa", "false")
        + rust_hash_str("certificate.name", "default")
        + rust_hash_str("certificate.default", "true")
        + rust_hash_str("serverSecret.name", "srv")
        + rust_hash_str("serverSecret.resourceVersion", "7")
        + rust_hash_bytes("tls.crt", b"CRT")
        + rust_hash_bytes("secret.ca.crt", None)
        + rust_hash_bytes("explicitCa.bytes", None)
        + rust_hash_bytes("clientCa.bytes", None)
    )
    assert data[:18] == b"mountPath\x00" + b"\x13\x00\x00\x00\x00\x00\x00\x00"
    assert rust_digest(data) == PINNED
    tenant = _tenant(eng, SECRET_MODE)
    observation = tls.Observation((tls.ObservedCertificate(tls.entries(tenant)[0], "srv", "7", b"CRT"),))
    assert tls.tls_hash(tenant, observation) == PINNED
