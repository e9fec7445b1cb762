"""Planted secrets: no Secret value reaches anything the collection writes or prints (issue 18).

SECURITY.md promises that Secret values never appear in task output, logs, events or ansible-runner
artifacts. Each test of that promise elsewhere looks at one output for one kind of Secret; this one
plants a distinctive value in every kind a Tenant references (the admin credentials, the internode RPC
secret, a real TLS private key, the local KMS master key, a provisioned user's secret key), drives a
Tenant that uses them all through the three modes (the user's in playbook mode, against the fake
RustFS), refused Tenants too (error messages are where values slip out), and searches
everything that came out:

- playbook mode: `ansible-playbook -vvv` output of a first run, a no-op rerun and refused runs;
- operator mode: the operator's log, every file of its work directory (the ansible-runner artifacts,
  the Tenant files it hands the playbook, the warm runner's files) and its HTTP endpoints;
- the API: Events, the Tenants (status included) and every other object in the namespaces, Secrets the
  test did not create included;
- render mode: `-vvv` output and the files written, from a file that holds the Secrets next to the
  Tenant, as users keep them;
- support output: `kubectl describe` and `kubectl get -o yaml` of the Tenant, its StatefulSet and pod,
  the demo's summary (`hack/demo_summary.py`) and every file of the support bundle
  (`rustfs.operator.support_bundle`, with the operator's log and metrics in operator mode), which is
  what a bug report carries.

Each value is searched raw and base64-encoded (a dumped Secret shows base64), and inside every base64
blob of the texts, inflated when it is zlib-compressed: the tenant role passes its plan from task to
task as one packed string (module_utils/progress.py) that a plain search could not see into.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import subprocess
import sys
import tarfile
import uuid
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import kube
import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from kubernetes import client
from operator_support import active_operator, label_tenant, wait_until
from support.fake_rustfs import FakeRustfs, serving
from support.playbook import REPO, PlaybookRun, run_playbook

from ansible_collections.rustfs.operator.plugins.module_utils import certificates as certs
from ansible_collections.rustfs.operator.plugins.module_utils import tls_names
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("crd")]

GROUP, VERSION, PLURAL = "rustfs.com", "v1alpha1", "tenants"
GOOD = "planted"
# Refused tenants, by what is wrong with their Secrets (see secrets_for), and the reasons expected
# (regular expressions).
REFUSED = {
    "bad-secrets": ("secrets", ("CredentialSecretInvalidEncoding", "RpcSecretInvalidValue")),
    "bad-tls": ("tls", ("CertificateKeyPairMismatch",)),
}
# The conditions of the Secrets' checks: True on the good tenant, so each Secret was read and checked.
CHECKED = ("CredentialsReady", "RpcAuthReady", "KmsReady", "TlsReady")
# A run of base64 long enough to hide a value; shorter runs are words and names.
BLOB = re.compile(r"[A-Za-z0-9+/]{24,}={0,2}")


# --- the planted values -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Planted:
    """One distinctive value per kind of Secret a Tenant references, and a CA to certify the key with."""

    access_key: str
    secret_key: str
    rpc_secret: str
    kms_master_key: str
    user_secret_key: str  # a provisioned user's (spec.users[].credsSecret)
    tls_key: str  # a real ECDSA P-256 private key, PEM (PKCS#8)
    ca: tuple[str, str]  # (certificate, key) PEM

    def __repr__(self) -> str:
        # pytest prints a failing test's arguments: the values stay out of CI logs.
        return f"Planted(starting {self.access_key[:10]!r}, ...)"

    def values(self) -> dict[str, str]:
        """The plain values by kind (the TLS key has forms of its own, see `needles`)."""
        return {
            "admin access key": self.access_key,
            "admin secret key": self.secret_key,
            "RPC secret": self.rpc_secret,
            "KMS master key": self.kms_master_key,
            "user secret key": self.user_secret_key,
        }


@dataclass(frozen=True)
class Needle:
    """One form of one planted value, named so that a hit says what leaked without printing it."""

    kind: str
    form: str
    text: str

    def hint(self) -> str:
        return f"{self.kind} ({self.form}, starting {self.text[:10]!r})"

    def __repr__(self) -> str:
        return f"Needle({self.hint()})"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def new_planted() -> Planted:
    token = uuid.uuid4().hex
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    ca_key = certs.generate_private_key("ECDSA")
    ca = certs.create_ca_certificate(ca_key, "planted CA", lifetime=timedelta(days=2)), ca_key
    return Planted(
        access_key=f"PLANTED-access-{token[:16]}",
        secret_key=f"PLANTED-secret-{token}",
        rpc_secret=f"PLANTED-rpc-{token}",
        kms_master_key=f"PLANTED-kms-{token}",
        user_secret_key=f"PLANTED-user-{token}",
        tls_key=pem,
        ca=ca,
    )


def needles(planted: Planted) -> list[Needle]:
    """Every form a leak could take: raw, base64 (a Secret's data), and for the key its PEM pieces.

    The PEM is searched whole and as a 40-character slice of one body line (JSON escapes the line
    breaks of a whole PEM); its base64 whole and as a slice from the middle. A slice from the start
    would not do: every P-256 PKCS#8 key begins with the same bytes. "PRIVATE KEY" catches any key,
    planted or not.
    """
    found = []
    for kind, value in planted.values().items():
        found += [Needle(kind, "raw", value), Needle(kind, "base64", b64(value))]
    body = [line for line in planted.tls_key.splitlines() if line and not line.startswith("-----")]
    encoded = b64(planted.tls_key)
    middle = len(encoded) // 2
    found += [
        Needle("TLS private key", "PEM", planted.tls_key),
        Needle("TLS private key", "PEM body slice", body[1][:40]),
        Needle("TLS private key", "base64 of the PEM", encoded),
        Needle("TLS private key", "slice of the base64 PEM", encoded[middle - 20 : middle + 20]),
        Needle("a private key", "PEM header", "PRIVATE KEY"),
    ]
    return found


# --- searching ----------------------------------------------------------------------------------------


def unpacked(text: str, depth: int = 2) -> str:
    """TEXT, then what every base64 blob in it decodes to (inflated when zlib-compressed), recursively.

    A value inside a larger base64 blob (a whole Secret encoded, the tenant role's packed progress)
    shows no trace of its own base64 form, which depends on its offset in the blob.
    """
    parts = [text]
    if depth > 0:
        for match in BLOB.finditer(text):
            blob = match.group()
            try:
                data = base64.b64decode(blob + "=" * (-len(blob) % 4))
            except (binascii.Error, ValueError):
                continue
            with contextlib.suppress(zlib.error):
                data = zlib.decompress(data)
            parts.append(unpacked(data.decode("utf-8", errors="replace"), depth - 1))
    return "\n".join(parts)


def leaks(found: Iterable[Needle], sources: Mapping[str, str]) -> list[str]:
    """One line per (needle, source) hit: what leaked, in which form, where; never the value itself."""
    searched = {where: unpacked(text) for where, text in sources.items()}
    return [f"{n.hint()} in {where}" for where, text in searched.items() for n in found if n.text in text]


def assert_no_leak(found: list[Needle], sources: Mapping[str, str]) -> None:
    __tracebackhide__ = True  # its arguments hold what leaked: the message names it instead
    hits = leaks(found, sources)
    assert not hits, f"{len(hits)} planted value(s) found:\n" + "\n".join(hits[:50])


class Capture:
    """The texts to search, by where they came from; an empty capture fails, as it would prove nothing."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}

    def add(self, where: str, text: str) -> None:
        assert text.strip(), f"{where}: nothing captured"
        self.texts[where] = text

    def add_tree(self, where: str, root: Path) -> list[Path]:
        """Every file under ROOT, decoded as UTF-8 with replacement (binary files are searched too)."""
        files = sorted(p for p in root.rglob("*") if p.is_file())
        assert files, f"{where}: no file under {root}"
        for path in files:
            self.texts[f"{where}/{path.relative_to(root)}"] = path.read_bytes().decode("utf-8", errors="replace")
        return files


# --- the Secrets and the Tenants ----------------------------------------------------------------------


def tenant_doc(namespace: str, name: str, provisioned: bool = False) -> dict[str, Any]:
    """A 1x1 tenant (local KMS allows one server in all) referencing every kind of Secret.

    PROVISIONED: with a user (spec.users) whose Secret holds the planted user secret key; it is
    provisioned in the fake RustFS the playbook test serves (tests/support/fake_rustfs.py).
    """
    prefix = name
    document: dict[str, Any] = {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "pools": [{"name": "p", "servers": 1, "persistence": {"volumesPerServer": 1}}],
            "credsSecret": {"name": f"{prefix}-creds"},
            "rpcSecret": {"name": f"{prefix}-rpc", "key": "rpc-secret"},
            "tls": {"mode": "certManager", "certManager": {"secretName": f"{prefix}-tls"}},
            "encryption": {
                "enabled": True,
                "backend": "local",
                "local": {"masterKeySecretRef": {"name": f"{prefix}-kms", "key": "master-key"}},
            },
        },
    }
    if provisioned:
        # Provisioning reads the user's Secret (spec 9.4) and sends its secret key to RustFS.
        document["spec"]["users"] = [{"name": f"{prefix}-user", "policies": ["readwrite"]}]
    return document


def secret_doc(namespace: str, name: str, values: Mapping[str, str | bytes], kind: str = "Opaque") -> dict[str, Any]:
    """A Secret as a user writes it: stringData, or data where a value is not text."""
    text = {k: v for k, v in values.items() if isinstance(v, str)}
    raw = {k: base64.b64encode(v).decode() for k, v in values.items() if isinstance(v, bytes)}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace},
        "type": kind,
        **({"stringData": text} if text else {}),
        **({"data": raw} if raw else {}),
    }


