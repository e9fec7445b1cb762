# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""The last good spec of a tenant, and the rollback to it (issue 7, item 2).

A change can pass every check and still break a tenant: an image that crashes,
an environment variable RustFS refuses. The fastest way back is the spec that
last ran well. A reconcile that finds every pool rolled out (RolloutComplete)
at the Tenant's current generation, with no problem, records that spec in the
ConfigMap `{tenant}-history` (data key `last-good.json`, owned by the Tenant,
so it goes with it); a rollback restores it.

A rollback is a spec change like any other, so it passes the same validation
and the same refusals of unsafe changes: pools added since the record are kept
(removing a pool is refused anyway), pools removed since stay removed, and
`spec.poolLifecycle` (requests, not configuration) is kept as it is. A rollback
that would be unsafe (a claim that grew since cannot shrink back) is refused
with the reason.

Pure: callers read the Tenant, the ConfigMap and the StatefulSets, and write.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.checks import ClusterFacts
from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError, field_error
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, as_dict, as_list, parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.naming import common_labels, statefulset_name
from ansible_collections.rustfs.operator.plugins.module_utils.plan import plan_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.render import RenderOptions, owner_reference
from ansible_collections.rustfs.operator.plugins.module_utils.schema import drop_nulls, pruned_spec
from ansible_collections.rustfs.operator.plugins.module_utils.server_apply import applied_digest
from ansible_collections.rustfs.operator.plugins.module_utils.status import pool_state

HISTORY_KEY = "last-good.json"
RECORD_VERSION = 1
# Operator mode: a new value of this annotation asks for a rollback; the rollback writes the value
# it answered into the second one, in the same patch as the spec, so a request is carried out once.
ANNOTATION_ROLLBACK = "operator.rustfs.com/rollback"
ANNOTATION_ROLLBACK_HANDLED = "operator.rustfs.com/rollback-handled"
# Requests, not configuration: a rollback keeps the current value.
KEPT_FIELDS = ("poolLifecycle",)
REASON_NO_RECORD = "RollbackUnavailable"
REASON_BAD_RECORD = "RollbackRecordInvalid"


def history_name(tenant_name: str) -> str:
    """The ConfigMap that holds a tenant's last good spec."""
    return f"{tenant_name}-history"


def spec_digest(spec: Any) -> str:
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _decommissioned(document: Mapping[str, Any]) -> set[str]:
    pools = as_list(as_dict(document.get("status")).get("pools"))
    return {str(as_dict(p).get("name")) for p in pools if as_dict(p).get("lifecycleState") == "Decommissioned"}


def last_good_record(
    tenant_document: Mapping[str, Any],
    statefulsets: Sequence[Mapping[str, Any]],
    problems: Sequence[Mapping[str, Any]],
    now: str | None = None,
    desired: Sequence[Mapping[str, Any]] | None = None,
) -> JSON | None:
    """The record to store when TENANT_DOCUMENT's spec is running well, else None.

    TENANT_DOCUMENT: the Tenant with `metadata.generation` (and `uid`), its spec as applied.
    STATEFULSETS: the tenant's live StatefulSets after the run; PROBLEMS: the run's problems.
    Good means: no problem, and the StatefulSet of every pool (decommissioned ones aside) is
    RolloutComplete. DESIRED (the plan's StatefulSets), when given, must also be what each live
    StatefulSet was last applied as (its operator.rustfs.com/applied-digest annotation), so a
    spec never gets recorded on the strength of pods that still run an earlier one.
    """
    if problems:
        return None
    document = drop_nulls(dict(tenant_document))
    metadata = as_dict(document.get("metadata"))
    generation = metadata.get("generation")
    if not isinstance(generation, int) or isinstance(generation, bool):
        return None
    spec = pruned_spec(document)["spec"]
    tenant = parse_tenant({**document, "spec": spec})
    if not tenant.pools:
        return None
    live = {str(as_dict(as_dict(s.get("metadata")).get("labels")).get(c.LABEL_POOL)): s for s in statefulsets}
    wanted = {str(as_dict(s.get("metadata")).get("name")): s for s in desired or ()}
    skipped = _decommissioned(document)
    for pool in tenant.pools:
        if pool.name in skipped:
            continue
        statefulset = live.get(pool.name)
        if statefulset is None or pool_state(statefulset) != "RolloutComplete":
            return None
        if desired is not None:
            target = wanted.get(statefulset_name(tenant.name, pool.name))
            annotations = as_dict(as_dict(statefulset.get("metadata")).get("annotations"))
            if target is None or annotations.get(c.ANNOTATION_APPLIED) != applied_digest(target):
                return None
    return {
        "version": RECORD_VERSION,
        "tenant": tenant.name,
        "uid": tenant.uid,
        "generation": generation,
        "time": now or _now(),
        "digest": spec_digest(spec),
        "spec": spec,
    }


