"""tls.py and its wiring: the TLS volume, mount, environment, hash annotation and cert-manager Certificates (§9.1).

Expected values are written from tenant-api.md §6.4, §6.5 and §9.1; the hash is checked against an
independent implementation of the RustFS operator's formula (length-prefixed fields, Rust usize
little-endian lengths), so a tenant moved between the two operators keeps its pods.
"""

from __future__ import annotations

import hashlib

import pytest

from ansible_collections.rustfs.operator.plugins.filter.tenant_plan import tenant_plan
from ansible_collections.rustfs.operator.plugins.module_utils import tls
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant

HASH = "operator.rustfs.com/tls-hash"
MOUNT = {"name": "rustfs-tls-server", "mountPath": "/var/run/rustfs/tls", "readOnly": True}
CRT = {"key": "tls.crt", "path": "rustfs_cert.pem"}
KEY = {"key": "tls.key", "path": "rustfs_key.pem"}
CA = {"key": "ca.crt", "path": "ca.crt"}


def _doc(eng, tls_spec, name="t", namespace="ns", pools=None, **spec):
    return eng.tenant(name, namespace, pools=pools or [eng.pool("p", 2, 1)], tls=tls_spec, **spec)


def _secret_tls(secret="srv", **fields):
    return {"mode": "certManager", "certManager": {"secretName": secret}, **fields}


def _sts(eng, tls_spec, **options):
    return eng.statefulsets(eng.render(_doc(eng, tls_spec), **options))[0]


def _volume(eng, sts):
    return next(v for v in eng.pod_spec(sts)["volumes"] if v["name"] == "rustfs-tls-server")


def _secret_source(name, items):
    return {"secret": {"name": name, "items": items, "optional": False}}


# --- reference hash, written from the RustFS operator's description ---------------------------------


def _field(label, value: bytes | None):
    length = (len(value) if value is not None else 0).to_bytes(8, "little")
    return label.encode() + b"\0" + length + (value or b"") + b"\0"


def reference_hash(settings, certificates, explicit=None, client=None):
    """settings: (mountPath, strategy, internode, trustSystem); certificates: (name, default, hosts, secret, rv,
    crt, ca); explicit/client: (name, key, bytes)."""
    data = b""
    labels = ("mountPath", "rotationStrategy", "enableInternodeHttps", "trustSystemCa")
    for label, value in zip(labels, settings, strict=True):
        data += _field(label, value.encode())
    for name, default, hosts, secret, rv, crt, ca in certificates:
        data += _field("certificate.name", name.encode())
        data += _field("certificate.default", b"true" if default else b"false")
        for host in hosts:
            data += _field("certificate.host", host.encode())
        data += _field("serverSecret.name", secret.encode())
        data += _field("serverSecret.resourceVersion", rv.encode())
        data += _field("tls.crt", crt)
        if default:
            data += _field("secret.ca.crt", ca)
    if explicit:
        data += _field("explicitCa.name", explicit[0].encode()) + _field("explicitCa.key", explicit[1].encode())
    data += _field("explicitCa.bytes", explicit[2] if explicit else None)
    if client:
        data += _field("clientCa.name", client[0].encode()) + _field("clientCa.key", client[1].encode())
    data += _field("clientCa.bytes", client[2] if client else None)
    return "sha256:" + hashlib.sha256(data).hexdigest()


# --- the volume -----------------------------------------------------------------------------------------


def test_single_certificate_volume_without_internode_https_mounts_no_ca(eng):
    sts = _sts(eng, _secret_tls())
    assert _volume(eng, sts) == {
        "name": "rustfs-tls-server",
        "projected": {"sources": [_secret_source("srv", [CRT, KEY])]},
    }
    assert eng.container(sts)["volumeMounts"][-1] == MOUNT


def test_internode_https_mounts_the_secret_ca(eng):
    sts = _sts(eng, _secret_tls(enableInternodeHttps=True))
    assert _volume(eng, sts)["projected"]["sources"] == [_secret_source("srv", [CRT, KEY, CA])]


