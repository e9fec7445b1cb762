"""TLS on the real control plane: a user Secret, cert-manager, operator-generated certificates, rotation.

cert-manager itself is not run: building its controller is out of scope here (see docs/tls.md). The
cert-manager test installs only the `certificates.cert-manager.io` and `issuers.cert-manager.io` CRDs
and plays cert-manager's part itself: it reads the Certificate the playbook applied, issues a
certificate for exactly its dnsNames, writes the Secret and marks the Certificate Ready.

Pods are simulated (kwok): nothing serves TLS, so the tests check what a pod would get - the
projected volume, the environment, the tls-hash annotation that rolls the pods - and the Secrets.
"""

from __future__ import annotations

import base64
import copy
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import kube
import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from support.playbook import PlaybookRun, run_playbook

from ansible_collections.rustfs.operator.plugins.module_utils import certificates as certs
from ansible_collections.rustfs.operator.plugins.module_utils import tls_names
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("crd")]

TENANT = "tls"
HASH = "operator.rustfs.com/tls-hash"
CERT_MANAGER_CRDS = ("certificates.cert-manager.io", "issuers.cert-manager.io")


# --- helpers ------------------------------------------------------------------------------------------


def tenant_doc(namespace: str, tls: dict[str, Any], pools: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": TENANT, "namespace": namespace},
        "spec": {
            "pools": pools or [{"name": "p", "servers": 2, "persistence": {"volumesPerServer": 1}}],
            "tls": tls,
        },
    }


def play(api: client.ApiClient, tenant: dict[str, Any], tmp_path: Path, *args: str, **extra: Any) -> PlaybookRun:
    return run_playbook(
        "rustfs.operator.tenant", *args, extra_vars={"tenant": tenant, "wait": True, **extra}, tmp_dir=tmp_path
    )