def read_record(configmap: Mapping[str, Any] | None) -> JSON | None:
    """The record a history ConfigMap holds; None without one. ValueError when it is not a record."""
    text = as_dict(as_dict(configmap).get("data")).get(HISTORY_KEY)
    if text is None:
        return None
    try:
        record = json.loads(str(text))
    except ValueError as error:
        raise ValueError(f"{HISTORY_KEY} is not JSON ({error})") from error
    if not isinstance(record, dict) or not isinstance(record.get("spec"), dict):
        raise ValueError(f"{HISTORY_KEY} holds no spec")
    return record


def history_configmap(
    tenant_document: Mapping[str, Any], record: Mapping[str, Any], existing: Mapping[str, Any] | None = None
) -> JSON | None:
    """The ConfigMap to apply for RECORD; None when EXISTING already holds the same spec (no write).

    Named `{tenant}-history`, with the tenant's common labels and its owner reference (garbage
    collected with the Tenant). A record of the same spec (same digest, same Tenant uid) is not
    rewritten, so an unchanged tenant costs no write and the record keeps its first time.
    """
    try:
        stored = read_record(existing)
    except ValueError:
        stored = None
    if stored is not None and (stored.get("digest"), stored.get("uid")) == (record["digest"], record.get("uid")):
        return None
    tenant = parse_tenant(dict(tenant_document))
    metadata: JSON = {
        "name": history_name(tenant.name),
        "namespace": tenant.namespace,
        "labels": common_labels(tenant.name),
    }
    reference = owner_reference(tenant)
    if reference is not None:
        metadata["ownerReferences"] = [reference]
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata,
        "data": {HISTORY_KEY: json.dumps(dict(record), indent=2, sort_keys=True) + "\n"},
    }


class Rollback(NamedTuple):
    spec: JSON | None  # the spec to restore; None when refused
    problems: list[dict[str, Any]]  # why the rollback is refused
    notes: list[str]  # what the rollback keeps from the current spec, and why


