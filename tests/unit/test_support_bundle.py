"""The support bundle's redaction and layout (module_utils/support_bundle.py), pure."""

from __future__ import annotations

import base64
import io
import json
import tarfile
from typing import Any

import yaml

from ansible_collections.rustfs.operator.plugins.module_utils import support_bundle as sb

SECRET_KEY = "sb-unit-secret-key-0123456789"
RPC = "sb-unit-rpc-value-abcdef"
PEM = (
    "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n"
    "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdef\n-----END PRIVATE KEY-----\n"
)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def secret(name: str, values: dict[str, str], kind: str = "Opaque", **metadata: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": "ns", **metadata},
        "type": kind,
        "data": {k: b64(v) for k, v in values.items()},
    }


def tenant() -> dict[str, Any]:
    return {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "metadata": {
            "name": "t",
            "namespace": "ns",
            "uid": "u-1",
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": json.dumps({"secret": SECRET_KEY})},
            "managedFields": [{"manager": "kubectl"}],
        },
        "spec": {
            "pools": [{"name": "p", "servers": 4, "persistence": {"volumesPerServer": 2}}],
            "credsSecret": {"name": "t-creds"},
            "rpcSecret": {"name": "t-rpc", "key": "rpc-secret"},
            "env": [
                {"name": "RUSTFS_ROOT_PASSWORD", "value": "literal-password-1"},
                {"name": "RUSTFS_API_TOKEN", "value": "literal-token-1"},
                {"name": "RUSTFS_REGION", "value": "eu-1"},
                {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "t-extra", "key": "k"}}},
            ],
        },
        "status": {"currentState": "Ready", "conditions": [{"type": "Ready", "status": "True"}]},
    }


SECRETS = [
    secret("t-creds", {"accesskey": "sb-unit-access-key", "secretkey": SECRET_KEY}),
    secret("t-rpc", {"rpc-secret": RPC}),
    secret("t-tls", {"tls.key": PEM, "tls.crt": "cert"}, "kubernetes.io/tls"),
]


def test_referenced_secret_names_walks_every_reference() -> None:
    names = sb.referenced_secret_names(tenant())
    assert {"t-creds", "t-rpc", "t-extra"} <= set(names)
    assert names == sorted(names)
    # An invalid Tenant still gives its plain references.
    assert sb.referenced_secret_names({"spec": {"credsSecret": {"name": "x"}, "pools": "nonsense"}}) == ["x"]


def test_secret_values_hold_raw_base64_and_pem_lines() -> None:
    values = sb.secret_values(SECRETS)
    assert SECRET_KEY in values and b64(SECRET_KEY) in values and RPC in values
    assert "Ab" + "CdEfGhIjKlMnOpQrStUvWxYz0123456789abcdef" in values  # a PEM body line
    assert "cert" in values and "abc" not in values  # at least MIN_EXACT characters


def test_a_secret_is_listed_by_name_type_and_keys_only() -> None:
    listing = sb.secret_listing({**SECRETS[0], "stringData": {"extra": "v"}})
    assert listing["name"] == "t-creds" and listing["type"] == "Opaque"
    assert listing["data"] == {"accesskey": sb.REDACTED, "extra": sb.REDACTED, "secretkey": sb.REDACTED}
    assert sb.redact_object(SECRETS[1], sb.Scrubber())["data"] == {"rpc-secret": sb.REDACTED}