def secrets_for(planted: Planted, tenant: dict[str, Any], broken: str = "") -> list[dict[str, Any]]:
    """The Secrets TENANT references, holding the planted values.

    BROKEN makes them unusable in ways whose checks read the values, so that the error paths run with
    the values in hand: "secrets", a secret key that is not UTF-8 (CredentialSecretInvalidEncoding)
    and a NUL byte after the RPC secret (RpcSecretInvalidValue), both refused by the first phase;
    "tls", a certificate of another key next to the planted key (a key mismatch), refused by
    the TLS phase, which a tenant refused earlier never reaches.
    """
    namespace, name = tenant["metadata"]["namespace"], tenant["metadata"]["name"]
    dns = tls_names.tenant_dns_names(parse_tenant(tenant))
    key = certs.generate_private_key("ECDSA") if broken == "tls" else planted.tls_key
    crt = certs.create_server_certificate(key, planted.ca[0], planted.ca[1], dns_names=dns, lifetime=timedelta(days=1))
    secret_key: str | bytes = planted.secret_key
    rpc_secret = planted.rpc_secret
    if broken == "secrets":
        secret_key, rpc_secret = b"\xff" + planted.secret_key.encode(), rpc_secret + "\0"
    return [
        secret_doc(namespace, f"{name}-creds", {"accesskey": planted.access_key, "secretkey": secret_key}),
        secret_doc(namespace, f"{name}-rpc", {"rpc-secret": rpc_secret}),
        secret_doc(
            namespace,
            f"{name}-tls",
            {"tls.crt": crt, "tls.key": planted.tls_key, "ca.crt": planted.ca[0]},
            "kubernetes.io/tls",
        ),
        secret_doc(namespace, f"{name}-kms", {"master-key": planted.kms_master_key}),
        secret_doc(
            namespace, f"{name}-user", {"accesskey": f"{name}-user-access", "secretkey": planted.user_secret_key}
        ),
    ]