@pytest.mark.parametrize("server_ca", [True, False])
def test_inputs_decide_whether_the_secret_has_a_ca(eng, server_ca):
    inputs = tls.TlsInputs(hash="sha256:abc", server_ca=server_ca)
    sts = _sts(eng, _secret_tls(enableInternodeHttps=True), tls=inputs)
    assert _volume(eng, sts)["projected"]["sources"] == [
        _secret_source("srv", [CRT, KEY, CA] if server_ca else [CRT, KEY])
    ]
    assert sts["spec"]["template"]["metadata"]["annotations"] == {HASH: "sha256:abc"}


def test_sni_certificates_get_one_directory_per_host(eng):
    spec = {
        "mode": "certManager",
        "certificates": [
            {"name": "internal", "default": True, "hosts": ["rustfs.internal"], "certManager": {"secretName": "in"}},
            {"name": "public", "hosts": ["s3.example.com", "s3.example.org"], "certManager": {"secretName": "pub"}},
        ],
    }
    sources = _volume(eng, _sts(eng, spec))["projected"]["sources"]
    assert sources == [
        _secret_source(
            "in",
            [
                CRT,
                KEY,
                {"key": "tls.crt", "path": "rustfs.internal/rustfs_cert.pem"},
                {"key": "tls.key", "path": "rustfs.internal/rustfs_key.pem"},
            ],
        ),
        _secret_source(
            "pub",
            [
                {"key": "tls.crt", "path": "s3.example.com/rustfs_cert.pem"},
                {"key": "tls.key", "path": "s3.example.com/rustfs_key.pem"},
                {"key": "tls.crt", "path": "s3.example.org/rustfs_cert.pem"},
                {"key": "tls.key", "path": "s3.example.org/rustfs_key.pem"},
            ],
        ),
    ]


def test_ca_secret_ref_and_client_ca_are_their_own_sources(eng):
    spec = _secret_tls(
        enableInternodeHttps=True,
        caTrust={
            "source": "SecretRef",
            "caSecretRef": {"name": "bundle", "key": "ca.pem"},
            "clientCaSecretRef": {"name": "clients"},
        },
    )
    sts = _sts(eng, spec)
    assert _volume(eng, sts)["projected"]["sources"] == [
        _secret_source("srv", [CRT, KEY]),
        _secret_source("bundle", [{"key": "ca.pem", "path": "ca.crt"}]),
        _secret_source("clients", [{"key": "ca.crt", "path": "client_ca.crt"}]),
    ]
    names = eng.env_names(sts)
    assert names[:3] == ["RUSTFS_VOLUMES", "RUSTFS_TLS_PATH", "RUSTFS_SERVER_MTLS_ENABLE"]


def test_default_certificate_ca_trust_applies_when_the_tenant_has_none(eng):
    spec = {"mode": "certManager", "certManager": {"secretName": "srv", "caTrust": {"source": "SystemCa"}}}
    sts = _sts(eng, spec)
    assert _volume(eng, sts)["projected"]["sources"] == [_secret_source("srv", [CRT, KEY])]
    assert eng.env_value(sts, "RUSTFS_TRUST_SYSTEM_CA") == "true"


def test_environment_item_2_in_order(eng):
    spec = _secret_tls(
        mountPath="/tls",
        caTrust={"trustSystemCa": True, "trustLeafCertificateAsCa": True, "clientCaSecretRef": {"name": "c"}},
    )
    env = eng.env(_sts(eng, spec))
    assert env[:6] == [
        env[0],
        {"name": "RUSTFS_TLS_PATH", "value": "/tls"},
        {"name": "RUSTFS_TRUST_SYSTEM_CA", "value": "true"},
        {"name": "RUSTFS_TRUST_LEAF_CERT_AS_CA", "value": "true"},
        {"name": "RUSTFS_SERVER_MTLS_ENABLE", "value": "true"},
        {"name": "RUSTFS_ADDRESS", "value": "0.0.0.0:9000"},
    ]
    assert env[0]["name"] == "RUSTFS_VOLUMES"


