# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""The support bundle of a tenant (issue 17, item 4): its files, redacted, and the archive.

A bug report needs the facts a maintainer would ask for: the Tenant and its status, the
history, every object the collection made for it, the Events about them, what the operator
logged and counted, and what the engine concludes (the erasure layout, the configuration
checks). This module turns what a caller read into the files of the bundle
(docs/support-bundle.md lists them) and packs them into one deterministic tar.gz.

Nothing secret leaves: a Secret is listed by name, type and keys, its values replaced by
`<redacted>`; environment values whose name says secret are replaced too; the
`last-applied-configuration` annotation (a copy of a whole object, a Secret's stringData
included) and managedFields are dropped; and every text of the bundle (logs and metrics too)
is scrubbed of the values of the Secrets the tenant references, raw and base64-encoded, and
of any PEM private key block.

Pure: the caller reads the cluster, the operator's logs and metrics, and writes the archive.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import gzip
import io
import json
import re
import tarfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.checks import ClusterFacts, configuration_problems
from ansible_collections.rustfs.operator.plugins.module_utils.credentials import (
    check_credentials_secret,
    check_kms_secret,
    check_rpc_secret,
    kms_secret_ref,
)
from ansible_collections.rustfs.operator.plugins.module_utils.erasure import tenant_layout
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, as_dict, as_list, parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.rbac import referenced_secrets as rbac_secrets
from ansible_collections.rustfs.operator.plugins.module_utils.schema import drop_nulls, pruned_spec
from ansible_collections.rustfs.operator.plugins.module_utils.tls import referenced_secrets as tls_secrets
from ansible_collections.rustfs.operator.plugins.module_utils.validation import validate_tenant

REDACTED = "<redacted>"
# Its replacement names no key kind: the bundle must not even hold the words of a PEM key header.
REDACTED_KEY = "<redacted key block>"
# Dropped from every object: a full copy of the object as last applied (a Secret's stringData
# included), and the field managers' bookkeeping (noise, and large).
DROPPED_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)
# Environment variables whose literal value is a credential, by name.
SECRET_ENV_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE|AUTH|(^|_)KEY($|_)", re.IGNORECASE)
# ...except those whose name says it holds a location or a switch (RUSTFS_KMS_KEY_DIR), which a
# diagnosis needs; a Secret's value there would still be scrubbed by value.
NOT_SECRET_ENV_NAME = re.compile(r"_(DIR|PATH|FILE|ENABLE|ENABLED|BACKEND)$", re.IGNORECASE)
PEM_KEY_BLOCK = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)", re.S)
# Secret values shorter than this are replaced only where a whole string equals them: a short value
# (a "true", a port) would otherwise blank every word that contains it.
MIN_SUBSTRING = 8
MIN_EXACT = 4

# Every file of a bundle, in the archive's order, under the directory `<namespace>-<name>/`.
FILES = (
    "README.md",
    "summary.json",
    "tenant.yaml",
    "status.yaml",
    "history.yaml",
    "objects/statefulsets.yaml",
    "objects/services.yaml",
    "objects/serviceaccounts.yaml",
    "objects/roles.yaml",
    "objects/rolebindings.yaml",
    "objects/poddisruptionbudgets.yaml",
    "objects/ingresses.yaml",
    "objects/networkpolicies.yaml",
    "objects/persistentvolumeclaims.yaml",
    "objects/pods.yaml",
    "objects/configmaps.yaml",
    "secrets.yaml",
    "events.yaml",
    "analysis/erasure-layout.yaml",
    "analysis/configuration-checks.yaml",
    "operator/logs.txt",
    "operator/metrics.txt",
)
# The owned kinds: (kind, apiVersion, file).
OWNED_KINDS = (
    ("StatefulSet", "apps/v1", "objects/statefulsets.yaml"),
    ("Service", "v1", "objects/services.yaml"),
    ("ServiceAccount", "v1", "objects/serviceaccounts.yaml"),
    ("Role", "rbac.authorization.k8s.io/v1", "objects/roles.yaml"),
    ("RoleBinding", "rbac.authorization.k8s.io/v1", "objects/rolebindings.yaml"),
    ("PodDisruptionBudget", "policy/v1", "objects/poddisruptionbudgets.yaml"),
    ("Ingress", "networking.k8s.io/v1", "objects/ingresses.yaml"),
    ("NetworkPolicy", "networking.k8s.io/v1", "objects/networkpolicies.yaml"),
    ("PersistentVolumeClaim", "v1", "objects/persistentvolumeclaims.yaml"),
    ("Pod", "v1", "objects/pods.yaml"),
    ("ConfigMap", "v1", "objects/configmaps.yaml"),
)

