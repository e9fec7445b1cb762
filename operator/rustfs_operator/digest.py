"""Digests that let an unchanged tenant skip ansible-runner entirely.

Two digests per tenant, both pure functions of what the watches delivered:

* the *input digest*: the Tenant as the playbook receives it (spec,
  generation, uid, labels, annotations), the resourceVersions of the Secrets
  it references, and the operator settings that reach the playbook. A new
  value means the playbook must run.
* the *children digest*: one fingerprint per owned object, covering what a
  reconcile would overwrite (a StatefulSet's generation and metadata, every
  other object's resourceVersion) and nothing the cluster changes by itself
  (StatefulSet status). A value different from the baseline adopted after the
  last run means drift: someone edited or deleted an owned object.

StatefulSet status changes do not need the playbook; the operator recomputes
the status from them with the collection's own engine.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Bump when the meaning of a digest changes, so stored digests stop matching.
FORMAT = 1
# Annotations that are bookkeeping of tools, not input of the reconcile.
_IGNORED_ANNOTATION_PREFIXES = ("kubectl.kubernetes.io/", "kopf.zalando.org/", "rustfs.com/")
# `report`: the operator reports drift (a Warning Event and a metric) and leaves it, for change-frozen
# periods; absent or `repair`: it re-applies. The operator's own switch: not an input of the playbook,
# so setting or removing it starts no run (the next check acts on it).
DRIFT_POLICY_ANNOTATION = "operator.rustfs.com/drift-policy"


def _hash(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def tenant_input(body: Mapping[str, Any]) -> dict[str, Any]:
    """The Tenant as the playbook receives it: identity, labels, annotations, spec. No status."""
    metadata = body.get("metadata") or {}
    annotations = {
        k: v
        for k, v in (metadata.get("annotations") or {}).items()
        if not k.startswith(_IGNORED_ANNOTATION_PREFIXES) and k != DRIFT_POLICY_ANNOTATION
    }
    kept: dict[str, Any] = {"name": metadata.get("name"), "namespace": metadata.get("namespace")}
    for key in ("uid", "generation"):
        if metadata.get(key) is not None:
            kept[key] = metadata[key]
    if metadata.get("labels"):
        kept["labels"] = dict(metadata["labels"])
    if annotations:
        kept["annotations"] = annotations
    return {
        "apiVersion": body.get("apiVersion", "rustfs.com/v1alpha1"),
        "kind": body.get("kind", "Tenant"),
        "metadata": kept,
        "spec": plain(body.get("spec") or {}),
    }


def plain(value: Any) -> Any:
    """Deep copy into plain dicts and lists (Kopf bodies are read-only views)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


# How often a TLS tenant is re-run although nothing changed (see tls_epoch).
TLS_RECHECK_SECONDS = 3600.0


def tls_epoch(tenant: Mapping[str, Any], wall_time: float) -> int | None:
    """Certificates age while no object changes, so a TLS tenant's inputs change once per period.

    That makes the playbook re-check renewal of generated certificates (at two thirds of
    their lifetime) and pick up certificates cert-manager renewed, at least hourly.
    Tenants without TLS get None and keep their digest for ever.
    """
    tls = (tenant.get("spec") or {}).get("tls") or {}
    if str(tls.get("mode") or "disabled") == "disabled":
        return None
    return int(wall_time // TLS_RECHECK_SECONDS)


def input_digest(
    tenant: Mapping[str, Any],
    secret_versions: Mapping[str, str | None],
    settings: str,
    epoch: int | None = None,
    configmap_versions: Mapping[str, str | None] | None = None,
) -> str:
    content: dict[str, Any] = {
        "format": FORMAT,
        "settings": settings,
        "tenant": tenant,
        "secrets": dict(secret_versions),
    }
    if epoch is not None:
        content["epoch"] = epoch
    # Only when the spec names some: the digest of every other tenant stays what it was.
    if configmap_versions:
        content["configMaps"] = dict(configmap_versions)
    return _hash(content)


@dataclass(frozen=True)
class Child:
    """What the operator remembers of one owned object (never its full body)."""

    kind: str
    name: str
    fingerprint: str
    seen: float
    # Only for StatefulSets: what the status engine reads (name, labels, generation, replicas, status).
    statefulset: Mapping[str, Any] | None = None


def _slim_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    slim = {"replicas": spec.get("replicas")}
    if spec.get("updateStrategy"):
        # The partition that holds a pool waiting for its turn to roll (module_utils/rollout.py).
        slim["updateStrategy"] = plain(spec["updateStrategy"])
    return slim


def child_of(kind: str, body: Mapping[str, Any], seen: float) -> Child:
    metadata = body.get("metadata") or {}
    owners = [(o.get("uid"), o.get("controller")) for o in metadata.get("ownerReferences") or []]
    fingerprint = _hash([metadata.get("generation"), metadata.get("labels"), metadata.get("annotations"), owners])
    if kind in ("PodDisruptionBudget", "Ingress"):
        # Their status moves on its own (pods' readiness, a load balancer's address): only what we apply
        # counts as drift.
        return Child(kind, str(metadata.get("name")), fingerprint, seen)
    if kind == "StatefulSet":
        slim = {
            "metadata": {
                "name": metadata.get("name"),
                "namespace": metadata.get("namespace"),
                "labels": plain(metadata.get("labels") or {}),
                "generation": metadata.get("generation"),
            },
            "spec": _slim_spec(body.get("spec") or {}),
            "status": plain(body.get("status") or {}),
        }
        return Child(kind, str(metadata.get("name")), fingerprint, seen, slim)
    return Child(kind, str(metadata.get("name")), str(metadata.get("resourceVersion")), seen)


def drift_policy(tenant: Mapping[str, Any]) -> str:
    """`report` or `repair` (the default, also for any value but `report`)."""
    annotations = (tenant.get("metadata") or {}).get("annotations") or {}
    return "report" if str(annotations.get(DRIFT_POLICY_ANNOTATION, "")).strip().lower() == "report" else "repair"


def fingerprints(children: Iterable[Child]) -> dict[tuple[str, str], str]:
    return {(c.kind, c.name): c.fingerprint for c in children}


def drifted(baseline: Mapping[tuple[str, str], str], children: Iterable[Child]) -> list[str]:
    """The owned objects that differ from BASELINE: "Kind/name changed|deleted|added", sorted."""
    now = fingerprints(children)
    found = [f"{k}/{n} deleted" for (k, n) in baseline if (k, n) not in now]
    found += [f"{k}/{n} added" for (k, n) in now if (k, n) not in baseline]
    found += [f"{k}/{n} changed" for (k, n), f in now.items() if (k, n) in baseline and baseline[(k, n)] != f]
    return sorted(found)


def children_digest(children: Iterable[Child]) -> str:
    return _hash(sorted((c.kind, c.name, c.fingerprint) for c in children))