def manifest_file(path: Path, documents: list[dict[str, Any]]) -> Path:
    """The Secrets and the Tenant in one file, as users keep them (examples does too)."""
    path.write_text(yaml.safe_dump_all(documents, sort_keys=False))
    return path


def create_secrets(api: client.ApiClient, documents: list[dict[str, Any]]) -> list[str]:
    made = []
    for doc in documents:
        if doc["kind"] == "Secret":
            kube.apply(api, doc)
            made.append(doc["metadata"]["name"])
    return made


# --- reading the cluster ------------------------------------------------------------------------------


def custom(api: client.ApiClient) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(api)


def settled(api: client.ApiClient, namespace: str, name: str, state: str) -> dict[str, Any] | None:
    """The Tenant once it is in STATE, written by a run of its current generation."""
    tenant = kube.read_tenant(api, namespace, name)
    status = tenant.get("status") or {}
    generation = tenant["metadata"]["generation"]
    if status.get("observedGeneration") != generation or (status.get("lastRun") or {}).get("generation") != generation:
        return None
    return tenant if status.get("currentState") == state else None


def ready_reason(tenant: dict[str, Any]) -> tuple[str, str]:
    status = tenant.get("status") or {}
    ready = next((c for c in status.get("conditions") or [] if c["type"] == "Ready"), {})
    return str(status.get("currentState")), str(ready.get("reason"))


