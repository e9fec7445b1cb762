# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""The steps the phases of a reconcile are made of (reconcile.py puts them in order).

Each step is one read, check or write over the engine; none decides on its own
whether the tenant may be written: the phase that calls it does, from the
problems known before its first write.
"""

from __future__ import annotations

import json
import secrets
import string
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.checks import ClusterFacts, configuration_problems
from ansible_collections.rustfs.operator.plugins.module_utils.errors import field_error
from ansible_collections.rustfs.operator.plugins.module_utils.history import (
    history_configmap,
    history_name,
    last_good_record,
)
from ansible_collections.rustfs.operator.plugins.module_utils.kube import (
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
    get_or_none,
)
from ansible_collections.rustfs.operator.plugins.module_utils.live import list_cluster, list_labelled, list_namespaced
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.network_policy import (
    NETWORK_POLICY_API_VERSION,
    NETWORK_POLICY_KIND,
)
from ansible_collections.rustfs.operator.plugins.module_utils.plan import Plan
from ansible_collections.rustfs.operator.plugins.module_utils.pool_lifecycle import (
    LifecyclePass,
    in_play,
    observe_and_plan,
)
from ansible_collections.rustfs.operator.plugins.module_utils.progress import Outcome, Request
from ansible_collections.rustfs.operator.plugins.module_utils.schema import drop_nulls, pruned_spec
from ansible_collections.rustfs.operator.plugins.module_utils.server_apply import (
    Applied,
    apply_object,
    comparable,
    read,
)
from ansible_collections.rustfs.operator.plugins.module_utils.status import pool_state
from ansible_collections.rustfs.operator.plugins.module_utils.status_write import now
from ansible_collections.rustfs.operator.plugins.module_utils.wait_progress import PROGRESS_EVERY, WAIT_PROGRESS

_ALPHABET = string.ascii_letters + string.digits


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


def record_applied(outcome: Outcome, applied: Applied, show_diff: bool) -> None:
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


def wait_progress_line(
    tenant: str, names: Sequence[str], by_name: Mapping[str, Mapping[str, Any]], waited: float, timeout: float
) -> str:
    """One line per wait step: each pool's ready pods of its servers, and the time spent of the budget."""
    pools = []
    for name in names:
        sts = by_name.get(name) or {}
        wanted = int((sts.get("spec") or {}).get("replicas") or 0)
        ready = int((sts.get("status") or {}).get("readyReplicas") or 0)
        pools.append(f"{name} {ready}/{wanted} ready" if sts else f"{name} not created yet")
    return f"tenant {tenant}: waiting for {', '.join(pools)} ({waited:.0f} s of {timeout:.0f} s)"