def core(api: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(api)


def read_tenant(api: client.ApiClient, namespace: str) -> dict[str, Any]:
    obj: dict[str, Any] = client.CustomObjectsApi(api).get_namespaced_custom_object(
        "rustfs.com", "v1alpha1", namespace, "tenants", TENANT
    )
    return obj


def statefulset(api: client.ApiClient, namespace: str, pool: str = "p") -> client.V1StatefulSet:
    return client.AppsV1Api(api).read_namespaced_stateful_set(f"{TENANT}-{pool}", namespace)


def condition(status: dict[str, Any], kind: str) -> tuple[str, str]:
    found = next(c for c in status["conditions"] if c["type"] == kind)
    return found["status"], found["reason"]


def all_names(tenant: dict[str, Any]) -> list[str]:
    return tls_names.tenant_dns_names(parse_tenant(tenant))


def make_ca() -> tuple[str, str]:
    """A CA valid from five days ago for a month, so it can sign expired and not-yet-valid leaves."""
    key = certs.generate_private_key("ECDSA")
    start = datetime.now(UTC) - timedelta(days=5)
    return certs.create_ca_certificate(key, "test CA", lifetime=timedelta(days=30), now=start), key


def make_leaf(
    ca: tuple[str, str], names: list[str], now: datetime | None = None, lifetime: timedelta = timedelta(days=10)
) -> tuple[str, str]:
    key = certs.generate_private_key("ECDSA")
    crt = certs.create_server_certificate(key, ca[0], ca[1], dns_names=names, lifetime=lifetime, now=now)
    return crt, key


def tls_secret_data(crt: str, key: str, ca: str | None = None) -> dict[str, str]:
    data = {"tls.crt": crt, "tls.key": key}
    if ca is not None:
        data["ca.crt"] = ca
    return {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}


def put_secret(api: client.ApiClient, namespace: str, name: str, data: dict[str, str]) -> None:
    body = client.V1Secret(metadata=client.V1ObjectMeta(name=name), type="kubernetes.io/tls", data=data)
    try:
        core(api).replace_namespaced_secret(name, namespace, body)
    except ApiException as error:
        if error.status != 404:
            raise
        core(api).create_namespaced_secret(namespace, body)


def secret_values(api: client.ApiClient, namespace: str, name: str) -> dict[str, str]:
    data = core(api).read_namespaced_secret(name, namespace).data or {}
    return {k: base64.b64decode(v).decode() for k, v in data.items()}


def assert_no_key_material(output: str, *secret_maps: dict[str, str]) -> None:
    """No PEM private key, nor its base64 (whole or any line of it), may appear in the output."""
    assert "PRIVATE KEY" not in output
    for values in secret_maps:
        for key in ("tls.key", "pending.key"):
            if key not in values:
                continue
            pem = values[key]
            assert pem not in output
            assert base64.b64encode(pem.encode()).decode() not in output
            body = [line for line in pem.splitlines() if line and not line.startswith("-----")]
            assert not any(line in output for line in body)


# --- a user-supplied Secret ---------------------------------------------------------------------------


def test_user_secret_is_mounted_and_a_bad_one_blocks_without_touching_the_pods(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    tenant = tenant_doc(
        namespace, {"mode": "certManager", "enableInternodeHttps": True, "certManager": {"secretName": "own-tls"}}
    )
    missing = play(api, tenant, tmp_path)
    assert missing.returncode != 0
    assert "CertificateSecretNotFound" in missing.output and "own-tls" in missing.output
    with pytest.raises(ApiException):
        statefulset(api, namespace)

    ca = make_ca()
    crt, key = make_leaf(ca, all_names(tenant))
    put_secret(api, namespace, "own-tls", tls_secret_data(crt, key, ca[0]))
    done = play(api, tenant, tmp_path, "-vvv")
    assert done.returncode == 0, done.output
    assert_no_key_material(done.output, {"tls.key": key}, {"tls.key": ca[1]})

    sts = statefulset(api, namespace)
    template = sts.spec.template
    assert template.metadata.annotations[HASH].startswith("sha256:")
    volume = next(v for v in template.spec.volumes if v.name == "rustfs-tls-server")
    source = volume.projected.sources[0].secret
    assert source.name == "own-tls" and source.optional is False
    assert [(i.key, i.path) for i in source.items] == [
        ("tls.crt", "rustfs_cert.pem"),
        ("tls.key", "rustfs_key.pem"),
        ("ca.crt", "ca.crt"),
    ]
    container = template.spec.containers[0]
    mount = next(m for m in container.volume_mounts if m.name == "rustfs-tls-server")
    assert (mount.mount_path, mount.read_only, mount.sub_path) == ("/var/run/rustfs/tls", True, None)
    env = {e.name: e.value for e in container.env}
    assert env["RUSTFS_TLS_PATH"] == "/var/run/rustfs/tls"
    assert env["RUSTFS_VOLUMES"].startswith(f"https://{TENANT}-p-{{0...1}}.{TENANT}-hl.{namespace}.svc")
    assert container.liveness_probe.http_get.scheme == "HTTPS"
    service = core(api).read_namespaced_service(f"{TENANT}-io", namespace)
    assert service.spec.ports[0].name == "https-rustfs"
    status = read_tenant(api, namespace)["status"]
    assert status["currentState"] == "Ready"
    assert condition(status, "TlsReady") == ("True", "TlsConfigured")
    tls = status["certificates"]["tls"]
    assert (tls["ready"], tls["source"], tls["mode"], tls["sanMatched"]) == (True, "Secret", "CertManager", True)
    assert tls["observedHash"] == template.metadata.annotations[HASH]
    assert tls["notAfter"] == certs.certificate_info(crt)["not_after"]

    again = play(api, tenant, tmp_path)
    assert again.returncode == 0 and again.changed == 0, again.output

    # Every bad replacement is refused, the StatefulSet is not touched, the status says why.
    version = statefulset(api, namespace).metadata.resource_version
    other = make_ca()
    now = datetime.now(UTC)
    bad_cases = {
        "CertificateSanMismatch": make_leaf(ca, [f"{TENANT}-io.{namespace}.svc"]),
        "CertificateKeyPairMismatch": (crt, make_leaf(ca, all_names(tenant))[1]),
        "CertificateExpired": make_leaf(ca, all_names(tenant), now=now - timedelta(days=3), lifetime=timedelta(days=1)),
        "CertificateNotYetValid": make_leaf(ca, all_names(tenant), now=now + timedelta(days=2)),
        "CertificateNotSignedByCa": make_leaf(other, all_names(tenant)),
    }
    for reason, (bad_crt, bad_key) in bad_cases.items():
        put_secret(api, namespace, "own-tls", tls_secret_data(bad_crt, bad_key, ca[0]))
        refused = play(api, tenant, tmp_path)
        assert refused.returncode != 0, refused.output
        assert reason in refused.output, (reason, refused.output)
        assert statefulset(api, namespace).metadata.resource_version == version
        status = read_tenant(api, namespace)["status"]
        assert status["currentState"] == "Blocked"
        assert condition(status, "TlsReady") == ("False", reason)
        assert status["certificates"]["tls"]["ready"] is False
        assert status["certificates"]["tls"]["lastErrorReason"] == reason

    put_secret(api, namespace, "own-tls", tls_secret_data(crt, key, ca[0]))
    fixed = play(api, tenant, tmp_path)
    assert fixed.returncode == 0, fixed.output
    status = read_tenant(api, namespace)["status"]
    assert status["currentState"] == "Ready"
    assert "lastErrorReason" not in status["certificates"]["tls"]


# --- cert-manager -------------------------------------------------------------------------------------


def crd(group_kind: tuple[str, str, str]) -> dict[str, Any]:
    kind, plural, scope = group_kind
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.cert-manager.io"},
        "spec": {
            "group": "cert-manager.io",
            "names": {"kind": kind, "plural": plural, "singular": kind.lower(), "listKind": f"{kind}List"},
            "scope": scope,
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
                }
            ],
        },
    }