def capture_namespace(
    capture: Capture, api: client.ApiClient, namespace: str, ours: set[str], tenants: bool = True, when: str = ""
) -> None:
    """Events, Tenants (status included) and every other object in NAMESPACE, each as JSON.

    Secrets are left out only when the test created them (they hold the values by design): a Secret
    the collection wrote must not copy one. TENANTS: the namespace held Tenants, so Events about them.
    WHEN tells captures of one namespace at different times apart.
    """
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    policy, rbac = client.PolicyV1Api(api), client.RbacAuthorizationV1Api(api)
    listings = {
        "Lease": client.CoordinationV1Api(api).list_namespaced_lease,
        "Event": core.list_namespaced_event,
        "ConfigMap": core.list_namespaced_config_map,
        "Service": core.list_namespaced_service,
        "ServiceAccount": core.list_namespaced_service_account,
        "PersistentVolumeClaim": core.list_namespaced_persistent_volume_claim,
        "Pod": core.list_namespaced_pod,
        "StatefulSet": apps.list_namespaced_stateful_set,
        "PodDisruptionBudget": policy.list_namespaced_pod_disruption_budget,
        "Role": rbac.list_namespaced_role,
        "RoleBinding": rbac.list_namespaced_role_binding,
    }
    for kind, listing in listings.items():
        items = api.sanitize_for_serialization(listing(namespace).items)
        if items:
            capture.add(f"{kind}s in {namespace}{when}", json.dumps(items, indent=1))
    for tenant in custom(api).list_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL)["items"]:
        name = tenant["metadata"]["name"]
        capture.add(f"Tenant {namespace}/{name}", json.dumps(tenant, indent=1))
        capture.add(f"Tenant {namespace}/{name} status", json.dumps(tenant["status"], indent=1))
    for secret in core.list_namespaced_secret(namespace).items:
        if secret.metadata.name not in ours:
            capture.add(
                f"Secret {namespace}/{secret.metadata.name}{when}", json.dumps(api.sanitize_for_serialization(secret))
            )
    if tenants:
        events = core.list_namespaced_event(namespace).items
        assert any(e.involved_object.kind == "Tenant" for e in events), "no Event about a Tenant to search"


def capture_support_output(capture: Capture, kubeconfig: Path, namespace: str, name: str) -> None:
    """What a bug report carries (docs/troubleshooting.md): kubectl describe and get, and the demo's summary."""
    targets = [f"tenant/{name}", f"statefulset/{name}-p", f"pod/{name}-p-0"]
    for target in targets:
        for verb in (["describe"], ["get", "-o", "yaml"]):
            done = kube.kubectl(kubeconfig, "-n", namespace, *verb, target)
            capture.add(f"kubectl {' '.join(verb)} {target} in {namespace}", done.stdout + done.stderr)
    summary = subprocess.run(
        [sys.executable, str(REPO / "hack" / "demo_summary.py"), "summary", namespace, name],
        env={**os.environ, "KUBECONFIG": str(kubeconfig)},
        capture_output=True,
        text=True,
        check=True,
    )
    capture.add(f"demo_summary.py summary {namespace}/{name}", summary.stdout + summary.stderr)


def support_bundle(tmp_path: Path, namespace: str, name: str, *extra: str) -> tuple[PlaybookRun, Path]:
    """Run `rustfs.operator.support_bundle -vvv` as docs/support-bundle.md says (EXTRA: more `-e` pairs);
    (the run, the directory its archive was unpacked into)."""
    dest = tmp_path / f"bundle-{uuid.uuid4().hex[:6]}"
    options = [f"namespace={namespace}", f"name={name}", f"dest={dest}", *extra]
    run = run_playbook("rustfs.operator.support_bundle", "-vvv", *(p for o in options for p in ("-e", o)))
    assert run.returncode == 0, run.output[-4000:]
    unpacked = dest / "unpacked"
    with tarfile.open(dest / f"rustfs-support-{namespace}-{name}.tar.gz") as archive:
        archive.extractall(unpacked, filter="data")
    return run, unpacked


