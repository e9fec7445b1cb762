# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""One pass of rustfs.operator.snapshot: read the tenants, their claims and VolumeSnapshots, execute the plan.

The engine (snapshots.py) decides; this reads the cluster, creates and deletes VolumeSnapshots
(server-side dry-run in check mode), posts the tenant's events and writes status.snapshots. A
VolumeSnapshot is created, never applied: a name already taken fails the pass instead of taking over
somebody's object.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils import snapshots
from ansible_collections.rustfs.operator.plugins.module_utils.errors import ModuleFailure
from ansible_collections.rustfs.operator.plugins.module_utils.events import event_object
from ansible_collections.rustfs.operator.plugins.module_utils.kube import NotFoundError, ResourceNotFoundError, plain
from ansible_collections.rustfs.operator.plugins.module_utils.live import list_labelled, read_tenant

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _snapshot_resource(client: Any) -> Any:
    try:
        return client.resource(snapshots.KIND, snapshots.API_VERSION)
    except ResourceNotFoundError as error:
        raise ModuleFailure(snapshots.CRDS_MISSING) from error


def _tenants(client: Any, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The Tenant named, or every Tenant with snapshots enabled (in the namespace, when one is given)."""
    if params.get("name"):
        namespace = str(params.get("namespace") or "default")
        stored, known = read_tenant(client, str(params["name"]), namespace)
        if stored is None:
            where = "" if known else " (the Tenant CRD is not installed)"
            raise ModuleFailure(f"Tenant {namespace}/{params['name']} not found{where}")
        return [stored]
    try:
        resource = client.resource(c.TENANT_KIND, c.TENANT_API_VERSION)
    except ResourceNotFoundError as error:
        raise ModuleFailure("the Tenant CRD is not installed") from error
    items = plain(client.get(resource, namespace=params.get("namespace") or None))["items"]
    enabled = [t for t in items if snapshots.settings(t.get("spec") or {}).enabled]
    return sorted(enabled, key=lambda t: (t["metadata"]["namespace"], t["metadata"]["name"]))


def _sets(found: Sequence[snapshots.SnapshotSet]) -> list[dict[str, Any]]:
    return [
        {
            "id": s.id,
            "time": s.time.strftime(TIME_FORMAT),
            "snapshots": list(s.names),
            "ready": s.ready,
            "failed": list(s.failed),
        }
        for s in found
    ]


def _write_status(client: Any, document: Mapping[str, Any], summary: Mapping[str, Any] | None) -> None:
    """status.snapshots, when it moved; a tenant without a status yet (never reconciled) gets none."""
    status = document.get("status") or {}
    if summary is None or not status or status.get("snapshots") == summary:
        return
    metadata = document["metadata"]
    client.patch(
        client.resource(c.TENANT_KIND, c.TENANT_API_VERSION).status,
        {"metadata": {"name": metadata["name"]}, "status": {"snapshots": dict(summary)}},
        name=metadata["name"],
        namespace=metadata["namespace"],
        content_type="application/merge-patch+json",
    )


def _one(client: Any, resource: Any, document: Mapping[str, Any], mode: str, check_mode: bool) -> dict[str, Any]:
    name, namespace = str(document["metadata"]["name"]), str(document["metadata"]["namespace"])
    claims = list_labelled(client, "PersistentVolumeClaim", "v1", namespace, name)
    try:
        live = plain(client.get(resource, namespace=namespace, label_selector=f"{c.LABEL_TENANT}={name}"))["items"]
    except NotFoundError as error:  # the kind went away since discovery cached it
        raise ModuleFailure(snapshots.CRDS_MISSING) from error
    now = datetime.now(UTC).replace(microsecond=0)
    result = snapshots.plan(document, claims, live, now, mode)
    dry_run = "All" if check_mode else None
    for obj in result.create:
        client.create(resource, obj, namespace=namespace, field_manager=c.FIELD_MANAGER, dry_run=dry_run)
    for snapshot in result.delete:
        client.delete(resource, name=snapshot, namespace=namespace, dry_run=dry_run)
    if not check_mode:
        _write_status(client, document, result.status())
        event_resource = client.resource("Event", "v1")
        for spec in snapshots.events(result):
            client.create(event_resource, event_object(document, spec, now.strftime(TIME_FORMAT)), namespace=namespace)
    return {
        "tenant": result.tenant,
        "changed": result.changed,
        "due": result.due,
        "due_at": result.due_at.strftime(TIME_FORMAT) if result.due_at else None,
        "set": result.set_id,
        "created": [o["metadata"]["name"] for o in result.create],
        "deleted": list(result.delete),
        "pruned_sets": list(result.pruned_sets),
        "sets": _sets(result.sets),
        "blocked": result.blocked,
        "skipped": result.skipped,
        "selector": snapshots.selector(name),
        "summary": snapshots.summary(result),
    }


def execute(client: Any, params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
    """The whole task, for the action plugin (the path plays take) and for main()."""
    del diff
    mode = str(params.get("mode") or "scheduled")
    documents = _tenants(client, params)
    resource = _snapshot_resource(client)
    tenants = [_one(client, resource, document, mode, check_mode) for document in documents]
    result: dict[str, Any] = {
        "changed": any(t["changed"] for t in tenants),
        "tenants": tenants,
        "created": [f"{t['tenant'].split('/')[0]}/{n}" for t in tenants for n in t["created"]],
        "deleted": [f"{t['tenant'].split('/')[0]}/{n}" for t in tenants for n in t["deleted"]],
        "summary": [line for t in tenants for line in t["summary"]],
    }
    blocked = [f"{t['tenant']}: {t['blocked']}" for t in tenants if t["blocked"]]
    if blocked:
        raise ModuleFailure("no snapshot set taken for " + "; ".join(blocked), **result)
    return result