def delete_cert_manager_crds(api: client.ApiClient) -> None:
    extensions = client.ApiextensionsV1Api(api)
    for name in CERT_MANAGER_CRDS:
        try:
            extensions.delete_custom_resource_definition(name)
        except ApiException as error:
            if error.status != 404:
                raise
    for name in CERT_MANAGER_CRDS:
        kube.wait_gone(
            lambda n=name: extensions.read_custom_resource_definition(n), timeout=60, what=f"CRD {name} gone"
        )


def install_cert_manager_crds(api: client.ApiClient) -> None:
    kube.apply(api, [crd(("Certificate", "certificates", "Namespaced")), crd(("Issuer", "issuers", "Namespaced"))])
    extensions = client.ApiextensionsV1Api(api)

    def established() -> bool:
        for name in CERT_MANAGER_CRDS:
            conditions = extensions.read_custom_resource_definition(name).status.conditions or []
            if not any(c.type == "Established" and c.status == "True" for c in conditions):
                return False
        return True

    kube.wait_for(established, timeout=60, what="cert-manager CRDs established")


@contextmanager
def refusing_certificates(api: client.ApiClient, namespace: str) -> Iterator[None]:
    """An admission policy that makes the API server refuse (422) every Certificate written in NAMESPACE.

    What a spec that makes an invalid Certificate meets; a policy is a refusal we can cause on purpose.
    """
    name = f"refuse-certificates-{namespace}"
    admission = client.AdmissionregistrationV1Api(api)
    kube.apply(
        api,
        [
            {
                "apiVersion": "admissionregistration.k8s.io/v1",
                "kind": "ValidatingAdmissionPolicy",
                "metadata": {"name": name},
                "spec": {
                    "failurePolicy": "Fail",
                    "matchConstraints": {
                        "resourceRules": [
                            {
                                "apiGroups": ["cert-manager.io"],
                                "apiVersions": ["v1"],
                                "operations": ["CREATE", "UPDATE"],
                                "resources": ["certificates"],
                            }
                        ]
                    },
                    "validations": [{"expression": "false", "message": "no Certificate is accepted here"}],
                },
            },
            {
                "apiVersion": "admissionregistration.k8s.io/v1",
                "kind": "ValidatingAdmissionPolicyBinding",
                "metadata": {"name": name},
                "spec": {
                    "policyName": name,
                    "validationActions": ["Deny"],
                    "matchResources": {
                        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}
                    },
                },
            },
        ],
    )
    probe = {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {"name": "probe"},
        "spec": {"secretName": "probe"},
    }

    def refused() -> bool:
        try:
            client.CustomObjectsApi(api).create_namespaced_custom_object(
                "cert-manager.io", "v1", namespace, "certificates", probe, dry_run="All"
            )
        except ApiException as error:
            return error.status == 422
        return False

    try:
        kube.wait_for(refused, timeout=30, what="the admission policy refusing Certificates")
        yield
    finally:
        admission.delete_validating_admission_policy_binding(name)
        admission.delete_validating_admission_policy(name)
        kube.wait_for(lambda: not refused(), timeout=30, what="Certificates accepted again")