def wait_for_pools(
    client: Any,
    namespace: str,
    tenant: str,
    names: Sequence[str],
    timeout: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Poll until every named StatefulSet completed its rollout; (last seen, names not done).

    Every PROGRESS_EVERY seconds it reports each pending pool's ready pods through WAIT_PROGRESS,
    so `wait=true` never blocks silently for minutes.
    """
    start = clock()
    deadline = start + timeout
    reported = start
    report = WAIT_PROGRESS.get()
    while True:
        live = list_labelled(client, "StatefulSet", "apps/v1", namespace, tenant)
        by_name = {s["metadata"]["name"]: s for s in live}
        pending = [n for n in names if pool_state(by_name.get(n)) != "RolloutComplete"]
        now = clock()
        if not pending or now >= deadline:
            return live, pending
        if report is not None and now - reported >= PROGRESS_EVERY:
            report(wait_progress_line(f"{namespace}/{tenant}", pending, by_name, now - start, timeout))
            reported = now
        sleep(2)


REASON_OBJECT_REJECTED = "ObjectRejected"
# The refusals the RustFS operator names (its StatusError::statefulset_apply_failed and the error arm of
# apply_cert_manager_certificate in reconcile_cert_manager_tls), and the condition each goes on; any
# other object refused is ours to name (ObjectRejected, SpecValid).
REJECTED_BY_KIND = {
    "StatefulSet": ("StatefulSetApplyFailed", "WorkloadsReady", "spec.pools"),
    "Certificate": ("CertManagerCertificateApplyFailed", "TlsReady", "spec.tls"),
}


class ObjectRejected(Exception):
    """The API server refused an object as invalid (HTTP 400 or 422): a problem of the spec, not a failure.

    FIELD, when the caller knows it (the pool of a StatefulSet), replaces the kind's default field.
    """

    def __init__(self, obj: Mapping[str, Any], error: Exception, field: str | None = None) -> None:
        body = getattr(error, "body", None)
        try:
            message = str(json.loads(body).get("message") or body) if body else str(error)
        except (TypeError, ValueError, AttributeError):
            message = str(body)
        kind, name = obj.get("kind"), (obj.get("metadata") or {}).get("name")
        reason, condition, default_field = REJECTED_BY_KIND.get(
            str(kind), (REASON_OBJECT_REJECTED, "SpecValid", "spec")
        )
        super().__init__(message)
        self.problem = {
            "field": field or default_field,
            "message": f"the API server refused {kind} {name}, which this spec makes: {message[:600]}",
            "reason": reason,
            "condition": condition,
        }


def apply_checked(
    client: Any, obj: Mapping[str, Any], live: Mapping[str, Any] | None, dry_run: bool, field: str | None = None
) -> Applied:
    try:
        return apply_object(client, obj, live, dry_run)
    except Exception as error:
        if getattr(error, "status", None) in (400, 422):
            raise ObjectRejected(obj, error, field) from error
        raise


def remember_if_good(
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


def outdated(document: Mapping[str, Any], tenant: Mapping[str, Any]) -> bool:
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


def with_namespace_facts(client: Any, facts: ClusterFacts, namespace: str) -> ClusterFacts:
    """FACTS plus the ResourceQuotas and LimitRanges of NAMESPACE (None each when they may not be listed).

    Read per tenant, not per batch: a batch may carry tenants of many namespaces, and a playbook user
    may list these in their own namespace only.
    """
    return facts.with_namespace(
        namespace,
        list_namespaced(client, "ResourceQuota", "v1", namespace),
        list_namespaced(client, "LimitRange", "v1", namespace),
    )


def remove_stale_network_policies(
    client: Any, outcome: Outcome, document: Mapping[str, Any], desired: Sequence[Mapping[str, Any]], dry_run: bool
) -> None:
    """Delete this tenant's NetworkPolicies that are no longer rendered (networkPolicy turned off, a list
    emptied). Only ours: labelled for the tenant AND controlled by this Tenant's uid; a user's own
    NetworkPolicy in the namespace is never touched, even with our label.

    An identity that may not list NetworkPolicies (a playbook user's narrow RBAC) has nothing of ours to
    remove unless the spec asks for them, in which case the apply before this has failed already.
    """
    metadata = document.get("metadata") or {}
    uid, name, namespace = metadata.get("uid"), str(metadata.get("name")), str(metadata.get("namespace"))
    if not uid:
        return
    try:
        live = list_labelled(client, NETWORK_POLICY_KIND, NETWORK_POLICY_API_VERSION, namespace, name)
    except (ForbiddenError, UnauthorizedError):
        return
    wanted = {str(o["metadata"]["name"]) for o in desired if o.get("kind") == NETWORK_POLICY_KIND}
    resource = client.resource(NETWORK_POLICY_KIND, NETWORK_POLICY_API_VERSION)
    for policy in live:
        meta = policy.get("metadata") or {}
        owned = any(
            ref.get("kind") == c.TENANT_KIND and ref.get("uid") == uid and ref.get("controller")
            for ref in meta.get("ownerReferences") or []
        )
        if not owned or meta.get("name") in wanted:
            continue
        if not dry_run:
            try:
                # The uid precondition: a policy someone recreated under the name since is not ours.
                client.delete(
                    resource, name=meta["name"], namespace=namespace, body={"preconditions": {"uid": meta.get("uid")}}
                )
            except NotFoundError:
                continue
            outcome.writes += 1
        outcome.changes.append({"kind": NETWORK_POLICY_KIND, "name": str(meta["name"]), "action": "deleted"})


def check_configuration(
    facts: ClusterFacts, document: Mapping[str, Any], live_statefulsets: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(problems, warnings) of a valid tenant on this cluster: classes, nodes, priorities, quotas (checks.py)."""
    existing = [str(((s.get("metadata") or {}).get("labels") or {}).get(c.LABEL_POOL, "")) for s in live_statefulsets]
    problems, warnings = configuration_problems(
        parse_tenant(pruned_spec(drop_nulls(dict(document)))), facts, existing, live_statefulsets
    )
    return [dict(p) for p in problems], [dict(w) for w in warnings]


def pool_of(statefulset: Mapping[str, Any]) -> str:
    return str(((statefulset.get("metadata") or {}).get("labels") or {}).get(c.LABEL_POOL, ""))


def observe_lifecycle(
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
    live_pools = {pool_of(s) for s in live_statefulsets}
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
