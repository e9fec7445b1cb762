# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""One reconcile of one tenant, as the phases the tenant role shows.

plan (read, validate, check, plan) -> credentials -> [certificates: the tls
role] -> shared objects -> lifecycle (decommission) -> each pool ->
provisioning (policies, users, buckets in RustFS) -> status.
The plan phase knows every problem before the first write; each writing phase
does nothing for a blocked tenant, which gets its status and events and no
other write. A phase given no record of the plan (a play run with --tags)
plans first, so the refusals hold whatever phases run.

`reconcile` runs them all in one call: the tenant_reconcile module's
`phase: all`, the path of the operator's batches.
"""

from __future__ import annotations

import copy
import dataclasses
import secrets
import time
from collections.abc import Mapping
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.checks import ClusterFacts
from ansible_collections.rustfs.operator.plugins.module_utils.credentials import kms_secret_ref
from ansible_collections.rustfs.operator.plugins.module_utils.decommission import active_document, decommissioned_pools
from ansible_collections.rustfs.operator.plugins.module_utils.disruption import PDB_KIND
from ansible_collections.rustfs.operator.plugins.module_utils.errors import ModuleFailure
from ansible_collections.rustfs.operator.plugins.module_utils.exposure_kube import delete_stale, with_exposure_facts
from ansible_collections.rustfs.operator.plugins.module_utils.live import list_labelled, read_state, read_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.plan import claims_to_patch, plan_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.pool_lifecycle import carry_out
from ansible_collections.rustfs.operator.plugins.module_utils.progress import (
    Outcome,
    Progress,
    Request,
    without_bookkeeping,
)
from ansible_collections.rustfs.operator.plugins.module_utils.provisioning_phase import provisioning_phase
from ansible_collections.rustfs.operator.plugins.module_utils.reconcile_steps import (
    ObjectRejected,
    apply_checked,
    check_configuration,
    credentials_secret,
    foreign_statefulsets,
    observe_lifecycle,
    outdated,
    pool_of,
    read_facts,
    record_applied,
    remember_if_good,
    remove_stale_network_policies,
    tenant_resource,
    wait_for_pools,
    with_namespace_facts,
)
from ansible_collections.rustfs.operator.plugins.module_utils.render import RenderOptions
from ansible_collections.rustfs.operator.plugins.module_utils.rollout import plan_rollout
from ansible_collections.rustfs.operator.plugins.module_utils.schema import drop_nulls, pruned_spec
from ansible_collections.rustfs.operator.plugins.module_utils.server_apply import apply_object, read
from ansible_collections.rustfs.operator.plugins.module_utils.status_write import with_lifecycle, write_status
from ansible_collections.rustfs.operator.plugins.module_utils.tls import inputs_from

__all__ = ["Outcome", "Progress", "Request", "reconcile", "run_phase"]


def _options(request: Request) -> RenderOptions:
    tls = request.tls or {}
    return RenderOptions(
        cluster_domain=request.cluster_domain, default_image=request.default_image, tls=inputs_from(tls.get("inputs"))
    )


def plan_phase(client: Any, request: Request, facts: ClusterFacts | None = None) -> Progress:
    """Read the tenant's live state and the cluster, plan, and find every problem: no write.

    FACTS: the cluster's StorageClasses, nodes and PriorityClasses when the caller read them already
    (a batch reads them once for all its tenants).
    """
    document = copy.deepcopy(dict(request.definition))
    metadata = document.setdefault("metadata", {})
    name = str(metadata["name"])
    namespace = str(metadata.get("namespace") or "default")
    metadata["namespace"] = namespace
    spec = document.get("spec") or {}
    outcome = Outcome(tenant=f"{namespace}/{name}")

    live = read_state(
        client,
        name,
        namespace,
        (spec.get("credsSecret") or {}).get("name"),
        spec.get("rpcSecret"),
        kms_secret_ref(spec),
    )
    outcome.kept_claims = live["claims"]
    problems: list[dict[str, Any]] = list(live["problems"])
    tenant = live["tenant"]
    pending = None
    missing_credentials = [p for p in problems if p["reason"] == "CredentialSecretNotFound"]
    if request.generate_credentials and missing_credentials:
        # Created by the credentials phase; a refusal until then.
        pending = missing_credentials[0]
        problems = [p for p in problems if p["reason"] != "CredentialSecretNotFound"]
    problems += [dict(p) for p in (request.tls or {}).get("problems") or []]
    # Check first, with what is stored: nothing is written for a tenant that is refused.
    if tenant is not None:
        metadata["uid"] = tenant["metadata"]["uid"]
    if facts is None:
        facts = read_facts(client)
    facts = with_namespace_facts(client, facts, namespace)
    stored_status = (tenant or {}).get("status") or {}
    statefulsets = [without_bookkeeping(s) for s in live["statefulsets"]]
    plan = plan_tenant(document, statefulsets, stored_status, _options(request), facts)
    if not plan["problems"]:
        active = active_document(document, stored_status)
        found, outcome.warnings = check_configuration(
            with_exposure_facts(client, facts, parse_tenant(pruned_spec(drop_nulls(active)))), active, statefulsets
        )
        problems = found + foreign_statefulsets(client, plan["statefulsets"], statefulsets, name) + problems
    problems = plan["problems"] + problems
    progress = Progress(
        request=request,
        document=document,
        tenant=without_bookkeeping(tenant) if tenant is not None else None,
        statefulsets=statefulsets,
        plan=plan,
        outcome=outcome,
        plan_status=dict(stored_status),
        storage_classes=None
        if facts.storage_classes is None
        else [dataclasses.asdict(s) for s in facts.storage_classes],
        pending_credentials=pending,
        run=secrets.token_hex(8),
        wait_deadline=time.time() + request.wait_timeout if request.wait else None,
    )
    if not problems and tenant is not None:
        lifecycle, refused = observe_lifecycle(client, request, document, stored_status, statefulsets)
        problems += refused
        if lifecycle is not None:
            progress.lifecycle = lifecycle
            outcome.requeue_after = lifecycle.plan.requeue_seconds
            progress.lifecycle_items = lifecycle.plan.status_items()
            after = with_lifecycle(stored_status, progress.lifecycle_items)
            if decommissioned_pools(after) != decommissioned_pools(stored_status):
                # A pool drained in this pass: the others are applied without it right away.
                progress.plan = plan_tenant(document, statefulsets, after, _options(request), facts)
                progress.plan_status = after
                problems += progress.plan["problems"]
    outcome.problems = problems
    return progress


def credentials_phase(client: Any, progress: Progress) -> None:
    """Create the credentials Secret the spec names, when asked to and it is missing."""
    if progress.pending_credentials is None or progress.outcome.problems:
        return
    secret_name = str(progress.document["spec"]["credsSecret"]["name"])
    if not progress.request.check_mode:
        secret = credentials_secret(secret_name, progress.namespace, progress.name)
        client.create(client.resource("Secret", "v1"), secret, namespace=progress.namespace)
        progress.outcome.writes += 1
    progress.outcome.changes.append({"kind": "Secret", "name": secret_name, "action": "created"})
    progress.pending_credentials = None


def _take_tls(progress: Progress, tls: Mapping[str, Any]) -> None:
    """The tls role ran after the plan: its problems count, and the pods carry its certificates' hash."""
    if tls.get("tenant") not in (None, progress.outcome.tenant):
        return  # another tenant's (a play's earlier loop item): not this one's certificates
    progress.request = dataclasses.replace(progress.request, tls=dict(tls))
    progress.outcome.problems += [dict(p) for p in tls.get("problems") or []]
    if inputs_from(tls.get("inputs")) is None or progress.blocked:
        return
    progress.plan = plan_tenant(
        progress.document, progress.statefulsets, progress.plan_status, _options(progress.request), progress.facts()
    )
    progress.outcome.problems += progress.plan["problems"]