def act_as_cert_manager(api: client.ApiClient, namespace: str, name: str, ca: tuple[str, str]) -> dict[str, Any]:
    """What cert-manager's controller would do for one Certificate: issue, write the Secret, mark Ready."""
    objects = client.CustomObjectsApi(api)
    certificate: dict[str, Any] = objects.get_namespaced_custom_object(
        "cert-manager.io", "v1", namespace, "certificates", name
    )
    spec = certificate["spec"]
    crt, key = make_leaf(ca, spec["dnsNames"])
    body = client.V1Secret(
        metadata=client.V1ObjectMeta(name=spec["secretName"], labels=spec["secretTemplate"]["labels"]),
        type="kubernetes.io/tls",
        data=tls_secret_data(crt, key, ca[0]),
    )
    core(api).create_namespaced_secret(namespace, body)
    info = certs.certificate_info(crt)
    certificate["status"] = {
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "reason": "Ready",
                "message": "Certificate is up to date and has not expired",
                "observedGeneration": certificate["metadata"]["generation"],
            }
        ],
        "notAfter": info["not_after"],
        "renewalTime": "2030-01-01T00:00:00Z",
    }
    objects.replace_namespaced_custom_object_status(
        "cert-manager.io", "v1", namespace, "certificates", name, certificate
    )
    return certificate