def capture_support_bundle(capture: Capture, tmp_path: Path, namespace: str, name: str, *extra: str) -> Path:
    """The support bundle's playbook output and every file of its archive; the archive's root directory."""
    run, unpacked = support_bundle(tmp_path, namespace, name, *extra)
    capture.add(f"ansible-playbook rustfs.operator.support_bundle -vvv {namespace}/{name}", run.output)
    capture.add_tree(f"support bundle of {namespace}/{name}", unpacked)
    return unpacked / f"rustfs-support-{namespace}-{name}"


# --- fixtures -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planted() -> Planted:
    return new_planted()


# --- the search itself can fail -----------------------------------------------------------------------


def test_the_search_finds_every_planted_value_where_it_is(planted: Planted, tmp_path: Path) -> None:
    """A broken search would pass every other test here: it must find each value where it is."""
    found = needles(planted)
    tenant = tenant_doc("ns", GOOD)
    secrets = secrets_for(planted, tenant)
    as_file = manifest_file(tmp_path / "tenant.yaml", [*secrets, tenant]).read_text()
    # The Secrets as the API returns them: data, base64.
    as_api = json.dumps([{"data": {k: b64(v) for k, v in s["stringData"].items()}} for s in secrets])
    # Deep in a packed record, as the tenant role's progress travels (module_utils/progress.py).
    packed = base64.b64encode(zlib.compress(json.dumps({"secrets": secrets}).encode())).decode()
    for where, text, forms in (
        ("file", as_file, {"raw", "PEM body slice", "PEM header"}),
        ("API", as_api, {"base64", "base64 of the PEM", "slice of the base64 PEM"}),
        ("packed", json.dumps({"progress": packed}), {"raw", "PEM body slice", "PEM header"}),
    ):
        hits = set(leaks(found, {where: text}))
        missed = {n.hint() for n in found if n.form in forms} - {hit.removesuffix(f" in {where}") for hit in hits}
        assert not missed, (where, missed)
    # The Tenant names its Secrets and holds no value: no false alarm on names.
    assert leaks(found, {"tenant": json.dumps(tenant)}) == []
    # A report of a hit names the value, it does not print it.
    assert not any(n.text in n.hint() or n.text in repr(planted) for n in found if len(n.text) > 11)


# --- playbook and render mode -------------------------------------------------------------------------


def assert_checked(tenant: dict[str, Any]) -> None:
    """Ready, with every Secret's check passed: the values were read, so they could have leaked."""
    assert ready_reason(tenant) == ("Ready", "ReconcileSucceeded"), tenant.get("status")
    conditions = {c["type"]: c["status"] for c in tenant["status"]["conditions"]}
    assert {kind: conditions.get(kind) for kind in CHECKED} == dict.fromkeys(CHECKED, "True"), conditions


def test_playbook_and_render_modes_print_and_write_no_planted_value(
    api: client.ApiClient, kubeconfig: Path, namespace: str, planted: Planted, tmp_path: Path
) -> None:
    capture = Capture()
    good = tenant_doc(namespace, GOOD, provisioned=True)
    good_secrets = secrets_for(planted, good)
    ours = set(create_secrets(api, good_secrets))
    source = manifest_file(tmp_path / "tenant.yaml", [*good_secrets, good])
    fake = FakeRustfs(access=planted.access_key, secret=planted.secret_key)
    rustfs = serving(fake)
    url = rustfs.__enter__()

    def play(path: Path) -> PlaybookRun:
        run = run_playbook(
            "rustfs.operator.tenant",
            "-vvv",
            extra_vars={"tenant_file": str(path), "wait": True, "wait_timeout": 60, "admin_endpoint": url},
            tmp_dir=tmp_path,
        )
        assert "task path:" in run.output, "not verbose output"
        capture.add(f"ansible-playbook -vvv {path.name} (run {len(capture.texts) + 1})", run.output)
        return run

    try:
        first = play(source)
        assert first.returncode == 0 and first.changed > 0, first.output[-4000:]
        assert_checked(kube.read_tenant(api, namespace, GOOD))
        # The user secret key was read and sent to RustFS: it was in hand, so it could have leaked.
        assert fake.iam.users[f"{GOOD}-user-access"]["secretKey"] == planted.user_secret_key
        again = play(source)
        assert again.returncode == 0 and again.changed == 0, again.output[-4000:]
    finally:
        rustfs.__exit__(None, None, None)
    for name, (broken, reasons) in REFUSED.items():
        tenant = tenant_doc(namespace, name)
        secrets = secrets_for(planted, tenant, broken)
        ours |= set(create_secrets(api, secrets))
        refused = play(manifest_file(tmp_path / f"{name}.yaml", [*secrets, tenant]))
        assert refused.returncode != 0, refused.output[-4000:]
        assert all(re.search(reason, refused.output) for reason in reasons), (reasons, refused.output[-4000:])

    out = tmp_path / "rendered"
    rendered = run_playbook("rustfs.operator.render", "-vvv", "-e", f"tenant_file={source}", "-e", f"output_dir={out}")
    assert rendered.returncode == 0, rendered.output[-4000:]
    capture.add("ansible-playbook rustfs.operator.render -vvv", rendered.output)
    written = capture.add_tree("render output", out)
    manifest = written[0].read_text()
    assert "kind: StatefulSet" in manifest and "RUSTFS_KMS_LOCAL_MASTER_KEY" in manifest
    # The Secrets reach the pods by reference (secretKeyRef, the TLS volume): each is named, no value.
    for secret in good_secrets[:-1]:  # the last, the user's, is for RustFS only (provisioning)
        assert f"name: {secret['metadata']['name']}" in manifest, secret["metadata"]["name"]

    capture_namespace(capture, api, namespace, ours)
    capture_support_output(capture, kubeconfig, namespace, GOOD)
    for name in (GOOD, *REFUSED):
        capture_support_bundle(capture, tmp_path, namespace, name)
    assert_no_leak(needles(planted), capture.texts)


