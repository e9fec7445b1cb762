# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""One reconcile of one tenant: read, plan, apply, report, in a single process.

Each module run costs a Python start and a Kubernetes client; a reconcile
split into several modules spent most of its time there. This is the whole
pass as one function, over the same engine functions every mode uses
(plan.plan_tenant decides, status.tenant_status reports), so the tenant
role and the operator pay for one module run, not five.

Order matters for safety: every problem is known before the first write,
and a blocked tenant gets its status and events but no other write.
"""

from __future__ import annotations

import copy
import json
import secrets
import string
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.checks import ClusterFacts, configuration_problems
from ansible_collections.rustfs.operator.plugins.module_utils.decommission import active_document, decommissioned_pools
from ansible_collections.rustfs.operator.plugins.module_utils.errors import field_error
from ansible_collections.rustfs.operator.plugins.module_utils.history import (
    history_configmap,
    history_name,
    last_good_record,
)
from ansible_collections.rustfs.operator.plugins.module_utils.kube import get_or_none
from ansible_collections.rustfs.operator.plugins.module_utils.live import list_cluster, list_labelled, read_state
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.plan import Plan, claims_to_patch, plan_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.pool_lifecycle import (
    LifecyclePass,
    carry_out,
    in_play,
    observe_and_plan,
)
from ansible_collections.rustfs.operator.plugins.module_utils.render import RenderOptions
from ansible_collections.rustfs.operator.plugins.module_utils.rollout import Rollout, plan_rollout
from ansible_collections.rustfs.operator.plugins.module_utils.schema import drop_nulls, pruned_spec
from ansible_collections.rustfs.operator.plugins.module_utils.server_apply import (
    Applied,
    apply_object,
    comparable,
    read,
)
from ansible_collections.rustfs.operator.plugins.module_utils.status import pool_state
from ansible_collections.rustfs.operator.plugins.module_utils.status_write import now, with_lifecycle, write_status
from ansible_collections.rustfs.operator.plugins.module_utils.tls import inputs_from

_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Request:
    definition: Mapping[str, Any]
    manage_resource: bool = False
    generate_credentials: bool = False
    cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN
    default_image: str = c.DEFAULT_IMAGE
    write_status: bool = True
    wait: bool = False
    wait_timeout: float = 300
    # The rustfs.operator.tls role's result (inputs, problems, status) for a TLS tenant.
    tls: Mapping[str, Any] | None = None
    check_mode: bool = False
    # Where the RustFS admin API answers, for a caller outside the cluster (pool_lifecycle.py).
    admin_endpoint: str | None = None


@dataclass
class Outcome:
    tenant: str
    problems: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, str]] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    status: dict[str, Any] = field(default_factory=dict)
    status_changed: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)
    kept_claims: list[str] = field(default_factory=list)
    diff: list[dict[str, Any]] = field(default_factory=list)
    writes: int = 0
    wait_timed_out: list[str] = field(default_factory=list)
    rolling: str | None = None
    held: list[str] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    # Seconds after which the caller should reconcile again although nothing changed (a pool draining).
    requeue_after: int | None = None

    @property
    def blocked(self) -> bool:
        return bool(self.problems)

    @property
    def changed(self) -> bool:
        return bool(self.changes) or self.status_changed

    def as_result(self) -> dict[str, Any]:
        return {
            "changed": self.changed,
            "tenant": self.tenant,
            "blocked": self.blocked,
            "problems": self.problems,
            "changes": self.changes,
            "applied": self.applied,
            "status": self.status,
            "events": self.events,
            "kept_claims": self.kept_claims,
            "writes": self.writes,
            "rollout": {"rolling": self.rolling, "held": self.held},
            "configuration_warnings": self.warnings,
            "requeue_after": self.requeue_after,
        }


def tenant_resource(document: Mapping[str, Any]) -> dict[str, Any]:
    """The Tenant as the user wrote it: what playbook mode applies (never its status)."""
    metadata = {k: v for k, v in document["metadata"].items() if k in ("name", "namespace", "labels", "annotations")}
    return {"apiVersion": c.TENANT_API_VERSION, "kind": c.TENANT_KIND, "metadata": metadata, "spec": document["spec"]}


def credentials_secret(name: str, namespace: str, tenant: str) -> dict[str, Any]:
    """A new credentials Secret with random values; the caller must keep it out of any output."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {c.LABEL_MANAGED_BY: c.MANAGED_BY, c.LABEL_TENANT: tenant},
        },
        "stringData": {
            "accesskey": "".join(secrets.choice(_ALPHABET) for _index in range(20)),
            "secretkey": "".join(secrets.choice(_ALPHABET) for _index in range(40)),
        },
    }