def test_cert_manager_certificate_is_applied_waited_for_and_mounted(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    tenant = tenant_doc(
        namespace,
        {
            "mode": "certManager",
            "enableInternodeHttps": True,
            "certManager": {
                "manageCertificate": True,
                "secretName": "cm-tls",
                "issuerRef": {"name": "test-issuer"},
                "dnsNames": ["s3.example.com"],
                "duration": "2160h",
            },
        },
    )
    delete_cert_manager_crds(api)
    try:
        no_crd = play(api, tenant, tmp_path, tls_wait_timeout=2)
        assert no_crd.returncode != 0 and "CertManagerCrdMissing" in no_crd.output, no_crd.output
        status = read_tenant(api, namespace)["status"]
        assert condition(status, "TlsReady") == ("False", "CertManagerCrdMissing")

        install_cert_manager_crds(api)
        no_issuer = play(api, tenant, tmp_path, tls_wait_timeout=2)
        assert no_issuer.returncode != 0 and "CertManagerIssuerNotFound" in no_issuer.output, no_issuer.output

        kube.apply(
            api,
            {
                "apiVersion": "cert-manager.io/v1",
                "kind": "Issuer",
                "metadata": {"name": "test-issuer"},
                "spec": {"ca": {}},
            },
            namespace=namespace,
        )
        # The API server refuses the Certificate: reported as the RustFS operator reports it, on TlsReady,
        # and nothing else is applied.
        with refusing_certificates(api, namespace):
            refused = play(api, tenant, tmp_path, tls_wait_timeout=2)
        assert refused.returncode != 0, refused.output
        assert "CertManagerCertificateApplyFailed" in refused.output, refused.output
        assert "no Certificate is accepted here" in refused.output, refused.output
        status = read_tenant(api, namespace)["status"]
        assert status["currentState"] == "Blocked"
        assert condition(status, "TlsReady") == ("False", "CertManagerCertificateApplyFailed")
        assert "no Certificate is accepted here" in next(
            c["message"] for c in status["conditions"] if c["type"] == "TlsReady"
        )
        assert status["certificates"]["tls"]["lastErrorReason"] == "CertManagerCertificateApplyFailed"
        with pytest.raises(ApiException):
            statefulset(api, namespace)

        pending = play(api, tenant, tmp_path, tls_wait_timeout=2)
        assert pending.returncode != 0
        assert "CertManagerCertificateNotReady" in pending.output, pending.output
        stored = read_tenant(api, namespace)
        status = stored["status"]
        # Waiting for cert-manager is not a user error: the tenant reconciles, it is not blocked.
        assert status["currentState"] == "Reconciling"
        assert condition(status, "Reconciling") == ("True", "CertManagerCertificateNotReady")
        assert condition(status, "TlsReady") == ("False", "CertManagerCertificateNotReady")
        with pytest.raises(ApiException):
            statefulset(api, namespace)

        certificate: dict[str, Any] = client.CustomObjectsApi(api).get_namespaced_custom_object(
            "cert-manager.io", "v1", namespace, "certificates", f"{TENANT}-server-tls"
        )
        assert certificate["metadata"]["labels"]["rustfs.tenant"] == TENANT
        owner = certificate["metadata"]["ownerReferences"][0]
        assert (owner["kind"], owner["name"], owner["uid"]) == ("Tenant", TENANT, stored["metadata"]["uid"])
        spec = certificate["spec"]
        assert spec["secretName"] == "cm-tls"
        assert spec["issuerRef"] == {"group": "cert-manager.io", "kind": "Issuer", "name": "test-issuer"}
        assert spec["usages"] == ["server auth"] and spec["duration"] == "2160h"
        assert "rustfs.tenant" not in spec["secretTemplate"]["labels"]
        hl = f"{TENANT}-hl.{namespace}.svc"
        assert spec["dnsNames"] == sorted(
            [
                "s3.example.com",
                f"{TENANT}-io.{namespace}.svc",
                f"{TENANT}-io.{namespace}.svc.cluster.local",
                hl,
                f"{hl}.cluster.local",
                f"{TENANT}-p-0.{hl}.cluster.local",
                f"{TENANT}-p-1.{hl}.cluster.local",
            ]
        )

        act_as_cert_manager(api, namespace, f"{TENANT}-server-tls", make_ca())
        done = play(api, tenant, tmp_path, "-vvv")
        assert done.returncode == 0, done.output
        assert_no_key_material(done.output, secret_values(api, namespace, "cm-tls"))
        again = play(api, tenant, tmp_path)
        assert again.returncode == 0 and again.changed == 0, again.output
        sts = statefulset(api, namespace)
        volume = next(v for v in sts.spec.template.spec.volumes if v.name == "rustfs-tls-server")
        assert volume.projected.sources[0].secret.name == "cm-tls"
        status = read_tenant(api, namespace)["status"]
        assert status["currentState"] == "Ready"
        tls = status["certificates"]["tls"]
        assert (tls["source"], tls["managedCertificate"], tls["renewalTime"]) == (
            "CertManager",
            True,
            "2030-01-01T00:00:00Z",
        )
        assert tls["certificateRef"]["name"] == f"{TENANT}-server-tls" and tls["certificateRef"]["ready"] is True

        # The user takes the certificate over: our Certificate is no longer wanted and is deleted.
        unmanaged = copy.deepcopy(tenant)
        unmanaged["spec"]["tls"]["certManager"]["manageCertificate"] = False
        handed_over = play(api, unmanaged, tmp_path)
        assert handed_over.returncode == 0, handed_over.output
        kube.wait_gone(
            lambda: client.CustomObjectsApi(api).get_namespaced_custom_object(
                "cert-manager.io", "v1", namespace, "certificates", f"{TENANT}-server-tls"
            ),
            what="stale Certificate deleted",
        )
    finally:
        delete_cert_manager_crds(api)


# --- operator-generated certificates ------------------------------------------------------------------


def wait_until(moment: str) -> None:
    delay = (datetime.fromisoformat(moment.replace("Z", "+00:00")) - datetime.now(UTC)).total_seconds()
    if delay > 0:
        time.sleep(delay + 1)


def test_generated_certificate_is_renewed_and_the_pods_roll(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    tenant = tenant_doc(
        namespace,
        {
            "mode": "certManager",
            "enableInternodeHttps": True,
            "generated": {"enabled": True, "certificateLifetime": "1m"},
        },
    )
    first = play(api, tenant, tmp_path, "-vvv")
    assert first.returncode == 0, first.output
    server, authority = (
        secret_values(api, namespace, f"{TENANT}-tls"),
        secret_values(api, namespace, f"{TENANT}-tls-ca"),
    )
    assert_no_key_material(first.output, server, authority)
    stored = read_tenant(api, namespace)
    for name in (f"{TENANT}-tls", f"{TENANT}-tls-ca"):
        owner = core(api).read_namespaced_secret(name, namespace).metadata.owner_references[0]
        assert (owner.kind, owner.uid) == ("Tenant", stored["metadata"]["uid"])
    assert certs.check_certificate(server["tls.crt"], server["tls.key"], all_names(tenant), server["ca.crt"])["ok"]
    tls = stored["status"]["certificates"]["tls"]
    assert (tls["source"], tls["ready"]) == ("Generated", True)
    before = statefulset(api, namespace)
    hash_before = before.spec.template.metadata.annotations[HASH]
    assert tls["observedHash"] == hash_before

    rerun = play(api, tenant, tmp_path)
    assert rerun.returncode == 0 and rerun.changed == 0, rerun.output

    # Two thirds of the lifetime later the certificate is renewed and the pods roll onto it.
    wait_until(tls["renewalTime"])
    renewed = play(api, tenant, tmp_path)
    assert renewed.returncode == 0, renewed.output
    assert "issued the server certificate" in renewed.output
    after = secret_values(api, namespace, f"{TENANT}-tls")
    assert after["tls.crt"] != server["tls.crt"] and after["tls.key"] != server["tls.key"]
    assert certs.check_certificate(after["tls.crt"], after["tls.key"], all_names(tenant), after["ca.crt"])["ok"]
    rolled = statefulset(api, namespace)
    assert rolled.spec.template.metadata.annotations[HASH] != hash_before
    assert rolled.status.update_revision != before.status.update_revision
    assert rolled.status.current_revision == rolled.status.update_revision
    assert rolled.status.updated_replicas == 2
    status = read_tenant(api, namespace)["status"]
    assert status["currentState"] == "Ready"
    assert status["certificates"]["tls"]["observedHash"] == rolled.spec.template.metadata.annotations[HASH]

    # A new pool brings names the certificate does not cover: it is re-issued at once.
    grown = copy.deepcopy(tenant)
    grown["spec"]["pools"].append({"name": "q", "servers": 2, "persistence": {"volumesPerServer": 2}})
    added = play(api, grown, tmp_path)
    assert added.returncode == 0, added.output
    final = secret_values(api, namespace, f"{TENANT}-tls")
    assert final["tls.crt"] != after["tls.crt"]
    covered = certs.check_coverage(final["tls.crt"], all_names(grown))
    assert covered["ok"], covered["missing"]
    assert (
        statefulset(api, namespace, "q").spec.template.metadata.annotations[HASH]
        == (statefulset(api, namespace, "p").spec.template.metadata.annotations[HASH])
    )


def bundle_subjects(pem: str) -> list[str]:
    return [
        c.subject.rfc4514_string() + c.serial_number.to_bytes(20, "big").hex() for c in certs.load_certificates(pem)
    ]


def test_ca_rotation_publishes_the_new_ca_before_the_server_certificate_switches(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    tenant = tenant_doc(
        namespace,
        {
            "mode": "certManager",
            "enableInternodeHttps": True,
            "generated": {"enabled": True, "caLifetime": "2m", "certificateLifetime": "1m"},
        },
    )
    first = play(api, tenant, tmp_path)
    assert first.returncode == 0, first.output
    old_ca = secret_values(api, namespace, f"{TENANT}-tls-ca")
    assert len(certs.load_certificates(old_ca["ca.crt"])) == 1

    # Two thirds of the CA's lifetime: the new CA is published next to the old one, and signs nothing yet.
    wait_until(certs.renewal_status(old_ca["tls.crt"])["renew_at"] or "")
    published = play(api, tenant, tmp_path)
    assert published.returncode == 0, published.output
    authority = secret_values(api, namespace, f"{TENANT}-tls-ca")
    server = secret_values(api, namespace, f"{TENANT}-tls")
    assert authority["tls.crt"] == old_ca["tls.crt"]
    assert "pending.crt" in authority
    assert len(certs.load_certificates(server["ca.crt"])) == 2
    assert certs.check_signed_by(server["tls.crt"], old_ca["tls.crt"])["ok"]
    assert read_tenant(api, namespace)["status"]["certificates"]["tls"]["caRotation"] == "Pending"
    published_hash = statefulset(api, namespace).spec.template.metadata.annotations[HASH]

    # The pods rolled with both CAs (wait=true): now the new CA signs, the server certificate switches.
    switched = play(api, tenant, tmp_path)
    assert switched.returncode == 0, switched.output
    authority = secret_values(api, namespace, f"{TENANT}-tls-ca")
    server = secret_values(api, namespace, f"{TENANT}-tls")
    assert authority["tls.crt"] != old_ca["tls.crt"] and "pending.crt" not in authority
    assert certs.check_signed_by(server["tls.crt"], authority["tls.crt"])["ok"]
    assert bundle_subjects(server["ca.crt"]) == bundle_subjects(authority["tls.crt"] + old_ca["tls.crt"])
    assert statefulset(api, namespace).spec.template.metadata.annotations[HASH] != published_hash
    assert "caRotation" not in read_tenant(api, namespace)["status"]["certificates"]["tls"]