def _record_problems(current: Mapping[str, Any], record: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    name = str(as_dict(current.get("metadata")).get("name", ""))
    if record is None:
        return [
            dict(
                field_error(
                    "metadata.name",
                    f"no last good spec is recorded for tenant {name} (ConfigMap {history_name(name)}, key "
                    f"{HISTORY_KEY}): one is recorded when a reconcile finds every pool rolled out with no problem",
                    REASON_NO_RECORD,
                )
            )
        ]
    spec = record.get("spec")
    problems: list[FieldError] = []
    if not isinstance(spec, dict) or not isinstance(spec.get("pools"), list):
        problems.append(field_error("spec", f"the record in {history_name(name)} holds no spec", REASON_BAD_RECORD))
    elif record.get("digest") != spec_digest(spec):
        problems.append(
            field_error(
                "spec",
                f"the record in {history_name(name)} does not match its digest: it was edited by hand; "
                "restore the spec yourself or wait for a new record",
                REASON_BAD_RECORD,
            )
        )
    uid = as_dict(current.get("metadata")).get("uid")
    if record.get("uid") and uid and record["uid"] != uid:
        problems.append(
            field_error(
                "metadata.uid",
                f"the record in {history_name(name)} belongs to an earlier Tenant of the same name "
                f"(uid {record['uid']})",
                REASON_BAD_RECORD,
            )
        )
    return [dict(p) for p in problems]


def restored_spec(current_spec: Mapping[str, Any], recorded: Mapping[str, Any]) -> tuple[JSON, list[str]]:
    """The recorded spec merged with what a rollback keeps of CURRENT_SPEC, and notes saying what."""
    spec: JSON = {k: copy.deepcopy(v) for k, v in recorded.items() if k not in ("pools", *KEPT_FIELDS)}
    notes: list[str] = []
    for key in KEPT_FIELDS:
        if key in current_spec:
            spec[key] = copy.deepcopy(current_spec[key])
        if current_spec.get(key) != recorded.get(key):
            notes.append(f"spec.{key} is kept as it is now (requests, not configuration)")
    current_pools = [as_dict(p) for p in as_list(current_spec.get("pools"))]
    current_names = [str(p.get("name")) for p in current_pools]
    pools = []
    for entry in (as_dict(p) for p in as_list(recorded.get("pools"))):
        if str(entry.get("name")) in current_names:
            pools.append(copy.deepcopy(entry))
        else:
            notes.append(f"pool {entry.get('name')} left the spec since the record and is not restored")
    recorded_names = {str(p.get("name")) for p in pools}
    for entry in current_pools:
        if str(entry.get("name")) not in recorded_names:
            pools.append(copy.deepcopy(entry))
            notes.append(f"pool {entry.get('name')} was added since the record and is kept as it is")
    spec["pools"] = pools
    return spec, notes


def rollback_spec(
    current_document: Mapping[str, Any],
    record: Mapping[str, Any] | None,
    live_statefulsets: Sequence[Mapping[str, Any]] | None = None,
    tenant_status: Mapping[str, Any] | None = None,
    facts: ClusterFacts | None = None,
    options: RenderOptions | None = None,
) -> Rollback:
    """The spec that restores RECORD (read_record()) on the Tenant CURRENT_DOCUMENT, or why it cannot.

    Tenant-level fields come from the record (spec.poolLifecycle excepted); pools in both get their
    recorded entry, pools added since stay, pools removed since stay removed. The result must pass
    validation and the safety checks against LIVE_STATEFULSETS (default: the StatefulSets the
    current spec renders), as any change would; TENANT_STATUS and FACTS as for plan.plan_tenant.
    """
    problems = _record_problems(current_document, record)
    if problems or record is None:
        return Rollback(None, problems, [])
    current_spec = as_dict(current_document.get("spec"))
    spec, notes = restored_spec(current_spec, as_dict(record.get("spec")))
    restored = {**dict(current_document), "spec": spec}
    restored.pop("status", None)
    if live_statefulsets is None:
        running = {k: v for k, v in current_document.items() if k != "status"}
        live_statefulsets = plan_tenant(running, options=options)["statefulsets"]
    status = as_dict(current_document.get("status")) if tenant_status is None else tenant_status
    plan = plan_tenant(restored, live_statefulsets, status, options, facts)
    if plan["problems"]:
        generation = record.get("generation")
        return Rollback(
            None,
            [
                {**p, "message": f"restoring the last good spec (generation {generation}): {p['message']}"}
                for p in plan["problems"]
            ],
            notes,
        )
    return Rollback(spec, [], notes)


def rollback_requested(tenant: Mapping[str, Any]) -> str | None:
    """The rollback request (operator.rustfs.com/rollback) not yet carried out, else None.

    Any new value asks again: set it to a time or a counter. The rollback records the value it
    answered in operator.rustfs.com/rollback-handled, refused requests included.
    """
    annotations = as_dict(as_dict(tenant.get("metadata")).get("annotations"))
    request = str(annotations.get(ANNOTATION_ROLLBACK) or "").strip()
    if not request or str(annotations.get(ANNOTATION_ROLLBACK_HANDLED) or "").strip() == request:
        return None
    return request