def test_mount_and_volume_follow_the_logs_volume(eng):
    doc = _doc(eng, _secret_tls(mountPath="/etc/tls"), logging={"mode": "emptydir"})
    sts = eng.statefulsets(eng.render(doc))[0]
    assert [v["name"] for v in eng.pod_spec(sts)["volumes"]] == ["logs", "rustfs-tls-server"]
    mounts = eng.container(sts)["volumeMounts"]
    assert [m["name"] for m in mounts] == ["vol-0", "logs", "rustfs-tls-server"]
    assert mounts[-1] == {"name": "rustfs-tls-server", "mountPath": "/etc/tls", "readOnly": True}
    assert "subPath" not in mounts[-1]


def test_without_tls_nothing_is_rendered(eng):
    sts = eng.statefulsets(eng.render(eng.tenant("t", "ns", tls={"mode": "disabled", "mountPath": "x"})))[0]
    assert "annotations" not in sts["spec"]["template"]["metadata"]
    assert "volumes" not in eng.pod_spec(sts)
    assert "RUSTFS_TLS_PATH" not in eng.env_names(sts)


def test_every_pool_gets_the_same_tls_wiring(eng):
    doc = _doc(eng, _secret_tls(), pools=[eng.pool("a", 2, 1), eng.pool("b", 3, 1)])
    first, second = eng.statefulsets(eng.render(doc))
    assert first["spec"]["template"]["metadata"]["annotations"] == second["spec"]["template"]["metadata"]["annotations"]
    assert _volume(eng, first) == _volume(eng, second)


# --- the hash -------------------------------------------------------------------------------------------


def test_render_mode_hash_covers_settings_and_names_only(eng):
    sts = _sts(eng, _secret_tls())
    expected = reference_hash(
        ("/var/run/rustfs/tls", "Rollout", "false", "false"), [("default", True, [], "srv", "", None, None)]
    )
    assert sts["spec"]["template"]["metadata"]["annotations"] == {HASH: expected}


def test_observed_hash_matches_the_reference_formula(eng):
    spec = {
        "mode": "certManager",
        "enableInternodeHttps": True,
        "certificates": [
            {"name": "main", "default": True, "certManager": {"secretName": "a"}},
            {"name": "pub", "hosts": ["s3.example.com"], "certManager": {"secretName": "b"}},
        ],
        "caTrust": {
            "source": "SecretRef",
            "caSecretRef": {"name": "ca"},
            "clientCaSecretRef": {"name": "cl", "key": "k"},
        },
    }
    tenant = parse_tenant(_doc(eng, spec))
    main, pub = tls.entries(tenant)
    observation = tls.Observation(
        certificates=(
            tls.ObservedCertificate(main, "a", "11", b"CRT-A", b"CA-A"),
            tls.ObservedCertificate(pub, "b", "12", b"CRT-B"),
        ),
        explicit_ca=b"BUNDLE",
        client_ca=b"CLIENTS",
    )
    assert tls.tls_hash(tenant, observation) == reference_hash(
        ("/var/run/rustfs/tls", "Rollout", "true", "false"),
        [
            ("main", True, [], "a", "11", b"CRT-A", b"CA-A"),
            ("pub", False, ["s3.example.com"], "b", "12", b"CRT-B", None),
        ],
        explicit=("ca", "ca.crt", b"BUNDLE"),
        client=("cl", "k", b"CLIENTS"),
    )


@pytest.mark.parametrize(
    "change",
    [
        {"resource_version": "2"},
        {"certificate": b"CRT2"},
        {"ca": b"CA2"},
        {"ca": None},
    ],
)
def test_any_observed_change_changes_the_hash(eng, change):
    tenant = parse_tenant(_doc(eng, _secret_tls()))
    entry = tls.entries(tenant)[0]
    base = {"entry": entry, "secret_name": "srv", "resource_version": "1", "certificate": b"CRT", "ca": b"CA"}
    before = tls.tls_hash(tenant, tls.Observation((tls.ObservedCertificate(**base),)))
    after = tls.tls_hash(tenant, tls.Observation((tls.ObservedCertificate(**{**base, **change}),)))
    assert before != after


