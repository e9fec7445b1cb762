#!/usr/bin/python
# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Module tenant_rollback: restore a Tenant's last good spec (the rustfs.operator.rollback playbook)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: tenant_rollback
short_description: Restore the last good spec of a RustFS Tenant
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
requirements:
  - PyYAML >=6.0 (YAML documents, on the Ansible controller)
  - jsonschema >=4.17 (the Tenant schema, on the Ansible controller)
  - kubernetes >=24.2.0 (the Kubernetes API client, on the Ansible controller)
description:
  - Reads the Tenant and its last good spec - recorded in the ConfigMap C(<tenant>-history) (key
    C(last-good.json)) by the reconcile that last found every pool rolled out with no problem - and
    patches the Tenant's C(spec) back to it (a JSON merge patch, conditional on the Tenant's
    C(resourceVersion)).
  - Only the Tenant resource is changed; run the C(rustfs.operator.tenant) role (or let the in-cluster
    operator react) to roll the pools back. The C(rustfs.operator.rollback) playbook does both.
  - Tenant-level fields come from the record. A pool in both the record and the Tenant gets its recorded
    entry; a pool added since is kept as it is; a pool removed since stays removed; C(spec.poolLifecycle)
    is kept. The result says so in C(notes).
  - The restored spec passes the same validation and refusals of unsafe changes as any other (checked
    against the live StatefulSets); a rollback that would be refused (a claim that grew since cannot
    shrink back, for example) fails with the reasons and changes nothing.
  - Fails when no spec is recorded yet, or when the record does not belong to this Tenant or was edited.
  - Records a C(RollbackApplied) (or C(RollbackRefused)) event on the Tenant.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - rustfs.operator.tenant_settings
  - rustfs.operator.tenant_settings.default_image
options:
  name:
    description: The Tenant name.
    type: str
    required: true
  namespace:
    description: The Tenant namespace.
    type: str
    default: default
  request:
    description:
      - The rollback request this run answers - in operator mode the value of the Tenant annotation
        C(operator.rustfs.com/rollback).
      - Written to the annotation C(operator.rustfs.com/rollback-handled) in the same patch as the spec
        (and alone when the rollback is refused), so a request is carried out once.
    type: str
attributes:
  check_mode:
    support: full
    description: The patch is sent as a server-side dry run (the API server validates it); nothing is written.
  diff_mode:
    support: full
    description: Shows the Tenant spec before and after.
notes:
  - In playbook mode the Tenant manifest you apply stays the source of truth - put the restored spec in it
    too (C(definition.spec) of the result), or the next run of C(rustfs.operator.tenant) applies the
    change again.
"""

EXAMPLES = r"""
- name: Restore the last good spec of a tenant
  rustfs.operator.tenant_rollback:
    name: example-tenant
    namespace: rustfs-system
  register: rollback

- name: Roll the pools back to it
  ansible.builtin.include_role:
    name: rustfs.operator.tenant
  vars:
    tenant_definition: "{{ rollback.definition }}"
    tenant_manage_resource: false
"""

RETURN = r"""
tenant:
  description: The tenant, as C(namespace/name).
  returned: always
  type: str
  sample: rustfs-system/example-tenant
rolled_back:
  description: Whether the Tenant's spec was changed (false when it already is the last good spec).
  returned: always
  type: bool
record:
  description: The record restored - C(generation) of the Tenant it was taken from, C(time), C(digest) of the spec.
  returned: when a record exists
  type: dict
  sample: {generation: 4, time: "2025-01-01T00:00:00Z", digest: "sha256:5b1e..."}
notes:
  description: What the rollback kept from the current spec, and why.
  returned: always
  type: list
  elements: str
  sample: ["pool pool-1 was added since the record and is kept as it is"]
problems:
  description: Why the rollback is refused (each with C(field), C(message), C(reason)); empty on success.
  returned: always
  type: list
  elements: dict
definition:
  description:
    - The Tenant after the rollback (C(apiVersion), C(kind), C(metadata) with name, namespace, uid, labels
      and annotations, C(spec)), to pass to the C(rustfs.operator.tenant) role.
  returned: success
  type: dict
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.argument_specs import (
    CLUSTER_DOMAIN_SPEC,
    DEFAULT_IMAGE_SPEC,
)
from ansible_collections.rustfs.operator.plugins.module_utils.checks import ClusterFacts
from ansible_collections.rustfs.operator.plugins.module_utils.errors import ModuleFailure
from ansible_collections.rustfs.operator.plugins.module_utils.events import EventSpec, event_object
from ansible_collections.rustfs.operator.plugins.module_utils.history import (
    ANNOTATION_ROLLBACK_HANDLED,
    REASON_BAD_RECORD,
    Rollback,
    history_name,
    read_record,
    rollback_spec,
)
from ansible_collections.rustfs.operator.plugins.module_utils.kube import (
    AUTH_ARG_SPEC,
    ResourceNotFoundError,
    get_api_client,
    get_or_none,
    plain,
    run_module,
)
from ansible_collections.rustfs.operator.plugins.module_utils.live import list_cluster, list_labelled
from ansible_collections.rustfs.operator.plugins.module_utils.render import RenderOptions
from ansible_collections.rustfs.operator.plugins.module_utils.status import merge_patch