def test_objects_lose_secret_env_values_last_applied_and_managed_fields() -> None:
    scrubber = sb.Scrubber(sb.secret_values(SECRETS))
    redacted = sb.redact_object(tenant(), scrubber)
    text = json.dumps(redacted)
    assert "managedFields" not in redacted["metadata"]
    assert redacted["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] == sb.REDACTED
    env = {e["name"]: e for e in redacted["spec"]["env"]}
    assert env["RUSTFS_ROOT_PASSWORD"]["value"] == env["RUSTFS_API_TOKEN"]["value"] == sb.REDACTED
    assert env["RUSTFS_REGION"]["value"] == "eu-1"
    assert env["FROM_SECRET"]["valueFrom"]["secretKeyRef"]["name"] == "t-extra"  # references stay
    for leaked in ("literal-password-1", "literal-token-1", SECRET_KEY):
        assert leaked not in text
    assert tenant()["spec"]["env"][0]["value"] == "literal-password-1"  # the input is left alone


def test_texts_are_scrubbed_of_values_raw_base64_and_key_blocks() -> None:
    scrubber = sb.Scrubber(sb.secret_values(SECRETS))
    log = f"starting with {SECRET_KEY} and {b64(RPC)}\n{PEM}\njson {json.dumps(PEM)}\nport 8080 true\n"
    cleaned = scrubber.text(log)
    for leaked in (SECRET_KEY, b64(RPC), "PRIVATE KEY", "AbCdEfGhIjKlMnOpQrStUvWxYz"):
        assert leaked not in cleaned
    assert "port 8080 true" in cleaned and scrubber.replaced >= 3
    # A short value is replaced where a whole string equals it, never inside words.
    assert scrubber.value({"a": "cert", "b": "certificate"}) == {"a": sb.REDACTED, "b": "certificate"}


def test_a_truncated_key_block_is_still_removed() -> None:
    assert "PRIVATE" not in sb.Scrubber().text("tail: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEE")


def test_history_records_are_parsed_and_redacted() -> None:
    record = {"spec": {"env": [{"name": "RUSTFS_SECRET_KEY", "value": "literal-in-history"}]}, "generation": 3}
    configmap = {"kind": "ConfigMap", "metadata": {"name": "t-history"}, "data": {"last-good.json": json.dumps(record)}}
    redacted = sb.redact_history(configmap, sb.Scrubber())
    assert redacted is not None
    assert redacted["data"]["last-good.json"]["spec"]["env"][0]["value"] == sb.REDACTED
    assert redacted["data"]["last-good.json"]["generation"] == 3
    assert sb.redact_history(None, sb.Scrubber()) is None


def collected() -> sb.Collected:
    pod = {
        "kind": "Pod",
        "metadata": {"name": "t-p-0", "labels": {"rustfs.tenant": "t"}},
        "spec": {"containers": [{"name": "rustfs", "env": [{"name": "RUSTFS_SECRET_KEY", "value": SECRET_KEY}]}]},
    }
    events = [
        {
            "kind": "Event",
            "metadata": {"name": "e2"},
            "involvedObject": {"kind": "Pod", "name": "t-p-0"},
            "message": RPC,
        },
        {"kind": "Event", "metadata": {"name": "e1"}, "involvedObject": {"kind": "Tenant", "name": "t"}},
        {"kind": "Event", "metadata": {"name": "e3"}, "involvedObject": {"kind": "Pod", "name": "other"}},
    ]
    return sb.Collected(
        namespace="ns",
        name="t",
        collected_at="2026-01-01T00:00:00Z",
        tenant=tenant(),
        owned={"Pod": [pod]},
        secrets=SECRETS,
        missing_secrets=["t-extra"],
        events=sb.related_events(events, [("Tenant", "t"), ("Pod", "t-p-0")]),
        operator_logs=[("file op.log", f"reconciled with {SECRET_KEY}\n")],
        sources=[sb.Source("metrics", False, "not asked for")],
    )


def test_the_bundle_has_every_file_and_no_value() -> None:
    files = sb.bundle_files(collected())
    assert list(files) == list(sb.FILES)
    assert all(text.strip() for text in files.values())
    everything = "\n".join(files.values())
    for leaked in (SECRET_KEY, RPC, b64(SECRET_KEY), "PRIVATE KEY", "literal-password-1"):
        assert leaked not in everything
    summary = json.loads(files["summary.json"])
    assert summary["events"] == 2 and summary["redactions"] >= 2 and summary["objects"]["Pod"] == 1
    assert {"source": "metrics", "available": False, "detail": "not asked for"} in summary["sources"]
    secrets = yaml.safe_load(files["secrets.yaml"])["items"]
    assert [s["name"] for s in secrets] == ["t-creds", "t-rpc", "t-tls", "t-extra"]
    assert secrets[-1] == {"name": "t-extra", "missing": True}
    assert "metrics: unavailable: not asked for" in files["operator/metrics.txt"]
    assert "reconciled with <redacted>" in files["operator/logs.txt"]
    layout = yaml.safe_load(files["analysis/erasure-layout.yaml"])
    assert layout["valid"] is True and layout["totals"]["drives"] == 8
    checks = yaml.safe_load(files["analysis/configuration-checks.yaml"])
    assert checks["validation"] == [] and "StorageClasses: could not be read" in checks["configuration"]["skipped"]
    assert [e["metadata"]["name"] for e in yaml.safe_load(files["events.yaml"])["items"]] == ["e1", "e2"]
    assert "UNAVAILABLE" in files["README.md"]


def test_a_bundle_of_a_missing_tenant_says_so_in_every_file() -> None:
    files = sb.bundle_files(sb.Collected("ns", "gone", "2026-01-01T00:00:00Z"))
    assert list(files) == list(sb.FILES) and all(text.strip() for text in files.values())
    assert "does not exist" in files["tenant.yaml"]
    assert "unavailable" in files["analysis/erasure-layout.yaml"]


def test_secret_checks_give_verdicts_only() -> None:
    problems = sb.secret_checks(tenant(), {"t-rpc": SECRETS[1]})
    assert [p["reason"] for p in problems] == ["CredentialSecretNotFound"]
    assert RPC not in json.dumps(problems)


def test_the_archive_is_deterministic() -> None:
    files = sb.bundle_files(collected())
    data = sb.archive(files, "rustfs-support-ns-t", 1_700_000_000)
    assert data == sb.archive(files, "rustfs-support-ns-t", 1_700_000_000)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        assert tar.getnames() == [f"rustfs-support-ns-t/{name}" for name in sb.FILES]
    assert sb.archive_name("ns", "t") == "rustfs-support-ns-t.tar.gz"


def test_secret_env_names() -> None:
    for name in ("RUSTFS_SECRET_KEY", "RUSTFS_ACCESS_KEY", "RUSTFS_ROOT_PASSWORD", "VAULT_TOKEN", "KEY", "API_KEY_1"):
        assert sb.secret_env_name(name), name
    for name in ("RUSTFS_KMS_KEY_DIR", "RUSTFS_VOLUMES", "RUSTFS_KMS_ENABLE", "MONKEY", "RUSTFS_REGION"):
        assert not sb.secret_env_name(name), name


class FakeLogs:
    def get(self, name: str, namespace: str, serialize: bool, query_params: dict[str, Any]) -> Any:
        assert serialize is False
        text = f"{namespace}/{name} {query_params['container']} last {query_params['tailLines']}: {SECRET_KEY}\n"
        return type("Response", (), {"data": text.encode()})()


class FakeClient:
    """Just what the module's operator sources call: a pod list and pods/log."""

    def __init__(self, pods: list[dict[str, Any]]) -> None:
        self.pods = pods
        self.log = FakeLogs()

    def resource(self, kind: str, api_version: str) -> Any:
        return self

    def get(self, resource: Any, namespace: str, label_selector: str | None = None) -> dict[str, Any]:
        assert label_selector == "app=op"
        return {"items": self.pods}


def test_the_operator_sources_record_what_they_read_and_why_not(tmp_path: Any) -> None:
    from ansible_collections.rustfs.operator.plugins.modules import support_bundle as module

    pods = [{"metadata": {"name": n}, "spec": {"containers": [{"name": "operator"}]}} for n in ("op-b", "op-a")]
    log = tmp_path / "operator.log"
    log.write_text("".join(f"line {i}\n" for i in range(10)))
    params = {
        "operator_namespace": "ops",
        "operator_selector": "app=op",
        "operator_log_file": str(log),
        "operator_metrics_url": "file:///etc/passwd",
        "log_lines": 3,
        "timeout": 1,
    }
    found = sb.Collected("ns", "t", "2026-01-01T00:00:00Z", secrets=SECRETS[:1])
    module._read_operator(found, FakeClient(pods), params)
    assert [where for where, _ in found.operator_logs] == [
        "pod ops/op-a container operator",
        "pod ops/op-b container operator",
        f"file {log}",
    ]
    assert found.operator_logs[0][1].startswith("ops/op-a operator last 3")
    assert found.operator_logs[2][1] == "line 7\nline 8\nline 9"
    sources = {s.name: s for s in found.sources}
    assert sources["logs from pods of ops (app=op)"].available
    assert sources[f"logs from file {log}"].available
    assert "http:// or https://" in sources["metrics from file:///etc/passwd"].detail
    assert SECRET_KEY not in sb.bundle_files(found)["operator/logs.txt"]

    nothing = sb.Collected("ns", "t", "2026-01-01T00:00:00Z")
    module._read_operator(nothing, FakeClient([]), {"operator_namespace": "ops", "operator_selector": "app=op"})
    assert [(s.name, s.available) for s in nothing.sources] == [
        ("logs from pods of ops (app=op)", False),
        ("logs from a file", False),
        ("metrics", False),
    ]
    assert "no pod in ops matches app=op" in nothing.sources[0].detail


def test_a_user_without_creds_secret_reads_the_secret_named_after_it() -> None:
    """Provisioning reads such a user's keys from a Secret of the user's name: the bundle lists it too."""
    spec = {
        "credsSecret": {"name": "admin"},
        "users": [{"name": "alice"}, {"name": "bob", "credsSecret": {"name": "bob-keys"}}, "nonsense"],
    }
    assert sb.referenced_secret_names({"spec": spec}) == ["admin", "alice", "bob-keys"]