try:
    import yaml
except ImportError:  # pragma: no cover - the import sanity test runs without it (requirements.txt)
    yaml = None  # type: ignore[assignment]


# --- which Secrets ---------------------------------------------------------------------------------


def _named_refs(value: Any, key: str = "") -> Iterable[str]:
    """Secret names anywhere in a spec: `secretName: x`, `secretKeyRef`/`secretRef`/`*Secret`/`*SecretRef`
    objects with a `name` (env valueFrom, envFrom, volumes, credsSecret, rpcSecret, kmsSecret...)."""
    if isinstance(value, Mapping):
        lowered = key.lower()
        if (lowered.endswith(("secret", "secretref", "secretkeyref"))) and isinstance(value.get("name"), str):
            yield value["name"]
        for child_key, child in value.items():
            if child_key == "secretName" and isinstance(child, str):
                yield child
            else:
                yield from _named_refs(child, str(child_key))
    elif isinstance(value, list):
        for item in value:
            yield from _named_refs(item, key)


def referenced_secret_names(tenant: Mapping[str, Any]) -> list[str]:
    """The Secrets a Tenant document reads, sorted: its references, and the TLS Secrets it uses or makes."""
    spec = as_dict(tenant.get("spec"))
    names = set(_named_refs(spec))
    kms = kms_secret_ref(spec)
    if kms is not None:
        names.add(kms.name)
    # A user of spec.users without credsSecret keeps its keys in a Secret named after it (provisioning):
    # listed (redacted) and its values scrubbed like any other the tenant reads.
    for user in as_list(spec.get("users")):
        named = isinstance(user, Mapping) and isinstance(user.get("name"), str)
        if named and not as_dict(user.get("credsSecret")).get("name"):
            names.add(user["name"])
    try:
        parsed = parse_tenant(pruned_spec(drop_nulls(dict(tenant))))
        names |= set(rbac_secrets(parsed)) | set(tls_secrets(parsed))
    except (ValueError, TypeError, KeyError, AttributeError):
        pass  # an invalid Tenant: its plain references above are what there is
    return sorted(n for n in names if n)


def secret_checks(tenant: Mapping[str, Any] | None, secrets: Mapping[str, Mapping[str, Any]]) -> list[JSON]:
    """The verdicts on the Secrets the Tenant references (spec 5), from SECRETS by name: never a value."""
    spec = as_dict(as_dict(tenant).get("spec"))
    found: list[JSON] = []
    creds = as_dict(spec.get("credsSecret")).get("name")
    if isinstance(creds, str) and creds:
        found += [dict(p) for p in check_credentials_secret(creds, secrets.get(creds))]
    rpc = as_dict(spec.get("rpcSecret"))
    if isinstance(rpc.get("name"), str) and isinstance(rpc.get("key"), str) and rpc["name"]:
        found += [dict(p) for p in check_rpc_secret(rpc["name"], rpc["key"], secrets.get(rpc["name"]))]
    kms = kms_secret_ref(spec)
    if kms is not None:
        found += [dict(p) for p in check_kms_secret(kms, secrets.get(kms.name))]
    return found


# --- redaction -------------------------------------------------------------------------------------