class RollbackFailed(Exception):
    def __init__(self, message: str, result: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.result = dict(result)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def definition_of(tenant: Mapping[str, Any]) -> dict[str, Any]:
    """The Tenant as the tenant role takes it: identity, labels, annotations, spec (no status)."""
    metadata = tenant.get("metadata") or {}
    keys = ("name", "namespace", "uid", "generation", "labels", "annotations")
    kept = {k: metadata[k] for k in keys if k in metadata}
    return {"apiVersion": c.TENANT_API_VERSION, "kind": c.TENANT_KIND, "metadata": kept, "spec": tenant.get("spec")}


def _patch(client: Any, tenant: Mapping[str, Any], body: dict[str, Any], check_mode: bool) -> dict[str, Any]:
    metadata = tenant["metadata"]
    body["metadata"] = {**body.get("metadata", {}), "resourceVersion": metadata.get("resourceVersion")}
    patched: dict[str, Any] = plain(
        client.patch(
            client.resource(c.TENANT_KIND, c.TENANT_API_VERSION),
            body,
            name=metadata["name"],
            namespace=metadata["namespace"],
            content_type="application/merge-patch+json",
            dry_run="All" if check_mode else None,
        )
    )
    return patched


def _event(client: Any, tenant: Mapping[str, Any], event: EventSpec) -> None:
    client.create(
        client.resource("Event", "v1"),
        event_object(tenant, event, _now()),
        namespace=tenant["metadata"]["namespace"],
    )


def rollback(
    client: Any,
    name: str,
    namespace: str,
    request: str | None = None,
    check_mode: bool = False,
    options: RenderOptions | None = None,
) -> dict[str, Any]:
    """Restore the last good spec of the Tenant NAMESPACE/NAME; RollbackFailed says why it cannot."""
    result: dict[str, Any] = {"changed": False, "tenant": f"{namespace}/{name}", "rolled_back": False}
    result.update(notes=[], problems=[])
    try:
        tenant = get_or_none(client, c.TENANT_KIND, c.TENANT_API_VERSION, name, namespace)
    except ResourceNotFoundError as error:
        raise RollbackFailed("the Tenant CRD (tenants.rustfs.com) is not installed", result) from error
    if tenant is None:
        raise RollbackFailed(f"Tenant {namespace}/{name} does not exist", result)
    configmap = get_or_none(client, "ConfigMap", "v1", history_name(name), namespace)
    record: dict[str, Any] | None = None
    outcome: Rollback | None = None
    try:
        record = read_record(configmap)
        outcome = rollback_spec(
            tenant,
            record,
            list_labelled(client, "StatefulSet", "apps/v1", namespace, name),
            tenant.get("status") or {},
            ClusterFacts.from_api(storage_classes=list_cluster(client, "StorageClass", "storage.k8s.io/v1")),
            options,
        )
    except ValueError as error:
        message = f"the record in ConfigMap {history_name(name)} is unreadable: {error}"
        result["problems"] = [{"field": "spec", "message": message, "reason": REASON_BAD_RECORD}]
    if record is not None:
        result["record"] = {key: record.get(key) for key in ("generation", "time", "digest")}
    annotations = (tenant.get("metadata") or {}).get("annotations") or {}
    acknowledge = bool(request) and annotations.get(ANNOTATION_ROLLBACK_HANDLED) != request
    if outcome is not None:
        result["notes"], result["problems"] = outcome.notes, outcome.problems
    if outcome is None or outcome.spec is None:
        summary = "; ".join(f"{p['field']}: {p['message']} ({p['reason']})" for p in result["problems"])
        if acknowledge and not check_mode:
            # A refused request is answered too: it is not retried until the annotation changes.
            _patch(client, tenant, {"metadata": {"annotations": {ANNOTATION_ROLLBACK_HANDLED: request}}}, False)
            _event(client, tenant, {"type": "Warning", "reason": "RollbackRefused", "message": summary})
            result["changed"] = True
        raise RollbackFailed(f"Cannot roll back tenant {namespace}/{name}: {summary}", result)

    before = tenant.get("spec") or {}
    body: dict[str, Any] = {}
    if outcome.spec != before:
        body["spec"] = merge_patch(before, outcome.spec)
    if acknowledge:
        body["metadata"] = {"annotations": {ANNOTATION_ROLLBACK_HANDLED: request}}
    after = _patch(client, tenant, body, check_mode) if body else dict(tenant)
    result["rolled_back"] = (after.get("spec") or {}) != before
    result["changed"] = result["rolled_back"] or acknowledge
    result["definition"] = definition_of(after)
    result["diff"] = {"before": {"spec": before}, "after": {"spec": after.get("spec") or {}}}
    if result["rolled_back"] and not check_mode:
        restored = result["record"]
        message = f"restored the spec of generation {restored['generation']} (recorded {restored['time']})"
        if outcome.notes:
            message += "; " + "; ".join(outcome.notes)
        _event(client, after, {"type": "Normal", "reason": "RollbackApplied", "message": message})
    return result


ARGUMENT_SPEC: dict[str, Any] = {
    **AUTH_ARG_SPEC,
    **CLUSTER_DOMAIN_SPEC,
    **DEFAULT_IMAGE_SPEC,
    "name": {"type": "str", "required": True},
    "namespace": {"type": "str", "default": "default"},
    "request": {"type": "str"},
}


def execute(client: Any, params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
    """The whole task, for the action plugin (the path plays take) and for main()."""
    options = RenderOptions(cluster_domain=params["cluster_domain"], default_image=params["default_image"])
    try:
        result = rollback(client, params["name"], params["namespace"], params["request"] or None, check_mode, options)
    except RollbackFailed as failure:
        failure.result.pop("diff", None)
        raise ModuleFailure(str(failure), **failure.result) from None
    if not diff:
        result.pop("diff", None)
    return result


def failure_prefix(params: dict[str, Any]) -> str:
    return f"Failed to roll back tenant {params['name']}"


def main() -> None:
    """Kept so the module runs alone and ansible-test checks its options; plays run the action plugin."""
    module = AnsibleK8SModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, execute, failure_prefix, get_api_client)


if __name__ == "__main__":
    main()
