"""tls_observe.check: the runtime rules of §9.1 over Secrets and cert-manager objects as the modules read them.

Every failure has its reason, no message ever carries key material, and a usable configuration yields the
hash the pods are rendered with and the status.certificates.tls of §10.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ansible_collections.rustfs.operator.plugins.module_utils import certificates as certs
from ansible_collections.rustfs.operator.plugins.module_utils import tls, tls_names
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.tls_observe import Readings, check

NOW = datetime(2030, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def pki() -> dict[str, Any]:
    ca_key = certs.generate_private_key("ECDSA")
    ca = certs.create_ca_certificate(ca_key, "test CA", now=NOW - timedelta(days=10), lifetime=timedelta(days=100))
    other_key = certs.generate_private_key("ECDSA")
    other = certs.create_ca_certificate(other_key, "other CA", now=NOW - timedelta(days=10))
    return {"ca": ca, "ca_key": ca_key, "other": other, "other_key": other_key}


def _tenant(eng, tls_spec, pools=None):
    return parse_tenant(eng.tenant("t", "ns", pools=pools or [eng.pool("p", 2, 1)], tls=tls_spec))


def _leaf(pki, names, now=NOW, lifetime=timedelta(days=30), signer="ca"):
    key = certs.generate_private_key("ECDSA")
    crt = certs.create_server_certificate(
        key, pki[signer], pki[f"{signer}_key"], dns_names=names, now=now, lifetime=lifetime
    )
    return crt, key


def _secret(values: dict[str, str | bytes], type_: str = "kubernetes.io/tls", version: str = "7") -> dict[str, Any]:
    data = {k: base64.b64encode(v if isinstance(v, bytes) else v.encode()).decode() for k, v in values.items()}
    return {"type": type_, "metadata": {"resourceVersion": version}, "data": data}


def _names(tenant):
    return tls_names.tenant_dns_names(tenant)


def _reasons(result):
    return [p["reason"] for p in result.problems]


SECRET_TLS = {"mode": "certManager", "enableInternodeHttps": True, "certManager": {"secretName": "srv"}}


def test_a_good_secret_gives_the_hash_and_the_status(eng, pki):
    tenant = _tenant(eng, SECRET_TLS)
    crt, key = _leaf(pki, _names(tenant))
    result = check(
        tenant, Readings({"srv": _secret({"tls.crt": crt, "tls.key": key, "ca.crt": pki["ca"]})}), "cluster.local", NOW
    )
    assert result.problems == [] and not result.pending
    assert result.inputs is not None and result.inputs.server_ca is True
    # The default Secret's ca.crt is also the trusted CA (source CertificateSecretCa): hashed as
    # explicitCa.bytes too, as the RustFS operator does (test_tls_hash_parity.py).
    observation = tls.Observation(
        (tls.ObservedCertificate(tls.entries(tenant)[0], "srv", "7", crt.encode(), pki["ca"].encode()),),
        explicit_ca=pki["ca"].encode(),
    )
    assert result.inputs.hash == tls.tls_hash(tenant, observation)
    status = result.status
    assert {k: status[k] for k in ("mode", "ready", "source", "managedCertificate", "trustSource", "sanMatched")} == {
        "mode": "CertManager",
        "ready": True,
        "source": "Secret",
        "managedCertificate": False,
        "trustSource": "CertificateSecretCa",
        "sanMatched": True,
    }
    assert status["serverSecretRef"] == {"name": "srv", "resourceVersion": "7"}
    assert status["caSecretRef"] == {"name": "srv", "key": "ca.crt", "resourceVersion": "7"}
    assert status["observedHash"] == result.inputs.hash
    assert status["notAfter"] == certs.certificate_info(crt)["not_after"]
    assert status["dnsNames"] == tls.required_names(tenant, tls.entries(tenant)[0])


def _bad(pki, tenant, case):
    names = _names(tenant)
    crt, key = _leaf(pki, names)
    if case == "missing name":
        partial, partial_key = _leaf(pki, names[:3])
        return {"tls.crt": partial, "tls.key": partial_key}, None
    if case == "wrong key":
        return {"tls.crt": crt, "tls.key": certs.generate_private_key("ECDSA")}, None
    if case == "expired":
        old, old_key = _leaf(pki, names, now=NOW - timedelta(days=5), lifetime=timedelta(days=1))
        return {"tls.crt": old, "tls.key": old_key}, None
    if case == "not yet valid":
        new, new_key = _leaf(pki, names, now=NOW + timedelta(days=5))
        return {"tls.crt": new, "tls.key": new_key}, None
    if case == "weak key":
        weak = rsa.generate_private_key(65537, 1024)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "weak")])
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(weak.public_key())
            .serial_number(1)
            .not_valid_before(NOW - timedelta(days=1))
            .not_valid_after(NOW + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .sign(weak, hashes.SHA256())
        )
        pem_key = weak.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        return {"tls.crt": certificate.public_bytes(serialization.Encoding.PEM).decode(), "tls.key": pem_key}, None
    if case == "no tls.key":
        return {"tls.crt": crt}, None
    if case == "opaque":
        return {"tls.crt": crt, "tls.key": key}, "Opaque"
    if case == "garbage":
        return {"tls.crt": "not a certificate", "tls.key": key}, None
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("missing name", "CertificateSanMismatch"),
        ("wrong key", "CertificateKeyPairMismatch"),
        ("expired", "CertificateExpired"),
        ("not yet valid", "CertificateNotYetValid"),
        ("weak key", "CertificateWeakKey"),
        ("no tls.key", "CertificateSecretMissingKey"),
        ("opaque", "CertificateSecretInvalidType"),
        ("garbage", "CertificateInvalid"),
    ],
)
def test_every_failure_has_its_reason_and_no_key_material(eng, pki, case, reason):
    tenant = _tenant(eng, {**SECRET_TLS, "enableInternodeHttps": False})
    values, type_ = _bad(pki, tenant, case)
    result = check(tenant, Readings({"srv": _secret(values, type_ or "kubernetes.io/tls")}), "cluster.local", NOW)
    assert _reasons(result)[0] == reason
    assert result.inputs is None and result.status["ready"] is False
    assert result.status["lastErrorReason"] == reason
    assert all(p["field"] == "spec.tls.certManager.secretName" for p in result.problems)
    text = repr(result.problems) + repr(result.status)
    assert "PRIVATE KEY" not in text
    if "tls.key" in values:
        assert values["tls.key"].splitlines()[1] not in text


def test_missing_secret_blocks_but_a_pending_cert_manager_one_waits(eng, pki):
    tenant = _tenant(eng, SECRET_TLS)
    missing = check(tenant, Readings({"srv": None}), "cluster.local", NOW)
    assert _reasons(missing) == ["CertificateSecretNotFound"] and not missing.pending
    managed = _tenant(
        eng,
        {
            "mode": "certManager",
            "certManager": {"manageCertificate": True, "secretName": "srv", "issuerRef": {"name": "ca"}},
        },
    )
    ready = {
        "metadata": {"generation": 2},
        "status": {"conditions": [{"type": "Ready", "status": "True", "observedGeneration": 2}]},
    }
    readings = Readings({"srv": None}, {"t-server-tls": ready}, issuers={"Issuer/ca": True})
    pending = check(managed, readings, "cluster.local", NOW)
    assert _reasons(pending) == ["CertificateSecretPending"] and pending.pending


@pytest.mark.parametrize(
    ("certificate", "reason_text"),
    [
        (None, "does not exist yet"),
        ({"metadata": {"generation": 1}, "status": {}}, "Ready condition is not True"),
        (
            {
                "metadata": {"generation": 3},
                "status": {"conditions": [{"type": "Ready", "status": "True", "observedGeneration": 2}]},
            },
            "observedGeneration 2 is older than generation 3",
        ),
    ],
)
def test_cert_manager_certificate_must_be_ready_at_its_generation(eng, certificate, reason_text):
    tenant = _tenant(
        eng,
        {
            "mode": "certManager",
            "certManager": {"manageCertificate": True, "secretName": "srv", "issuerRef": {"name": "ca"}},
        },
    )
    result = check(
        tenant, Readings({}, {"t-server-tls": certificate}, issuers={"Issuer/ca": True}), "cluster.local", NOW
    )
    assert _reasons(result) == ["CertManagerCertificateNotReady"] and result.pending
    assert reason_text in result.problems[0]["message"]
    assert result.status["certificateRef"]["ready"] is False


def test_cert_manager_prerequisites(eng):
    spec = {
        "mode": "certManager",
        "certManager": {
            "manageCertificate": True,
            "secretName": "srv",
            "issuerRef": {"name": "ca", "kind": "ClusterIssuer"},
        },
    }
    tenant = _tenant(eng, spec)
    no_crd = check(tenant, Readings({}, crd_installed=False), "cluster.local", NOW, prerequisites_only=True)
    assert _reasons(no_crd) == ["CertManagerCrdMissing"] and not no_crd.pending
    no_issuer = check(tenant, Readings({}, issuers={"Issuer/ca": True}), "cluster.local", NOW, prerequisites_only=True)
    assert _reasons(no_issuer) == ["CertManagerIssuerNotFound"]
    assert "ClusterIssuer ca" in no_issuer.problems[0]["message"]
    fine = check(
        tenant, Readings({}, issuers={"ClusterIssuer/ca": True}), "cluster.local", NOW, prerequisites_only=True
    )
    assert fine.problems == []


def test_internode_https_needs_a_ca_bundle_unless_the_system_ca_is_trusted(eng, pki):
    tenant = _tenant(eng, SECRET_TLS)
    crt, key = _leaf(pki, _names(tenant))
    readings = Readings({"srv": _secret({"tls.crt": crt, "tls.key": key})})
    assert _reasons(check(tenant, readings, "cluster.local", NOW)) == ["CaBundleMissing"]
    system = _tenant(eng, {**SECRET_TLS, "caTrust": {"trustSystemCa": True}})
    result = check(system, readings, "cluster.local", NOW)
    assert result.problems == [] and result.inputs is not None and result.inputs.server_ca is False


def test_internode_https_refuses_a_certificate_the_bundle_did_not_sign(eng, pki):
    tenant = _tenant(eng, SECRET_TLS)
    crt, key = _leaf(pki, _names(tenant), signer="other")
    readings = Readings({"srv": _secret({"tls.crt": crt, "tls.key": key, "ca.crt": pki["ca"]})})
    assert _reasons(check(tenant, readings, "cluster.local", NOW)) == ["CertificateNotSignedByCa"]
    leaf_as_ca = _tenant(eng, {**SECRET_TLS, "caTrust": {"trustLeafCertificateAsCa": True}})
    assert check(leaf_as_ca, readings, "cluster.local", NOW).problems == []


def test_ca_bundles_from_secret_refs(eng, pki):
    spec = {
        **SECRET_TLS,
        "caTrust": {
            "source": "SecretRef",
            "caSecretRef": {"name": "bundle"},
            "clientCaSecretRef": {"name": "clients", "key": "pem"},
        },
    }
    tenant = _tenant(eng, spec)
    crt, key = _leaf(pki, _names(tenant))
    srv = _secret({"tls.crt": crt, "tls.key": key})
    missing = check(tenant, Readings({"srv": srv, "bundle": None, "clients": None}), "cluster.local", NOW)
    assert _reasons(missing) == ["CaBundleMissing", "CaBundleMissing"]
    assert [p["field"] for p in missing.problems] == [
        "spec.tls.caTrust.caSecretRef",
        "spec.tls.caTrust.clientCaSecretRef",
    ]
    garbage = _secret({"ca.crt": "nope"}, "Opaque")
    invalid = check(
        tenant,
        Readings({"srv": srv, "bundle": garbage, "clients": _secret({"pem": pki["ca"]}, "Opaque")}),
        "cluster.local",
        NOW,
    )
    assert _reasons(invalid) == ["CaBundleInvalid"]
    good = check(
        tenant,
        Readings(
            {
                "srv": srv,
                "bundle": _secret({"ca.crt": pki["ca"]}, "Opaque", "3"),
                "clients": _secret({"pem": pki["ca"]}, "Opaque", "4"),
            }
        ),
        "cluster.local",
        NOW,
    )
    assert good.problems == []
    assert good.status["caSecretRef"] == {"name": "bundle", "key": "ca.crt", "resourceVersion": "3"}
    assert good.status["clientCaSecretRef"] == {"name": "clients", "key": "pem", "resourceVersion": "4"}


def test_require_san_match_false_skips_coverage_only(eng, pki):
    tenant = _tenant(eng, {**SECRET_TLS, "enableInternodeHttps": False, "requireSanMatch": False})
    crt, key = _leaf(pki, ["unrelated.example.com"])
    result = check(tenant, Readings({"srv": _secret({"tls.crt": crt, "tls.key": key})}), "cluster.local", NOW)
    assert result.problems == [] and result.status["sanMatched"] is False
    expired, expired_key = _leaf(pki, ["x.example.com"], now=NOW - timedelta(days=5), lifetime=timedelta(days=1))
    result = check(
        tenant, Readings({"srv": _secret({"tls.crt": expired, "tls.key": expired_key})}), "cluster.local", NOW
    )
    assert _reasons(result) == ["CertificateExpired"]


def test_sni_entries_are_checked_against_their_hosts(eng, pki):
    spec = {
        "mode": "certManager",
        "certificates": [
            {"name": "main", "default": True, "certManager": {"secretName": "a"}},
            {"name": "pub", "hosts": ["s3.example.com"], "certManager": {"secretName": "b", "secretType": "Opaque"}},
        ],
    }
    tenant = _tenant(eng, spec)
    main = _leaf(pki, _names(tenant))
    wrong = _leaf(pki, ["other.example.com"])
    readings = Readings(
        {
            "a": _secret({"tls.crt": main[0], "tls.key": main[1]}),
            "b": _secret({"tls.crt": wrong[0], "tls.key": wrong[1]}, "Opaque"),
        }
    )
    result = check(tenant, readings, "cluster.local", NOW)
    assert [(p["field"], p["reason"]) for p in result.problems] == [
        ("spec.tls.certificates[1].certManager.secretName", "CertificateSanMismatch")
    ]
    good = _leaf(pki, ["s3.example.com"])
    readings = Readings(
        {
            "a": _secret({"tls.crt": main[0], "tls.key": main[1]}),
            "b": _secret({"tls.crt": good[0], "tls.key": good[1]}, "Opaque"),
        }
    )
    result = check(tenant, readings, "cluster.local", NOW)
    assert result.problems == []
    assert [c["name"] for c in result.status["certificates"]] == ["main", "pub"]
    assert result.status["certificates"][1]["hosts"] == ["s3.example.com"]


def test_a_ready_cert_manager_certificate_is_reported_with_its_renewal_time(eng, pki):
    spec = {
        "mode": "certManager",
        "certManager": {"manageCertificate": True, "secretName": "srv", "issuerRef": {"name": "ca"}},
    }
    tenant = _tenant(eng, spec)
    crt, key = _leaf(pki, tls.certificate_dns_names(tenant, tls.entries(tenant)[0]))
    certificate = {
        "metadata": {"generation": 4},
        "status": {
            "conditions": [{"type": "Ready", "status": "True", "reason": "Ready", "observedGeneration": 4}],
            "renewalTime": "2030-06-20T00:00:00Z",
        },
    }
    readings = Readings(
        {"srv": _secret({"tls.crt": crt, "tls.key": key})}, {"t-server-tls": certificate}, issuers={"Issuer/ca": True}
    )
    result = check(tenant, readings, "cluster.local", NOW)
    assert result.problems == []
    assert result.status["source"] == "CertManager" and result.status["managedCertificate"] is True
    assert result.status["renewalTime"] == "2030-06-20T00:00:00Z"
    assert result.status["certificateRef"] == {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "name": "t-server-tls",
        "ready": True,
        "observedGeneration": 4,
        "reason": "Ready",
    }
    assert result.status["certificates"][0]["certificateRef"]["name"] == "t-server-tls"


def test_prerequisites_only_reads_no_secret(eng):
    result = check(_tenant(eng, SECRET_TLS), Readings({}), "cluster.local", NOW, prerequisites_only=True)
    assert result.problems == [] and result.inputs is None


def test_undecodable_data_and_bad_dns_names(eng, pki):
    tenant = _tenant(eng, {**SECRET_TLS, "enableInternodeHttps": False})
    broken = {"type": "kubernetes.io/tls", "metadata": {}, "data": {"tls.crt": "!!!", "tls.key": "!!!"}}
    assert _reasons(check(tenant, Readings({"srv": broken}), "cluster.local", NOW)) == ["CertificateSecretMissingKey"]
    odd = _tenant(eng, {"mode": "certManager", "certManager": {"secretName": "srv", "dnsNames": ["not a name"]}})
    crt, key = _leaf(pki, ["x.example.com"])
    result = check(odd, Readings({"srv": _secret({"tls.crt": crt, "tls.key": key})}), "cluster.local", NOW)
    assert [(p["field"], p["reason"]) for p in result.problems] == [
        ("spec.tls.certManager.dnsNames", "CertificateInvalid")
    ]


def test_ca_secret_without_the_key(eng, pki):
    spec = {**SECRET_TLS, "caTrust": {"source": "SecretRef", "caSecretRef": {"name": "bundle", "key": "pem"}}}
    tenant = _tenant(eng, spec)
    crt, key = _leaf(pki, _names(tenant))
    readings = Readings({"srv": _secret({"tls.crt": crt, "tls.key": key}), "bundle": _secret({"other": "x"}, "Opaque")})
    result = check(tenant, readings, "cluster.local", NOW)
    assert _reasons(result) == ["CaBundleMissing"] and "has no key pem" in result.problems[0]["message"]


def test_helpers_of_the_generated_mode(eng):
    tenant = _tenant(eng, {"mode": "certManager", "generated": {"enabled": True}})
    assert tls.referenced_secrets(tenant) == ["t-tls"]
    assert tls.generated_ca_secret_name(tenant) == "t-tls-ca"
    assert tls.base_status(tenant)["source"] == "Generated"
    inputs = tls.TlsInputs("sha256:1", True)
    assert tls.inputs_from(inputs) is inputs
    assert tls.inputs_from(tls.inputs_to_dict(inputs)) == inputs
    assert tls.inputs_from({}) is None and tls.inputs_from(None) is None