def _decoded(text: str) -> str | None:
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def secret_values(secrets: Iterable[Mapping[str, Any] | None]) -> list[str]:
    """The strings to scrub for these Secrets: each value as text and as stored (base64), and each long
    line of a multi-line value (a PEM written into JSON loses its line breaks)."""
    found: set[str] = set()
    for secret in secrets:
        for stored in as_dict(as_dict(secret).get("data")).values():
            if not isinstance(stored, str):
                continue
            found.add(stored)
            text = _decoded(stored)
            if text is None:
                continue
            found |= {text, text.strip(), base64.b64encode(text.strip().encode()).decode()}
            found |= {line.strip() for line in text.splitlines() if len(line.strip()) >= 16}
        for text in as_dict(as_dict(secret).get("stringData")).values():
            if isinstance(text, str):
                found |= {text, base64.b64encode(text.encode()).decode()}
    return sorted((v for v in found if len(v) >= MIN_EXACT), key=lambda v: (-len(v), v))


@dataclass
class Scrubber:
    """Replaces secret values in strings and counts what it replaced."""

    values: Sequence[str] = ()
    replaced: int = 0
    _pattern: re.Pattern[str] | None = field(default=None, init=False, repr=False)
    _exact: frozenset[str] = field(default=frozenset(), init=False, repr=False)

    def __post_init__(self) -> None:
        long = [v for v in self.values if len(v) >= MIN_SUBSTRING]
        self._exact = frozenset(self.values)
        # Longest first, so a value is replaced before a shorter value inside it.
        self._pattern = re.compile("|".join(re.escape(v) for v in long)) if long else None

    def text(self, text: str) -> str:
        if text in self._exact:
            self.replaced += 1
            return REDACTED
        text, keys = PEM_KEY_BLOCK.subn(REDACTED_KEY, text)
        self.replaced += keys
        if self._pattern is not None:
            text, count = self._pattern.subn(REDACTED, text)
            self.replaced += count
        return text

    def value(self, value: Any) -> Any:
        """VALUE with every string (keys too) scrubbed."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(item) for item in value]
        return value


def secret_env_name(name: str) -> bool:
    """Whether an environment variable of this name holds a credential when its value is literal."""
    return bool(SECRET_ENV_NAME.search(name)) and not NOT_SECRET_ENV_NAME.search(name)


def _redact_env(value: Any) -> Any:
    """Every `env` list anywhere: a literal value of a variable whose name says secret becomes `<redacted>`."""
    if isinstance(value, Mapping):
        result = {}
        for key, child in value.items():
            if key == "env" and isinstance(child, list):
                child = [
                    {**item, "value": REDACTED}
                    if isinstance(item, Mapping) and "value" in item and secret_env_name(str(item.get("name")))
                    else item
                    for item in child
                ]
            result[key] = _redact_env(child)
        return result
    if isinstance(value, list):
        return [_redact_env(item) for item in value]
    return value


def redact_object(obj: Mapping[str, Any], scrubber: Scrubber) -> JSON:
    """An API object fit for the bundle: no managedFields, no last-applied copy, secret env values and
    Secret values replaced. A Secret itself becomes its listing (secret_listing)."""
    if obj.get("kind") == "Secret":
        return secret_listing(obj)
    document = copy.deepcopy(dict(obj))
    metadata = document.get("metadata")
    if isinstance(metadata, dict):
        metadata.pop("managedFields", None)
        annotations = metadata.get("annotations")
        for key in DROPPED_ANNOTATIONS:
            if isinstance(annotations, dict) and key in annotations:
                annotations[key] = REDACTED
    redacted: JSON = scrubber.value(_redact_env(document))
    return redacted


def secret_listing(secret: Mapping[str, Any]) -> JSON:
    """A Secret as the bundle shows it: name, type, labels and its keys, every value `<redacted>`."""
    metadata = as_dict(secret.get("metadata"))
    keys = sorted({*as_dict(secret.get("data")), *as_dict(secret.get("stringData"))})
    return {
        "name": metadata.get("name"),
        "type": secret.get("type"),
        "labels": dict(as_dict(metadata.get("labels"))),
        "owners": [
            f"{as_dict(o).get('kind')}/{as_dict(o).get('name')}" for o in as_list(metadata.get("ownerReferences"))
        ],
        "data": dict.fromkeys(keys, REDACTED),
    }


def redact_history(configmap: Mapping[str, Any] | None, scrubber: Scrubber) -> JSON | None:
    """The history ConfigMap, its JSON records parsed so that their env values are redacted like a spec's."""
    if configmap is None:
        return None
    document = redact_object(configmap, Scrubber())  # scrubbed below, once parsed
    data = document.get("data")
    if isinstance(data, dict):
        for key, text in list(data.items()):
            with contextlib.suppress(ValueError):
                data[key] = json.loads(text) if isinstance(text, str) else text
    redacted: JSON = scrubber.value(_redact_env(document))
    return redacted