# --- operator mode ------------------------------------------------------------------------------------


def test_operator_mode_logs_and_writes_no_planted_value(
    api: client.ApiClient, kubeconfig: Path, namespace: str, operator_home: Any, planted: Planted, tmp_path: Path
) -> None:
    capture = Capture()
    names = {GOOD: "", **{name: broken for name, (broken, _) in REFUSED.items()}}
    with active_operator(operator_home, "planted") as operator:
        ours: set[str] = set()
        for name, broken in names.items():
            tenant = label_tenant(tenant_doc(namespace, name), operator.instance)
            ours |= set(create_secrets(api, secrets_for(planted, tenant, broken)))
            custom(api).create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, tenant)
        wanted = {GOOD: "Ready", **dict.fromkeys(REFUSED, "Blocked")}
        found = {
            name: wait_until(
                lambda n=name: settled(api, namespace, n, wanted[n]), timeout=120, what=f"{name} {wanted[name]}"
            )
            for name in names
        }
        assert_checked(found[GOOD])
        for name, (_, reasons) in REFUSED.items():
            reason = ready_reason(found[name])[1]
            assert any(re.fullmatch(pattern, reason) for pattern in reasons), found[name]["status"]
        for path in ("/healthz", "/readyz", "/metrics"):
            status, body = operator.get(path)
            assert status == 200, (path, body)
            capture.add(f"operator {path}", body)
        capture_namespace(capture, api, namespace, ours)
        capture_support_output(capture, kubeconfig, namespace, GOOD)
        sources = (
            f"operator_log_file={operator.log}",
            f"operator_metrics_url=http://127.0.0.1:{operator.port}/metrics",
        )
        for name in names:
            capture_support_bundle(capture, tmp_path, namespace, name, *sources)
        # Before the deletion below, which removes each tenant's run directory.
        work = operator.work / f"work-{operator.port}"
        files = capture.add_tree("operator work directory", work)
        assert any("artifacts" in p.parts for p in files), f"no ansible-runner artifact under {work}"
        assert any(p.name == "tenants.json" for p in files), "no Tenant file handed to a run"

        # Deleted while the operator runs: its finalizer goes, and the deletion is logged and evented too.
        for name in names:
            custom(api).delete_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, name)
        for name in names:
            kube.wait_gone(lambda n=name: kube.read_tenant(api, namespace, n), timeout=60, what=f"{name} deleted")
        capture_namespace(capture, api, namespace, ours, when=" after the deletion")
        capture_namespace(capture, api, operator_home[0], set(), tenants=False)  # its Lease, its Events
    # Stopped: its log is complete.
    log = operator.output()
    assert f"{namespace}/{GOOD}" in log, "the log says nothing about the tenant"
    capture.add("operator log", log)
    assert_no_leak(needles(planted), capture.texts)