@pytest.mark.parametrize(
    "change",
    [
        {"mountPath": "/other"},
        {"enableInternodeHttps": True},
        {"certManager": {"secretName": "other"}},
        {"caTrust": {"source": "SystemCa"}},
    ],
)
def test_settings_change_the_render_mode_hash(eng, change):
    before = _sts(eng, _secret_tls())["spec"]["template"]["metadata"]["annotations"][HASH]
    after = _sts(eng, {**_secret_tls(), **change})["spec"]["template"]["metadata"]["annotations"][HASH]
    assert before != after


def test_tenant_plan_filter_takes_the_inputs(eng):
    plan = tenant_plan(_doc(eng, _secret_tls(enableInternodeHttps=True)), tls={"hash": "sha256:ff", "serverCa": False})
    assert plan["problems"] == []
    sts = plan["statefulsets"][0]
    assert sts["spec"]["template"]["metadata"]["annotations"] == {HASH: "sha256:ff"}
    assert _volume(eng, sts)["projected"]["sources"] == [_secret_source("srv", [CRT, KEY])]


# --- cert-manager Certificates --------------------------------------------------------------------------


def _managed(**cert_manager):
    return {
        "mode": "certManager",
        "certManager": {"manageCertificate": True, "secretName": "srv", "issuerRef": {"name": "ca"}, **cert_manager},
    }