# --- what goes in ----------------------------------------------------------------------------------


@dataclass
class Source:
    """One source of the bundle: whether it was read, and why not."""

    name: str
    available: bool
    detail: str = ""

    def to_dict(self) -> JSON:
        return {"source": self.name, "available": self.available, "detail": self.detail}


@dataclass
class Collected:
    """What the caller read, unredacted: the archive gets only what bundle_files makes of it."""

    namespace: str
    name: str
    collected_at: str
    tenant: JSON | None = None
    history: JSON | None = None
    owned: dict[str, list[JSON]] = field(default_factory=dict)  # kind -> objects
    secrets: list[JSON] = field(default_factory=list)  # the referenced and owned Secrets, values included
    missing_secrets: list[str] = field(default_factory=list)
    events: list[JSON] = field(default_factory=list)
    facts: ClusterFacts | None = None
    secret_problems: list[JSON] = field(default_factory=list)
    operator_logs: list[tuple[str, str]] = field(default_factory=list)  # (where, text)
    operator_metrics: list[tuple[str, str]] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)


def _yaml(value: Any) -> str:
    return yaml.safe_dump(value, sort_keys=True, default_flow_style=False, allow_unicode=True, width=10000)


def _listing(items: Sequence[JSON], what: str) -> str:
    """A YAML list of objects, with a comment that makes an empty one say so."""
    header = f"# {len(items)} {what}\n" if items else f"# none: no {what}\n"
    return header + _yaml({"items": list(items)})


def about(obj: Mapping[str, Any]) -> tuple[str, str]:
    metadata = as_dict(obj.get("metadata"))
    return str(obj.get("kind")), str(metadata.get("name"))


def related_events(events: Sequence[Mapping[str, Any]], objects: Iterable[tuple[str, str]]) -> list[JSON]:
    """Events whose involvedObject (or `regarding`) is one of OBJECTS (kind, name), oldest first."""
    wanted = set(objects)

    def subject(event: Mapping[str, Any]) -> tuple[str, str]:
        target = as_dict(event.get("involvedObject") or event.get("regarding"))
        return str(target.get("kind")), str(target.get("name"))

    def when(event: Mapping[str, Any]) -> str:
        return str(
            event.get("lastTimestamp")
            or event.get("eventTime")
            or as_dict(event.get("metadata")).get("creationTimestamp")
            or ""
        )

    found = [dict(e) for e in events if subject(e) in wanted]
    return sorted(found, key=lambda e: (when(e), str(as_dict(e.get("metadata")).get("name"))))


