"""tls_validation.py: the rules of spec.tls that need no cluster (tenant-api.md §9.1) and of spec.tls.generated."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.tls_validation import (
    generated_settings,
    parse_duration,
    valid_sni_host,
    validate_tls,
)


def _errors(eng, tls_spec, pools=None):
    return eng.errors(eng.tenant("t", "ns", pools=pools or [eng.pool("p", 2, 1)], tls=tls_spec))


def _one(errors):
    assert len(errors) == 1, errors
    return errors[0]["field"], errors[0]["reason"]


def _cert(name, default=False, hosts=None, **cert_manager):
    entry = {"name": name, "certManager": {"secretName": f"{name}-tls", **cert_manager}}
    if default:
        entry["default"] = True
    if hosts is not None:
        entry["hosts"] = hosts
    return entry


# --- accepted -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        {"mode": "disabled", "mountPath": "relative", "rotationStrategy": "HotReload"},
        {"mode": "certManager", "certManager": {"secretName": "s"}},
        {"mode": "certManager", "enableInternodeHttps": True, "certManager": {"secretName": "s"}},
        {
            "mode": "certManager",
            "certManager": {"manageCertificate": True, "secretName": "s", "issuerRef": {"name": "ca"}},
        },
        {"mode": "certManager", "certificates": [_cert("a", default=True), _cert("b", hosts=["s3.example.com"])]},
        {"mode": "certManager", "generated": {"enabled": True}},
        {
            "mode": "certManager",
            "certManager": {"secretName": "s"},
            "generated": {
                "enabled": True,
                "caLifetime": "8760h",
                "certificateLifetime": "720h",
                "keyAlgorithm": "RSA",
                "keySize": 3072,
            },
        },
        {
            "mode": "certManager",
            "caTrust": {"source": "SecretRef", "caSecretRef": {"name": "b"}},
            "certManager": {"secretName": "s"},
        },
        # An unused generated block changes nothing.
        {"mode": "certManager", "certManager": {"secretName": "s"}, "generated": {"enabled": False, "caLifetime": "x"}},
    ],
)
def test_valid_tls_settings(eng, spec):
    assert _errors(eng, spec) == []


# --- the spec's rules -----------------------------------------------------------------------------------


def test_external_mode_is_reserved(eng):
    assert _one(_errors(eng, {"mode": "external", "certManager": {"secretName": "s"}})) == (
        "spec.tls.mode",
        "CertificateSecretNotFound",
    )


def test_mount_path_must_be_absolute(eng):
    assert _one(_errors(eng, {"mode": "certManager", "mountPath": "tls", "certManager": {"secretName": "s"}})) == (
        "spec.tls.mountPath",
        "CertificateInvalid",
    )


def test_hot_reload_is_refused(eng):
    spec = {"mode": "certManager", "rotationStrategy": "HotReload", "certManager": {"secretName": "s"}}
    assert _one(_errors(eng, spec)) == ("spec.tls.rotationStrategy", "TlsHotReloadUnsupported")


def test_cert_manager_mode_needs_a_certificate(eng):
    assert _one(_errors(eng, {"mode": "certManager"})) == ("spec.tls.certManager", "CertificateSecretNotFound")


def test_secret_name_is_required(eng):
    assert _one(_errors(eng, {"mode": "certManager", "certManager": {}})) == (
        "spec.tls.certManager.secretName",
        "CertificateSecretNotFound",
    )
    spec = {"mode": "certManager", "certificates": [{"name": "a", "default": True, "certManager": {}}]}
    assert _one(_errors(eng, spec)) == ("spec.tls.certificates[0].certManager.secretName", "CertificateSecretNotFound")


@pytest.mark.parametrize("name", ["A", "-a", "a-", "a_b", "a" * 64])
def test_entry_names_are_dns_labels(eng, name):
    spec = {"mode": "certManager", "certificates": [_cert(name, default=True)]}
    assert _one(_errors(eng, spec)) == ("spec.tls.certificates[0].name", "CertificateInvalid")


def test_entry_names_are_unique(eng):
    spec = {"mode": "certManager", "certificates": [_cert("a", default=True), _cert("a", hosts=["x.example.com"])]}
    assert _one(_errors(eng, spec)) == ("spec.tls.certificates[1].name", "CertificateInvalid")


@pytest.mark.parametrize("defaults", [0, 2])
def test_exactly_one_default(eng, defaults):
    entries = [_cert(f"c{i}", default=i < defaults, hosts=[f"h{i}.example.com"]) for i in range(2)]
    assert _one(_errors(eng, {"mode": "certManager", "certificates": entries})) == (
        "spec.tls.certificates",
        "CertificateInvalid",
    )


def test_other_entries_need_hosts_and_no_ca_trust(eng):
    spec = {
        "mode": "certManager",
        "certificates": [_cert("a", default=True), _cert("b", caTrust={"source": "SystemCa"})],
    }
    errors = _errors(eng, spec)
    assert [(e["field"], e["reason"]) for e in errors] == [
        ("spec.tls.certificates[1].hosts", "CertificateInvalid"),
        ("spec.tls.certificates[1].certManager.caTrust", "CertificateInvalid"),
    ]


@pytest.mark.parametrize("host", ["*.example.com", "a/b.example.com", "a\\b", ".example.com", "", "..", "bad_host.com"])
def test_hosts_are_concrete_dns_names(eng, host):
    spec = {"mode": "certManager", "certificates": [_cert("a", default=True, hosts=[host])]}
    assert _one(_errors(eng, spec)) == ("spec.tls.certificates[0].hosts[0]", "CertificateInvalid")


def test_hosts_are_unique_across_entries(eng):
    spec = {
        "mode": "certManager",
        "certificates": [_cert("a", default=True, hosts=["s3.example.com"]), _cert("b", hosts=["S3.example.com"])],
    }
    assert _one(_errors(eng, spec)) == ("spec.tls.certificates[1].hosts[0]", "CertificateInvalid")


def test_managed_certificate_needs_an_issuer(eng):
    spec = {"mode": "certManager", "certManager": {"manageCertificate": True, "secretName": "s"}}
    assert _one(_errors(eng, spec)) == ("spec.tls.certManager.issuerRef", "CertManagerIssuerNotFound")


def test_internode_https_needs_the_peer_names_when_generated_names_are_left_out(eng):
    base = {
        "manageCertificate": True,
        "secretName": "s",
        "issuerRef": {"name": "ca"},
        "includeGeneratedDnsNames": False,
    }
    spec = {"mode": "certManager", "enableInternodeHttps": True, "certManager": base}
    assert _one(_errors(eng, spec)) == ("spec.tls.certManager.includeGeneratedDnsNames", "CertificateInvalid")
    covered = {**base, "dnsNames": ["t-hl.ns.svc.cluster.local", "*.t-hl.ns.svc.cluster.local"]}
    assert _errors(eng, {**spec, "certManager": covered}) == []


def test_secret_ref_trust_needs_a_ca_secret(eng):
    spec = {"mode": "certManager", "certManager": {"secretName": "s", "caTrust": {"source": "SecretRef"}}}
    assert _one(_errors(eng, spec)) == ("spec.tls.certManager.caTrust.caSecretRef", "CaBundleMissing")
    spec = {"mode": "certManager", "certManager": {"secretName": "s"}, "caTrust": {"source": "SecretRef"}}
    assert _one(_errors(eng, spec)) == ("spec.tls.caTrust.caSecretRef", "CaBundleMissing")


def test_every_problem_is_reported(eng):
    spec = {"mode": "certManager", "mountPath": "x", "rotationStrategy": "HotReload", "certManager": {}}
    assert [e["reason"] for e in _errors(eng, spec)] == [
        "CertificateInvalid",
        "TlsHotReloadUnsupported",
        "CertificateSecretNotFound",
    ]


# --- spec.tls.generated (ours) --------------------------------------------------------------------------


def test_generated_cannot_be_combined_with_a_managed_default_certificate(eng):
    spec = {
        "mode": "certManager",
        "certManager": {"manageCertificate": True, "secretName": "s", "issuerRef": {"name": "ca"}},
        "generated": {"enabled": True},
    }
    assert _one(_errors(eng, spec)) == ("spec.tls.generated", "CertificateInvalid")


@pytest.mark.parametrize(
    ("generated", "field"),
    [
        ({"caLifetime": "ten years"}, "spec.tls.generated.caLifetime"),
        ({"certificateLifetime": "30s"}, "spec.tls.generated.certificateLifetime"),
        ({"caLifetime": "1h", "certificateLifetime": "2h"}, "spec.tls.generated.certificateLifetime"),
        ({"keyAlgorithm": "ECDSA", "keySize": 521}, "spec.tls.generated.keySize"),
        ({"keyAlgorithm": "RSA", "keySize": 1024}, "spec.tls.generated.keySize"),
    ],
)
def test_generated_settings_are_checked(eng, generated, field):
    spec = {"mode": "certManager", "generated": {"enabled": True, **generated}}
    assert _one(_errors(eng, spec)) == (field, "CertificateInvalid")


def test_unknown_key_algorithm_is_refused_by_the_schema(eng):
    errors = _errors(eng, {"mode": "certManager", "generated": {"enabled": True, "keyAlgorithm": "DSA"}})
    assert [e["field"] for e in errors] == ["spec.tls.generated.keyAlgorithm"]


def test_generated_settings_defaults(eng):
    tenant = parse_tenant(eng.tenant("t", tls={"mode": "certManager", "generated": {"enabled": True}}))
    settings = generated_settings(tenant)
    assert settings.ca_lifetime == timedelta(days=3650)
    assert settings.certificate_lifetime == timedelta(days=90)
    assert (settings.key_algorithm, settings.key_size) == ("ECDSA", None)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("2160h", 2160 * 3600), ("1h30m", 5400), ("90s", 90), ("1d", 86400), ("1.5h", 5400), ("2160h0m0s", 2160 * 3600)],
)
def test_durations(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "h", "10", "10y", "1h 30m", "-1h"])
def test_bad_durations(text):
    assert parse_duration(text) is None


@pytest.mark.parametrize(
    ("host", "valid"),
    [("s3.example.com", True), ("localhost", True), ("x" * 64, False), ("a..b", False), ("a.b.", True)],
)
def test_sni_hosts(host, valid):
    assert valid_sni_host(host) is valid


def test_key_algorithm_rule_without_the_schema(eng):
    tenant = parse_tenant(
        eng.tenant("t", tls={"mode": "certManager", "generated": {"enabled": True, "keyAlgorithm": "DSA"}})
    )
    assert [(e["field"], e["reason"]) for e in validate_tls(tenant)] == [
        ("spec.tls.generated.keyAlgorithm", "CertificateInvalid")
    ]