def shared_phase(client: Any, progress: Progress, show_diff: bool, tls: Mapping[str, Any] | None = None) -> None:
    """The Tenant resource (playbook mode) and what every pool shares: ServiceAccount, RBAC, Services."""
    if tls is not None and progress.request.tls is None:
        _take_tls(progress, tls)
    if progress.blocked:
        return
    request, outcome, dry_run = progress.request, progress.outcome, progress.request.check_mode
    if request.manage_resource:
        applied = apply_object(client, tenant_resource(progress.document), progress.tenant, dry_run)
        outcome.writes += applied.sent
        if applied.changed:
            outcome.changes.append({"kind": applied.kind, "name": applied.name, "action": applied.action})
        if progress.tenant is None:
            # A new Tenant: its children need its uid for their owner references.
            progress.document["metadata"]["uid"] = applied.after["metadata"].get("uid")
            progress.plan = plan_tenant(progress.document, [], {}, _options(request))
        progress.tenant = without_bookkeeping(applied.after)
    try:
        for obj in progress.plan["objects"]:
            if obj["kind"] == PDB_KIND:
                continue  # its pool's phase applies it
            if obj["kind"] == "Certificate" and request.tls is not None:
                # The tls role applied it already (it must exist before anything mounts it).
                outcome.applied.append(f"{obj['kind']}/{obj['metadata']['name']}")
                continue
            result = apply_checked(client, obj, read(client, obj), dry_run)
            outcome.writes += result.sent
            record_applied(outcome, result, show_diff)
    except ObjectRejected as rejected:
        # The spec makes an object the API server refuses: retrying cannot help, the spec must change.
        # (A Certificate is the tls role's to apply; here only when the role did not run.)
        outcome.problems = [rejected.problem]
        return
    # After the new ones are applied (an Ingress replaced by an HTTPRoute never leaves a gap): our
    # Ingresses and routes that spec.exposure no longer asks for. Owned only: nobody else's are listed.
    if progress.document["metadata"].get("uid"):
        removed = delete_stale(client, parse_tenant(pruned_spec(drop_nulls(dict(progress.document)))), dry_run)
        outcome.writes += 0 if dry_run else len(removed)
        outcome.changes += removed
    remove_stale_network_policies(client, outcome, progress.document, progress.plan["objects"], dry_run)