def analysis(tenant: Mapping[str, Any] | None, facts: ClusterFacts | None, statefulsets: Sequence[JSON]) -> JSON:
    """(erasure layout, checks) as the engine computes them for the stored Tenant."""
    if tenant is None:
        return {"layout": {"unavailable": "the Tenant does not exist"}, "checks": {"unavailable": "no Tenant"}}
    tenant = {key: value for key, value in tenant.items() if key != "status"}  # the spec is what is checked
    errors = validate_tenant(dict(tenant), erasure_layout=False)
    checks: JSON = {"validation": [dict(e) for e in errors]}
    if errors:
        layout: JSON = {"unavailable": "the Tenant is invalid (see configuration-checks.yaml)"}
        checks["configuration"] = {"unavailable": "the Tenant is invalid"}
        return {"layout": layout, "checks": checks}
    parsed = parse_tenant(pruned_spec(drop_nulls(dict(tenant))))
    layout = tenant_layout(parsed).to_dict()
    existing = [str(as_dict(as_dict(s.get("metadata")).get("labels")).get(c.LABEL_POOL, "")) for s in statefulsets]
    problems, warnings = configuration_problems(parsed, facts or ClusterFacts(), existing)
    facts = facts or ClusterFacts()
    checks["configuration"] = {
        "problems": [dict(p) for p in problems],
        "warnings": [dict(w) for w in warnings],
        "skipped": [
            f"{what}: could not be read"
            for what, known in (
                ("StorageClasses", facts.storage_classes),
                ("Nodes", facts.nodes),
                ("PriorityClasses", facts.priority_classes),
            )
            if known is None
        ],
    }
    return {"layout": layout, "checks": checks}


# --- the files -------------------------------------------------------------------------------------


def _text_sources(parts: Sequence[tuple[str, str]], sources: Sequence[Source], kind: str, scrubber: Scrubber) -> str:
    lines = [f"# {kind} of the operator: each source below is marked by a line starting with '==> '"]
    for source in sources:
        if source.name.startswith(kind) and not source.available:
            lines.append(f"==> {source.name}: unavailable: {source.detail}")
    for where, text in parts:
        lines += [f"==> {where}", scrubber.text(text).rstrip("\n")]
    if len(lines) == 1:
        lines.append("==> no source of this kind was given (see README.md, Sources)")
    return "\n".join(lines) + "\n"


def _readme(collected: Collected, summary: JSON) -> str:
    status = as_dict(as_dict(collected.tenant).get("status"))
    lines = [
        f"# Support bundle of RustFS tenant {collected.namespace}/{collected.name}",
        "",
        f"Collected at {collected.collected_at} by rustfs.operator.support_bundle.",
        "",
        "## State",
        "",
        f"- Tenant exists: {'yes' if collected.tenant is not None else 'no'}",
        f"- currentState: {status.get('currentState', 'unknown')}",
        f"- observedGeneration: {status.get('observedGeneration', 'unknown')}",
    ]
    for condition in as_list(status.get("conditions")):
        condition = as_dict(condition)
        if condition.get("status") != "True" or condition.get("type") == "Ready":
            lines.append(f"- condition {condition.get('type')}={condition.get('status')} ({condition.get('reason')})")
    lines += ["", "## Counts", ""]
    lines += [f"- {kind}: {count}" for kind, count in summary["objects"].items()]
    lines += [f"- Secrets listed (values redacted): {summary['secrets']}", f"- Events: {summary['events']}"]
    lines += ["", "## Sources", ""]
    for source in collected.sources:
        state = "read" if source.available else "UNAVAILABLE"
        lines.append(f"- {source.name}: {state}" + (f" ({source.detail})" if source.detail else ""))
    lines += [
        "",
        "## Redaction",
        "",
        "Secrets are listed by name, type and keys; every value reads <redacted>. Environment values whose",
        "name says secret (SECRET, PASSWORD, TOKEN, KEY, ...) are replaced, the last-applied-configuration",
        "annotation is replaced and managedFields dropped, and every text here (logs and metrics included) was",
        f"scrubbed of the values of the tenant's Secrets, raw and base64 ({summary['redactions']} replacements).",
        "",
        "## Files",
        "",
    ]
    lines += [f"- {name}" for name in FILES]
    lines += ["", "The layout is described in docs/support-bundle.md of the rustfs.operator collection.", ""]
    return "\n".join(lines)