def test_certificate_object_of_the_single_form(eng):
    objects = eng.render(_doc(eng, _managed(), uid="u-1"))
    certificate = eng.only(objects, "Certificate")
    # After the Services, before the pool's PodDisruptionBudget and StatefulSet.
    assert [o["kind"] for o in objects].index("Certificate") == len(objects) - 3
    labels = {
        "app.kubernetes.io/name": "rustfs",
        "app.kubernetes.io/instance": "t",
        "app.kubernetes.io/managed-by": "rustfs-operator",
        "rustfs.tenant": "t",
    }
    assert certificate == {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {
            "name": "t-server-tls",
            "namespace": "ns",
            "labels": labels,
            "ownerReferences": [
                {
                    "apiVersion": "rustfs.com/v1alpha1",
                    "kind": "Tenant",
                    "name": "t",
                    "uid": "u-1",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "secretName": "srv",
            "issuerRef": {"group": "cert-manager.io", "kind": "Issuer", "name": "ca"},
            "dnsNames": [
                "t-hl.ns.svc",
                "t-hl.ns.svc.cluster.local",
                "t-io.ns.svc",
                "t-io.ns.svc.cluster.local",
                "t-p-0.t-hl.ns.svc.cluster.local",
                "t-p-1.t-hl.ns.svc.cluster.local",
            ],
            "usages": ["server auth"],
            "secretTemplate": {"labels": {k: v for k, v in labels.items() if k != "rustfs.tenant"}},
        },
    }


def test_certificate_optional_fields_and_extra_names(eng):
    spec = _managed(
        certificateName="custom",
        commonName="s3.example.com",
        dnsNames=["s3.example.com", "t-io.ns.svc"],
        duration="2160h",
        renewBefore="360h",
        privateKey={"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
        usages=["server auth", "client auth"],
        issuerRef={"name": "root", "kind": "ClusterIssuer"},
    )
    certificate = eng.only(eng.render(_doc(eng, spec)), "Certificate")
    assert certificate["metadata"]["name"] == "custom"
    assert "ownerReferences" not in certificate["metadata"]  # render mode: no uid
    spec_out = certificate["spec"]
    assert spec_out["commonName"] == "s3.example.com"
    assert (spec_out["duration"], spec_out["renewBefore"]) == ("2160h", "360h")
    assert spec_out["privateKey"] == {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"}
    assert spec_out["usages"] == ["server auth", "client auth"]
    assert spec_out["issuerRef"] == {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": "root"}
    assert spec_out["dnsNames"][0] == "s3.example.com" and spec_out["dnsNames"].count("t-io.ns.svc") == 1
    assert spec_out["dnsNames"] == sorted(spec_out["dnsNames"])


def test_sni_entries_get_their_own_certificates_without_generated_names(eng):
    spec = {
        "mode": "certManager",
        "certificates": [
            {"name": "main", "default": True, "certManager": {"secretName": "a"}},
            {
                "name": "pub",
                "hosts": ["s3.example.com"],
                "certManager": {"manageCertificate": True, "secretName": "b", "issuerRef": {"name": "le"}},
            },
            {
                "name": "int",
                "hosts": ["x.internal"],
                "certManager": {
                    "manageCertificate": True,
                    "secretName": "c",
                    "issuerRef": {"name": "le"},
                    "includeGeneratedDnsNames": True,
                },
            },
        ],
    }
    certificates = [o for o in eng.render(_doc(eng, spec)) if o["kind"] == "Certificate"]
    assert [c["metadata"]["name"] for c in certificates] == ["t-pub-tls", "t-int-tls"]
    assert certificates[0]["spec"]["dnsNames"] == ["s3.example.com"]
    assert "x.internal" in certificates[1]["spec"]["dnsNames"] and len(certificates[1]["spec"]["dnsNames"]) == 7


def test_no_certificate_without_manage_certificate_or_for_generated(eng):
    assert not [o for o in eng.render(_doc(eng, _secret_tls())) if o["kind"] == "Certificate"]
    generated = {"mode": "certManager", "generated": {"enabled": True}}
    assert not [o for o in eng.render(_doc(eng, generated)) if o["kind"] == "Certificate"]


# --- operator-generated ---------------------------------------------------------------------------------


def test_generated_certificate_defaults_its_secret_and_always_mounts_the_ca(eng):
    sts = _sts(eng, {"mode": "certManager", "generated": {"enabled": True}})
    assert _volume(eng, sts)["projected"]["sources"] == [_secret_source("t-tls", [CRT, KEY, CA])]
    named = _sts(eng, {"mode": "certManager", "certManager": {"secretName": "mine"}, "generated": {"enabled": True}})
    assert _volume(eng, named)["projected"]["sources"][0]["secret"]["name"] == "mine"


def test_generated_certificate_names_cover_every_service_form_and_pod(eng):
    tenant = parse_tenant(_doc(eng, {"mode": "certManager", "generated": {"enabled": True}}))
    names = tls.generated_certificate_names(tenant)
    for service in ("t-io", "t-console", "t-hl"):
        assert {service, f"{service}.ns", f"{service}.ns.svc", f"{service}.ns.svc.cluster.local"} <= set(names)
    assert {"t-p-0.t-hl.ns.svc.cluster.local", "t-p-1.t-hl.ns.svc.cluster.local"} <= set(names)
    assert len(names) == 14


def test_required_names_follow_the_san_rule(eng):
    tenant = parse_tenant(_doc(eng, _secret_tls(enableInternodeHttps=True)))
    assert tls.required_names(tenant, tls.entries(tenant)[0]) == [
        "t-hl.ns.svc.cluster.local",
        "t-p-0.t-hl.ns.svc.cluster.local",
        "t-p-1.t-hl.ns.svc.cluster.local",
    ]
    single = parse_tenant(
        eng.tenant("t", "ns", pools=[eng.pool("p", 1, 1)], tls=_secret_tls(enableInternodeHttps=True))
    )
    assert tls.required_names(single, tls.entries(single)[0]) == ["t-hl.ns.svc.cluster.local"]
    plain = parse_tenant(_doc(eng, _secret_tls()))
    assert tls.required_names(plain, tls.entries(plain)[0]) == tls.generated_dns_names(plain)