def lifecycle_phase(client: Any, progress: Progress) -> None:
    """Carry out the decommission pass the plan made: drained pools leave before the others are applied."""
    if progress.blocked or progress.lifecycle_items is None:
        return
    lifecycle = progress.lifecycle
    if lifecycle is None:
        # A later task than the plan: the pass (and its admin client) is observed again. If RustFS moved
        # on since, the plan no longer matches it: the next reconcile acts, this one leaves the pools be.
        stored = (progress.tenant or {}).get("status") or {}
        lifecycle, refused = observe_lifecycle(
            client, progress.request, progress.document, stored, progress.statefulsets
        )
        if refused or lifecycle is None:
            progress.outcome.problems += refused
            return
        seen = decommissioned_pools(with_lifecycle(stored, lifecycle.plan.status_items()))
        if seen != decommissioned_pools(with_lifecycle(stored, progress.lifecycle_items)):
            progress.outcome.requeue_after = 1
            return
    done = carry_out(client, lifecycle, progress.namespace, progress.request.check_mode)
    if lifecycle.refused:
        # The plan's items said "start requested"; the status must say RustFS refused it, and why.
        progress.lifecycle_items = with_lifecycle({"pools": progress.lifecycle_items}, lifecycle.refused_items())[
            "pools"
        ]
    progress.outcome.changes += done
    progress.outcome.writes += len(done)
    retired = decommissioned_pools({"pools": progress.lifecycle_items})
    progress.statefulsets = [s for s in progress.statefulsets if pool_of(s) not in retired]


def _expand(client: Any, progress: Progress, expansion: Mapping[str, Any]) -> None:
    """Grow a pool's claims, then remove its StatefulSet (orphaning pods and claims): the pool phase
    applies it again right after with the new claim templates, and it adopts the pods."""
    outcome, namespace = progress.outcome, progress.namespace
    claims = list_labelled(client, "PersistentVolumeClaim", "v1", namespace, progress.name)
    claim_resource = client.resource("PersistentVolumeClaim", "v1")
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
    name = str(expansion["statefulset"])
    orphan = {"propagationPolicy": "Orphan"}
    client.delete(client.resource("StatefulSet", "apps/v1"), name=name, namespace=namespace, body=orphan)
    outcome.writes += 1
    deadline = time.monotonic() + 60
    while name in by_name(list_labelled(client, "StatefulSet", "apps/v1", namespace, progress.name)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"StatefulSet {name} was not removed within 60s")
        time.sleep(0.2)
    progress.statefulsets = [s for s in progress.statefulsets if s["metadata"]["name"] != name]