def bundle_files(collected: Collected) -> dict[str, str]:
    """Every file of FILES, its text redacted, by path (relative to the bundle's directory)."""
    scrubber = Scrubber(secret_values(collected.secrets))
    files: dict[str, str] = {}
    tenant = collected.tenant
    files["tenant.yaml"] = (
        _yaml(redact_object(tenant, scrubber)) if tenant else "# none: the Tenant does not exist\n{}\n"
    )
    status = as_dict(as_dict(tenant).get("status"))
    files["status.yaml"] = _yaml(scrubber.value(status)) if status else "# none: the Tenant has no status yet\n{}\n"
    history = redact_history(collected.history, scrubber)
    files["history.yaml"] = (
        _yaml(history)
        if history is not None
        else f"# none: no ConfigMap {collected.name}-history (no spec recorded as last good yet)\n{{}}\n"
    )
    counts: JSON = {}
    for kind, _version, path in OWNED_KINDS:
        items = sorted(collected.owned.get(kind, []), key=lambda o: about(o)[1])
        counts[kind] = len(items)
        files[path] = _listing([redact_object(o, scrubber) for o in items], f"{kind} of the tenant")
    present = {about(s)[1] for s in collected.secrets}
    listed = [secret_listing(s) for s in sorted(collected.secrets, key=lambda s: about(s)[1])]
    listed += [{"name": name, "missing": True} for name in sorted(set(collected.missing_secrets) - present)]
    files["secrets.yaml"] = _listing(listed, "Secret referenced or owned by the tenant (values redacted)")
    files["events.yaml"] = _listing([scrubber.value(e) for e in collected.events], "Event about the tenant's objects")
    statefulsets = collected.owned.get("StatefulSet", [])
    try:
        computed = analysis(tenant, collected.facts, statefulsets)
    except Exception as error:  # the bundle is for broken tenants too: say why, keep the rest
        computed = {"layout": {"unavailable": f"{type(error).__name__}: {error}"}, "checks": {"error": str(error)}}
    checks = {**computed["checks"], "secrets": collected.secret_problems}
    files["analysis/erasure-layout.yaml"] = _yaml(scrubber.value(computed["layout"]))
    files["analysis/configuration-checks.yaml"] = _yaml(scrubber.value(checks))
    files["operator/logs.txt"] = _text_sources(collected.operator_logs, collected.sources, "logs", scrubber)
    files["operator/metrics.txt"] = _text_sources(collected.operator_metrics, collected.sources, "metrics", scrubber)
    summary: JSON = {
        "tenant": f"{collected.namespace}/{collected.name}",
        "collectedAt": collected.collected_at,
        "tenantExists": tenant is not None,
        "currentState": status.get("currentState"),
        "objects": counts,
        "secrets": len(listed),
        "events": len(collected.events),
        "sources": [s.to_dict() for s in collected.sources],
        "files": list(FILES),
    }
    # Counted before the README and summary, which hold no secret value: nothing of theirs to scrub.
    summary["redactions"] = scrubber.replaced
    files["summary.json"] = json.dumps(scrubber.value(summary), indent=2, sort_keys=True) + "\n"
    files["README.md"] = scrubber.text(_readme(collected, summary))
    return {name: files[name] for name in FILES}


def archive(files: Mapping[str, str], directory: str, mtime: int) -> bytes:
    """A gzip-compressed tar of FILES under DIRECTORY/, in FILES order: the same files make the same bytes."""
    buffer = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=buffer, mode="wb", mtime=mtime) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for name, text in files.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(f"{directory}/{name}")
            info.size, info.mtime, info.mode = len(data), mtime, 0o644
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def archive_name(namespace: str, name: str) -> str:
    """The archive's file name, and (without .tar.gz) its top directory."""
    return f"rustfs-support-{namespace}-{name}.tar.gz"


def summary_redactions(files: Mapping[str, str]) -> int:
    """How many values bundle_files replaced, as its summary.json records."""
    return int(json.loads(files["summary.json"])["redactions"])