def _record(outcome: Outcome, applied: Applied, show_diff: bool) -> None:
    outcome.applied.append(f"{applied.kind}/{applied.name}")
    if applied.changed:
        outcome.changes.append({"kind": applied.kind, "name": applied.name, "action": applied.action})
        if show_diff:
            outcome.diff.append(
                {
                    "before_header": f"{applied.kind}/{applied.name}",
                    "after_header": f"{applied.kind}/{applied.name}",
                    "before": comparable(applied.before),
                    "after": comparable(applied.after),
                }
            )


def wait_for_pools(
    client: Any,
    namespace: str,
    tenant: str,
    names: Sequence[str],
    timeout: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Poll until every named StatefulSet completed its rollout; (last seen, names not done)."""
    deadline = clock() + timeout
    while True:
        live = list_labelled(client, "StatefulSet", "apps/v1", namespace, tenant)
        by_name = {s["metadata"]["name"]: s for s in live}
        pending = [n for n in names if pool_state(by_name.get(n)) != "RolloutComplete"]
        if not pending or clock() >= deadline:
            return live, pending
        sleep(2)


REASON_OBJECT_REJECTED = "ObjectRejected"


class ObjectRejected(Exception):
    """The API server refused an object as invalid (HTTP 400 or 422): a problem of the spec, not a failure."""

    def __init__(self, obj: Mapping[str, Any], error: Exception) -> None:
        body = getattr(error, "body", None)
        try:
            message = str(json.loads(body).get("message") or body) if body else str(error)
        except (TypeError, ValueError, AttributeError):
            message = str(body)
        kind, name = obj.get("kind"), (obj.get("metadata") or {}).get("name")
        super().__init__(message)
        self.problem = {
            "field": "spec",
            "message": f"the API server refused {kind} {name}, which this spec makes: {message[:600]}",
            "reason": REASON_OBJECT_REJECTED,
        }


def _apply_checked(client: Any, obj: Mapping[str, Any], live: Mapping[str, Any] | None, dry_run: bool) -> Applied:
    try:
        return apply_object(client, obj, live, dry_run)
    except Exception as error:
        if getattr(error, "status", None) in (400, 422):
            raise ObjectRejected(obj, error) from error
        raise


def _apply_pools(
    client: Any, request: Request, outcome: Outcome, rollout: Rollout, live: Sequence[Mapping[str, Any]], diff: bool
) -> list[dict[str, Any]]:
    by_name = {s["metadata"]["name"]: s for s in live}
    applied = []
    for obj in rollout.statefulsets:
        result = _apply_checked(client, obj, by_name.get(obj["metadata"]["name"]), request.check_mode)
        outcome.writes += result.sent
        _record(outcome, result, diff)
        applied.append(result.after)
    return applied


def _roll(
    client: Any,
    request: Request,
    outcome: Outcome,
    desired: Sequence[Mapping[str, Any]],
    live: Sequence[Mapping[str, Any]],
    diff: bool,
) -> list[dict[str, Any]]:
    """Apply the pools one rollout at a time; with wait, release each held pool in turn until all are done."""
    rollout = plan_rollout(desired, live)
    current = _apply_pools(client, request, outcome, rollout, live, diff)
    namespace, tenant = outcome.tenant.split("/", 1)
    deadline = time.monotonic() + request.wait_timeout
    while request.wait and not request.check_mode:
        names = [s["metadata"]["name"] for s in desired if s["metadata"]["name"] not in rollout.held]
        current, outcome.wait_timed_out = wait_for_pools(
            client, namespace, tenant, names, max(0.0, deadline - time.monotonic())
        )
        if outcome.wait_timed_out or not rollout.held:
            break
        rollout = plan_rollout(desired, current)
        _apply_pools(client, request, outcome, rollout, current, diff)
    outcome.rolling, outcome.held = rollout.rolling, list(rollout.held)
    return current


def _expand(
    client: Any, request: Request, outcome: Outcome, plan: Plan, live: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Grow the claims of the plan's expansions, then remove (orphaning pods and claims) the StatefulSets
    whose claim templates must change: they are applied again right after, and adopt the pods.
    Returns the live StatefulSets that remain."""
    namespace, tenant = outcome.tenant.split("/", 1)
    if request.check_mode:
        # A dry-run delete leaves the StatefulSet, so its new claim templates cannot even be
        # dry-run applied: report the expansion, apply nothing of those pools.
        for expansion in plan["expansions"]:
            outcome.changes.append({"kind": "StatefulSet", "name": expansion["statefulset"], "action": "expanded"})
        return [dict(s) for s in live]
    claims = list_labelled(client, "PersistentVolumeClaim", "v1", namespace, tenant)
    claim_resource = client.resource("PersistentVolumeClaim", "v1")
    for expansion in plan["expansions"]:
        for claim in claims_to_patch(expansion, claims):
            client.patch(
                claim_resource,
                {"spec": {"resources": {"requests": {"storage": claim["size"]}}}},
                name=claim["name"],
                namespace=namespace,
                content_type="application/merge-patch+json",
            )
            outcome.writes += 1
            outcome.changes.append({"kind": "PersistentVolumeClaim", "name": claim["name"], "action": "expanded"})
    sts_resource = client.resource("StatefulSet", "apps/v1")
    for name in plan["recreate"]:
        client.delete(sts_resource, name=name, namespace=namespace, body={"propagationPolicy": "Orphan"})
        outcome.writes += 1
    gone = set(plan["recreate"])
    deadline = time.monotonic() + 60
    while any(
        s["metadata"]["name"] in gone for s in list_labelled(client, "StatefulSet", "apps/v1", namespace, tenant)
    ):
        if time.monotonic() > deadline:
            raise TimeoutError(f"StatefulSets {sorted(gone)} were not removed within 60s")
        time.sleep(0.2)
    return [dict(s) for s in live if s["metadata"]["name"] not in gone]


def _remember_if_good(
    client: Any,
    request: Request,
    outcome: Outcome,
    document: Mapping[str, Any],
    tenant: Mapping[str, Any],
    statefulsets: Sequence[Mapping[str, Any]],
    plan: Plan,
) -> None:
    """Record the spec as the last good one (for rollback) once every pool runs it; history.py decides.

    The stored Tenant's spec (CRD defaults included) is recorded, not the manifest: playbook mode and
    the operator then record the same spec, and a rollback restores exactly what was stored.
    """
    stored = tenant["metadata"]
    applied = {
        "apiVersion": tenant.get("apiVersion", c.TENANT_API_VERSION),
        "kind": tenant.get("kind", c.TENANT_KIND),
        "metadata": {**document["metadata"], **stored},
        "spec": tenant.get("spec") or document.get("spec") or {},
        # A pool decommissioned in the status is not expected to run.
        "status": tenant.get("status") or {},
    }
    record = last_good_record(applied, statefulsets, outcome.problems, desired=plan["statefulsets"])
    if record is None:
        return
    name = history_name(str(stored["name"]))
    existing = get_or_none(client, "ConfigMap", "v1", name, str(stored["namespace"]))
    configmap = history_configmap(applied, record, existing)
    if configmap is not None:
        result = apply_object(client, configmap, existing, request.check_mode)
        outcome.writes += result.sent
        outcome.changes.append({"kind": "ConfigMap", "name": name, "action": result.action})


def _outdated(document: Mapping[str, Any], tenant: Mapping[str, Any]) -> bool:
    """Whether the Tenant moved past the generation this run was given (the operator passes it).

    Its status would then claim a generation whose spec this run never applied; the run for the new
    generation, already on its way, writes the status instead. Playbook mode passes no generation.
    """
    given = (document.get("metadata") or {}).get("generation")
    return given is not None and (tenant.get("metadata") or {}).get("generation") != given


def foreign_statefulsets(
    client: Any, desired: Sequence[Mapping[str, Any]], live: Sequence[Mapping[str, Any]], tenant: str
) -> list[dict[str, Any]]:
    """Refusals for StatefulSets that have a pool's name but not the tenant's label (hand-written ones).

    The tenant's StatefulSets are found by label; one of the same name without it would otherwise be
    overwritten by the apply, which the API server refuses half-way (its selector and claim templates
    are immutable). Refused before any write, with what to do (docs/migration.md).
    """
    known = {str(s["metadata"]["name"]) for s in live}
    problems: list[dict[str, Any]] = []
    for index, statefulset in enumerate(desired):
        name = str(statefulset["metadata"]["name"])
        if name in known or read(client, statefulset) is None:
            continue
        problems.append(
            {
                **field_error(
                    f"spec.pools[{index}]",
                    f"StatefulSet {name} exists but is not labelled {c.LABEL_TENANT}={tenant}: it was not created "
                    "for this tenant. To adopt it, give it the labels and selector the tenant renders (see "
                    "docs/migration.md); otherwise rename the pool or delete it with --cascade=orphan.",
                    "StatefulSetUpdateValidationFailed",
                ),
                "condition": "WorkloadsReady",
                "event": "StatefulSetUpdateBlocked",
            }
        )
    return problems


def read_facts(client: Any) -> ClusterFacts:
    """What the configuration checks and volume expansion need to know of the cluster."""
    return ClusterFacts.from_api(
        list_cluster(client, "StorageClass", "storage.k8s.io/v1"),
        list_cluster(client, "Node", "v1"),
        list_cluster(client, "PriorityClass", "scheduling.k8s.io/v1"),
    )


def check_configuration(
    facts: ClusterFacts, document: Mapping[str, Any], live_statefulsets: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(problems, warnings) of a valid tenant on this cluster: classes, nodes, priorities (checks.py)."""
    existing = [str(((s.get("metadata") or {}).get("labels") or {}).get(c.LABEL_POOL, "")) for s in live_statefulsets]
    problems, warnings = configuration_problems(parse_tenant(pruned_spec(drop_nulls(dict(document)))), facts, existing)
    return [dict(p) for p in problems], [dict(w) for w in warnings]


def _pool_of(statefulset: Mapping[str, Any]) -> str:
    return str(((statefulset.get("metadata") or {}).get("labels") or {}).get(c.LABEL_POOL, ""))


def _lifecycle(
    client: Any,
    request: Request,
    document: Mapping[str, Any],
    status: Mapping[str, Any],
    live_statefulsets: Sequence[Mapping[str, Any]],
) -> tuple[LifecyclePass | None, list[dict[str, Any]]]:
    """The decommission pass of a valid, stored tenant (pool_lifecycle.py), and what it refuses.

    None for a tenant with nothing in play, which then costs no Secret read and no admin call.
    """
    full = parse_tenant(pruned_spec(drop_nulls(dict(document))), default_image=request.default_image)
    if not in_play(full, status):
        return None, []
    live_pools = {_pool_of(s) for s in live_statefulsets}
    try:
        lifecycle = observe_and_plan(
            client, full, status, live_pools, now(), request.cluster_domain, request.admin_endpoint
        )
    except KeyError as error:
        refusal = field_error(
            "spec.credsSecret", f"{error.args[0]}: the RustFS admin API needs them", "CredentialSecretMissingKey"
        )
        return None, [dict(refusal)]
    refused = [
        {**problem, "condition": "PoolsReady", "event": problem["reason"]} for problem in lifecycle.plan.problems
    ]
    return lifecycle, refused


def reconcile(client: Any, request: Request, show_diff: bool = False) -> Outcome:
    document = copy.deepcopy(dict(request.definition))
    metadata = document.setdefault("metadata", {})
    name = str(metadata["name"])
    namespace = str(metadata.get("namespace") or "default")
    metadata["namespace"] = namespace
    spec = document.get("spec") or {}
    outcome = Outcome(tenant=f"{namespace}/{name}")
    dry_run = request.check_mode

    live = read_state(client, name, namespace, (spec.get("credsSecret") or {}).get("name"), spec.get("rpcSecret"))
    outcome.kept_claims = live["claims"]
    problems: list[dict[str, Any]] = list(live["problems"])
    tenant = live["tenant"]

    missing_credentials = [p for p in problems if p["reason"] == "CredentialSecretNotFound"]
    if request.generate_credentials and missing_credentials:
        secret_name = str(spec["credsSecret"]["name"])
        client.create(
            client.resource("Secret", "v1"), credentials_secret(secret_name, namespace, name), namespace=namespace
        )
        outcome.writes += 1
        outcome.changes.append({"kind": "Secret", "name": secret_name, "action": "created"})
        problems = [p for p in problems if p["reason"] != "CredentialSecretNotFound"]

    tls = request.tls or {}
    problems += [dict(p) for p in tls.get("problems") or []]
    options = RenderOptions(
        cluster_domain=request.cluster_domain, default_image=request.default_image, tls=inputs_from(tls.get("inputs"))
    )
    # Check first, with what is stored: nothing is written for a tenant that is refused.
    if tenant is not None:
        metadata["uid"] = tenant["metadata"]["uid"]
    facts = read_facts(client)
    stored_status = (tenant or {}).get("status") or {}
    plan = plan_tenant(document, live["statefulsets"], stored_status, options, facts)
    if not plan["problems"]:
        active = active_document(document, stored_status)
        found, outcome.warnings = check_configuration(facts, active, live["statefulsets"])
        problems = found + foreign_statefulsets(client, plan["statefulsets"], live["statefulsets"], name) + problems
    problems = plan["problems"] + problems
    lifecycle, lifecycle_items = None, None
    if not problems and tenant is not None:
        lifecycle, refused = _lifecycle(client, request, document, stored_status, live["statefulsets"])
        problems += refused
        if lifecycle is not None:
            outcome.requeue_after = lifecycle.plan.requeue_seconds
            lifecycle_items = lifecycle.plan.status_items()
            after = with_lifecycle(stored_status, lifecycle_items)
            if decommissioned_pools(after) != decommissioned_pools(stored_status):
                # A pool drained in this pass: the others are applied without it right away.
                plan = plan_tenant(document, live["statefulsets"], after, options, facts)
                problems += plan["problems"]
    outcome.problems = problems

    statefulsets: list[dict[str, Any]] = live["statefulsets"]
    if not problems:
        if request.manage_resource:
            resource = tenant_resource(document)
            applied = apply_object(client, resource, tenant, dry_run)
            outcome.writes += applied.sent
            if applied.changed:
                outcome.changes.append({"kind": applied.kind, "name": applied.name, "action": applied.action})
            if tenant is None:
                # A new Tenant: its children need its uid for their owner references.
                metadata["uid"] = applied.after["metadata"].get("uid")
                plan = plan_tenant(document, [], {}, options)
            tenant = applied.after
        if lifecycle is not None:
            # Drained pools leave before the others are applied without them in RUSTFS_VOLUMES.
            done = carry_out(client, lifecycle, namespace, dry_run)
            outcome.changes += done
            outcome.writes += len(done)
            retired = decommissioned_pools({"pools": lifecycle_items})
            statefulsets = [s for s in statefulsets if _pool_of(s) not in retired]
        try:
            for obj in plan["objects"]:
                if obj["kind"] == "Certificate" and request.tls is not None:
                    # The tls role applied it already (it must exist before anything mounts it).
                    outcome.applied.append(f"{obj['kind']}/{obj['metadata']['name']}")
                    continue
                live_obj = read(client, obj)
                result = _apply_checked(client, obj, live_obj, dry_run)
                outcome.writes += result.sent
                _record(outcome, result, show_diff)
            desired = plan["statefulsets"]
            if plan["expansions"]:
                statefulsets = _expand(client, request, outcome, plan, statefulsets)
                if request.check_mode:
                    desired = [s for s in desired if s["metadata"]["name"] not in plan["recreate"]]
            statefulsets = _roll(client, request, outcome, desired, statefulsets, show_diff)
            if tenant is not None and not _outdated(document, tenant):
                _remember_if_good(client, request, outcome, document, tenant, statefulsets, plan)
        except ObjectRejected as rejected:
            # The spec makes an object the API server refuses: retrying cannot help, the spec must change.
            problems = outcome.problems = [rejected.problem]

    if request.write_status and tenant is not None and not _outdated(document, tenant):
        status = tenant.get("status") or {}
        kept = {"lastRun": status["lastRun"]} if "lastRun" in status else {}
        written = write_status(
            client,
            tenant,
            statefulsets,
            problems,
            outcome.changes,
            kept,
            tls.get("status") or None,
            dry_run,
            lifecycle=lifecycle_items if not problems else None,
        )
        outcome.status, outcome.status_changed, outcome.events = (
            written["status"],
            written["changed"],
            written["events"],
        )
        outcome.writes += int(written["changed"]) + len(written["events"])
    elif tenant is not None:
        outcome.status = dict(tenant.get("status") or {})
    return outcome