def by_name(objects: Any) -> dict[str, dict[str, Any]]:
    return {str(o["metadata"]["name"]): o for o in objects}


def _plan_rollout(progress: Progress) -> dict[str, Any]:
    """Which pools may replace their pods now (one at a time), from the StatefulSets as last seen.

    Pools whose claims grow are recreated, so they count as new; in check mode they are not applied at all.
    """
    recreate = set(progress.plan["recreate"])
    dry_run = progress.request.check_mode
    desired = [s for s in progress.plan["statefulsets"] if not (dry_run and s["metadata"]["name"] in recreate)]
    live = [s for s in progress.statefulsets if s["metadata"]["name"] not in recreate]
    rollout = plan_rollout(desired, live)
    return {"statefulsets": by_name(rollout.statefulsets), "rolling": rollout.rolling, "held": list(rollout.held)}


def pool_phase(client: Any, progress: Progress, pool: str, show_diff: bool) -> None:
    """One pool: its PodDisruptionBudget, claim expansion, StatefulSet (in its rollout turn), and with
    wait its rollout."""
    if progress.blocked:
        return
    request, outcome, dry_run = progress.request, progress.outcome, progress.request.check_mode
    planned = [s for s in progress.plan["statefulsets"] if s["metadata"]["labels"][c.LABEL_POOL] == pool]
    if not planned:
        raise ModuleFailure(f"pool {pool!r} is not in the plan of {outcome.tenant} (pools: {progress.pools()})")
    name = str(planned[0]["metadata"]["name"])
    try:
        for obj in progress.plan["objects"]:
            if obj["kind"] == PDB_KIND and obj["metadata"]["labels"].get(c.LABEL_POOL) == pool:
                result = apply_checked(client, obj, read(client, obj), dry_run)
                outcome.writes += result.sent
                record_applied(outcome, result, show_diff)
        if name in progress.plan["recreate"]:
            if dry_run:
                # A dry-run delete leaves the StatefulSet, so its new claim templates cannot even be
                # dry-run applied: report the expansion, apply nothing of this pool.
                outcome.changes.append({"kind": "StatefulSet", "name": name, "action": "expanded"})
                return
            _expand(client, progress, next(e for e in progress.plan["expansions"] if e["statefulset"] == name))
        waiting = request.wait and not dry_run and not outcome.wait_timed_out
        if progress.rollout is None or (waiting and name in progress.rollout["held"]):
            # With wait, a held pool's turn comes once the pools before it completed.
            progress.rollout = _plan_rollout(progress)
        live = by_name(progress.statefulsets)
        result = apply_checked(
            client, progress.rollout["statefulsets"][name], live.get(name), dry_run, _pool_field(progress, pool)
        )
        outcome.writes += result.sent
        record_applied(outcome, result, show_diff)
        live[name] = without_bookkeeping(result.after)
        progress.statefulsets = sorted(live.values(), key=lambda s: str(s["metadata"]["name"]))
        outcome.rolling, outcome.held = progress.rollout["rolling"], list(progress.rollout["held"])
        if waiting and name not in progress.rollout["held"]:
            remaining = max(0.0, (progress.wait_deadline or 0) - time.time())
            current, outcome.wait_timed_out = wait_for_pools(
                client, progress.namespace, progress.name, [name], remaining
            )
            progress.statefulsets = [without_bookkeeping(s) for s in current]
            if not outcome.wait_timed_out and name == outcome.rolling:
                progress.rollout = _plan_rollout(progress)
                outcome.rolling, outcome.held = progress.rollout["rolling"], list(progress.rollout["held"])
    except ObjectRejected as rejected:
        # StatefulSetApplyFailed for the StatefulSet: nothing more is applied, as for any refusal.
        outcome.problems = [rejected.problem]


def _pool_field(progress: Progress, pool: str) -> str:
    """`spec.pools[<index>]` of POOL in the Tenant as given."""
    names = [str((p or {}).get("name")) for p in (progress.document.get("spec") or {}).get("pools") or []]
    return f"spec.pools[{names.index(pool)}]" if pool in names else "spec.pools"


def status_phase(client: Any, progress: Progress) -> None:
    """Record the spec as the last good one when it runs everywhere, then write the status and events."""
    request, outcome, tenant = progress.request, progress.outcome, progress.tenant
    if progress.pending_credentials is not None:
        # Not created (the tenant is blocked otherwise): reported with the other problems.
        outcome.problems.append(progress.pending_credentials)
        progress.pending_credentials = None
    if tenant is None:
        # Not there when planned; the tls role creates a new one in playbook mode before a TLS problem
        # blocks the shared phase, and its status must say why.
        tenant, _known = read_tenant(client, progress.name, progress.namespace)
        if tenant is None:
            return
        progress.tenant = without_bookkeeping(tenant)
    if outdated(progress.document, tenant):
        outcome.status = dict(tenant.get("status") or {})
        return
    if not progress.blocked:
        remember_if_good(client, request, outcome, progress.document, tenant, progress.statefulsets, progress.plan)
    if not request.write_status:
        outcome.status = dict(tenant.get("status") or {})
        return
    status = tenant.get("status") or {}
    problems = outcome.problems
    written = write_status(
        client,
        tenant,
        progress.statefulsets,
        problems,
        outcome.changes,
        {"lastRun": status["lastRun"]} if "lastRun" in status else {},
        (request.tls or {}).get("status") or None,
        request.check_mode,
        lifecycle=progress.lifecycle_items if not problems else None,
        provisioning=progress.provisioning if not problems else None,
    )
    outcome.status, outcome.status_changed, outcome.events = written["status"], written["changed"], written["events"]
    outcome.writes += int(written["changed"]) + len(written["events"])


def reconcile(client: Any, request: Request, show_diff: bool = False, facts: ClusterFacts | None = None) -> Outcome:
    """Every phase, in one call."""
    progress = plan_phase(client, request, facts)
    credentials_phase(client, progress)
    shared_phase(client, progress, show_diff)
    lifecycle_phase(client, progress)
    for pool in progress.pools():
        pool_phase(client, progress, pool, show_diff)
    provisioning_phase(client, progress)
    status_phase(client, progress)
    return progress.outcome


def run_phase(
    client: Any,
    phase: str,
    request: Request,
    record: Mapping[str, Any] | None,
    show_diff: bool = False,
    pool: str | None = None,
) -> tuple[Progress, Outcome]:
    """One phase, continuing RECORD (the previous phase's `progress`); planned first when there is none
    for this tenant, so a phase run alone still refuses what the plan would.

    Returns the progress and what this phase alone did (its changes, diff and status change).
    """
    progress = None if record is None or phase == "plan" else Progress.from_dict(record, request.check_mode)
    metadata = request.definition.get("metadata") or {}
    target = f"{metadata.get('namespace') or 'default'}/{metadata.get('name')}"
    if progress is not None and metadata and target != progress.outcome.tenant:
        progress = None  # another tenant's (the previous item of a loop): plan this one
    if progress is None:
        if not metadata.get("name"):
            raise ModuleFailure("definition.metadata.name is required (or progress, from the plan phase)")
        progress = plan_phase(client, request)
    else:
        progress.step += 1
    changes_from, diff_from = len(progress.outcome.changes), len(progress.outcome.diff)
    status_before = progress.outcome.status_changed
    if phase == "credentials":
        credentials_phase(client, progress)
    elif phase == "shared":
        shared_phase(client, progress, show_diff, request.tls)
    elif phase == "lifecycle":
        lifecycle_phase(client, progress)
    elif phase == "pool":
        for name in [pool] if pool else progress.pools():
            pool_phase(client, progress, name, show_diff)
    elif phase == "provisioning":
        provisioning_phase(client, progress)
    elif phase == "status":
        status_phase(client, progress)
    done = progress.outcome
    alone = Outcome(
        tenant=done.tenant,
        changes=done.changes[changes_from:],
        diff=done.diff[diff_from:],
        status_changed=done.status_changed and not status_before,
    )
    return progress, alone
