#!/usr/bin/python
# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Module tenant_reconcile: a whole reconcile of a tenant in one module run (the hot path of every mode)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: tenant_reconcile
short_description: Reconcile one RustFS tenant - read, plan, apply and report, whole or one phase at a time
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
requirements:
  - PyYAML >=6.0 (YAML documents, on the Ansible controller)
  - jsonschema >=4.17 (the Tenant schema, on the Ansible controller)
  - kubernetes >=24.2.0 (the Kubernetes API client, on the Ansible controller)
description:
  - Reads the tenant's live state (Tenant, StatefulSets, PersistentVolumeClaims, referenced Secrets),
    plans the reconcile with the collection's engine, refuses unsafe changes before any write, applies
    the tenant's objects with server-side apply (field manager C(rustfs-operator)), and writes the
    Tenant status and events.
  - This is what the C(rustfs.operator.tenant) role runs, one O(phase) per task; use the role unless you
    need the module alone.
  - O(phase=plan) reads, validates, checks and plans, and writes nothing; each later phase continues the
    RV(progress) of the task before it (O(progress)). A phase given no O(progress) for this tenant plans
    first, so a play run with C(--tags) still refuses what the plan refuses.
  - Runs in the Ansible controller (an action plugin), so it needs the C(kubernetes) Python library there and
    costs no module process; the options and C(K8S_AUTH_*) variables authenticate as kubernetes.core's do.
  - An object whose live state already matches what would be applied is not sent at all, so a run with
    nothing to do makes no API write and reports C(changed=false). Each applied object carries the
    annotation C(operator.rustfs.com/applied-digest) for that purpose.
  - A blocked tenant (invalid spec, bad Secret, refused change) gets its status and events and no other
    write; the module does not fail for it, the result says why (C(blocked), C(problems)).
  - Secret values never appear in the result. Generated credentials are created directly in the cluster.
  - Before the apply, the configuration is checked against the cluster - StorageClasses, schedulable
    nodes, node sizes, PriorityClasses - when this identity may list them; a check it may not make is
    skipped, not failed.
  - A pod template change replaces the pods of one pool at a time; the other pools get the new template
    with a partition that holds their pods until their turn.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - rustfs.operator.tenant_settings
  - rustfs.operator.tenant_settings.default_image
options:
  definition:
    description:
      - The Tenant (C(rustfs.com/v1alpha1)) as a dict - the manifest of the user, or the stored resource.
      - C(metadata.namespace) defaults to C(default).
      - Required unless O(progress) or O(definitions) is given.
    type: dict
  definitions:
    description:
      - Several Tenants, reconciled one after the other in this one task (O(phase=all) only, no O(tls)); the
        result is RV(tenants). A tenant that fails (an API error, say) is recorded there and does not stop
        the others, and the task does not fail for it.
      - What the C(rustfs.operator.tenant) role's C(batch) entry point runs.
    type: list
    elements: dict
  phase:
    description:
      - C(all) does the whole reconcile in this task.
      - C(plan) reads the live state and the cluster, validates, checks and plans; it writes nothing.
      - C(credentials) creates the credentials Secret (with O(generate_credentials)).
      - C(shared) applies the Tenant resource (O(manage_resource)) and what the pools share - ServiceAccount,
        RBAC, Services; with O(tls), the plan takes the certificates' hash first.
      - C(lifecycle) carries out a pool decommission (C(spec.poolLifecycle)).
      - C(pool) applies one pool (O(pool), or each in turn) - its PodDisruptionBudget, claim expansion and
        StatefulSet in its rollout turn, and with O(wait) waits for its rollout.
      - C(provisioning) creates and updates the canned policies, users and buckets of C(spec.policies),
        C(spec.users) and C(spec.buckets) in RustFS once every pod is Ready (O(admin_endpoint)), and reads
        them back; nothing is ever deleted. See C(docs/provisioning.md).
      - C(status) records the last good spec and writes the Tenant status and events.
      - A blocked tenant gets no write from any phase but C(status).
    type: str
    choices: [all, plan, credentials, shared, lifecycle, pool, provisioning, status]
    default: all
  progress:
    description:
      - The RV(progress) the previous phase returned. The other options were taken by the plan phase and are
        not read again, except O(tls) (by the C(shared) phase) and O(pool).
    type: dict
  pool:
    description: With O(phase=pool), the pool (C(spec.pools[].name)) to apply; all of them when unset.
    type: str
  manage_resource:
    description:
      - Also apply the Tenant resource itself (playbook mode). A new Tenant is created first so its
        children get owner references.
      - Leave false when the Tenant is managed elsewhere (GitOps, the in-cluster operator).
    type: bool
    default: false
  generate_credentials:
    description: When C(spec.credsSecret) names a Secret that does not exist, create it with random values.
    type: bool
    default: false
  write_status:
    description: Write the Tenant status and events.
    type: bool
    default: true
  wait:
    description: Wait until every pool's StatefulSet has completed its rollout (all replicas updated and ready).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait with O(wait); the module fails after writing the status when they pass.
    type: int
    default: 300
  tls:
    description:
      - For a TLS tenant, the C(tls_result) of the C(rustfs.operator.tls) role - C(inputs) (the certificate
        hash the pods carry), C(problems) and C(status) (published as C(status.certificates.tls)).
      - Omit for a tenant without TLS.
    type: dict
  admin_endpoint:
    description:
      - Base URL of the tenant's RustFS admin API (and S3 API, the same address), used to drive a pool
        decommission (C(spec.poolLifecycle)) and to provision C(spec.policies), C(spec.users) and
        C(spec.buckets); for example C(http://127.0.0.1:9000) through C(kubectl port-forward).
      - Unset, it is the tenant's C({tenant}-io) Service, which only a caller inside the cluster can reach.
        See C(docs/decommission.md).
    type: str
attributes:
  check_mode:
    support: full
    description: Every apply is a server-side dry run; nothing is written.
  diff_mode:
    support: full
    description: Shows, for each object that would change, the object before and after.
"""

EXAMPLES = r"""
- name: Plan, then apply the pools only
  rustfs.operator.tenant_reconcile:
    phase: plan
    definition: "{{ tenant }}"
  register: tenant_progress

- name: Apply each pool
  rustfs.operator.tenant_reconcile:
    phase: pool
    pool: "{{ item }}"
    progress: "{{ tenant_progress.progress }}"
  loop: "{{ tenant_progress.pools }}"

- name: Create or update a tenant and its Tenant resource
  rustfs.operator.tenant_reconcile:
    definition: "{{ lookup('ansible.builtin.file', 'tenant.yaml') | ansible.builtin.from_yaml }}"
    manage_resource: true
  register: reconcile

- name: Say why the tenant is blocked
  ansible.builtin.debug:
    msg: "{{ reconcile.problems }}"
  when: reconcile.blocked
"""

RETURN = r"""
tenant:
  description: The tenant, as C(namespace/name).
  returned: always
  type: str
  sample: rustfs-system/example-tenant
blocked:
  description: Whether a problem stopped the apply (nothing but the status and events was written).
  returned: always
  type: bool
problems:
  description: Why the tenant is blocked; empty otherwise.
  returned: always
  type: list
  elements: dict
  contains:
    field:
      description: The Tenant field at fault.
      type: str
    message:
      description: What is wrong and what to do.
      type: str
    reason:
      description: The status reason, for example C(StatefulSetUpdateValidationFailed).
      type: str
changes:
  description: The objects this run created or updated (with O(phase), every phase so far; C(changed) is this phase's).
  returned: always
  type: list
  elements: dict
  sample: [{kind: StatefulSet, name: example-tenant-primary, action: created}]
applied:
  description: Every object the tenant is made of, as C(Kind/name); empty when blocked.
  returned: always
  type: list
  elements: str
status:
  description: The Tenant status after this run (empty when there is no Tenant resource).
  returned: always
  type: dict
events:
  description: The events recorded on the Tenant.
  returned: always
  type: list
  elements: dict
kept_claims:
  description: The tenant's PersistentVolumeClaims (never deleted by a reconcile).
  returned: always
  type: list
  elements: str
writes:
  description: API write requests this run made (0 for a tenant with nothing to do).
  returned: always
  type: int
configuration_warnings:
  description:
    - Configuration warnings that do not block the tenant (for example C(MixedStorageClasses)); also
      shown as task warnings. See C(docs/configuration-checks.md).
  returned: always
  type: list
  elements: dict
rollout:
  description:
    - The pool whose pods are being replaced (C(rolling)) and the pools waiting for their turn (C(held),
      kept on their current pods by a StatefulSet partition). Pools roll one at a time; a later run
      releases the next one (with O(wait), this run does).
  returned: always
  type: dict
progress:
  description:
    - What the plan phase read and planned and what the phases did so far, for the next phase's O(progress)
      (no Secret value). Not returned with O(phase=all).
    - Readable are C(run) (this reconcile's id) and C(step) (of two records of a run, the one with more steps
      is the later), C(document) (the Tenant the plan validated) and C(stored) (whether the Tenant resource
      exists); the rest is packed in C(state), a compressed string, which Ansible passes from task to task
      far faster than the same data as nested values.
  returned: when O(phase) is not C(all)
  type: dict
pools:
  description: The pools the plan applies, in spec order (the items of the C(pool) phase).
  returned: when O(phase) is not C(all)
  type: list
  elements: str
tenants:
  description:
    - With O(definitions), each tenant's result keyed C(<namespace>/<name>) - the keys above, C(changed)
      being the list of RV(changes) - or C(failed) true and the C(error).
  returned: with O(definitions)
  type: dict
requeue_backoff:
  description:
    - True while provisioning waits for the pods to be Ready or for RustFS to answer; the operator then
      reconciles the tenant again after a delay that doubles each time (up to its C(BACKOFF_MAX)).
  returned: always
  type: bool
requeue_after:
  description:
    - Seconds after which the tenant should be reconciled again although nothing changed, while a pool
      is being decommissioned (RustFS is polled every 30 seconds); null otherwise.
  returned: always
  type: int
"""

from typing import Any

from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule

from ansible_collections.rustfs.operator.plugins.module_utils.argument_specs import (
    CLUSTER_DOMAIN_SPEC,
    DEFAULT_IMAGE_SPEC,
)
from ansible_collections.rustfs.operator.plugins.module_utils.checks import ClusterFacts
from ansible_collections.rustfs.operator.plugins.module_utils.errors import ModuleFailure
from ansible_collections.rustfs.operator.plugins.module_utils.kube import (
    AUTH_ARG_SPEC,
    error_detail,
    get_api_client,
    run_module,
)
from ansible_collections.rustfs.operator.plugins.module_utils.reconcile import Request, reconcile, run_phase
from ansible_collections.rustfs.operator.plugins.module_utils.reconcile_steps import read_facts

ARGUMENT_SPEC: dict[str, Any] = {
    **AUTH_ARG_SPEC,
    **CLUSTER_DOMAIN_SPEC,
    **DEFAULT_IMAGE_SPEC,
    "definition": {"type": "dict"},
    "definitions": {"type": "list", "elements": "dict"},
    "phase": {
        "type": "str",
        "default": "all",
        "choices": ["all", "plan", "credentials", "shared", "lifecycle", "pool", "provisioning", "status"],
    },
    "progress": {"type": "dict"},
    "pool": {"type": "str"},
    "manage_resource": {"type": "bool", "default": False},
    "generate_credentials": {"type": "bool", "default": False},
    "admin_endpoint": {"type": "str"},
    "write_status": {"type": "bool", "default": True},
    "wait": {"type": "bool", "default": False},
    "wait_timeout": {"type": "int", "default": 300},
    "tls": {"type": "dict"},
}


def _key(definition: dict[str, Any]) -> str:
    metadata = definition.get("metadata") or {}
    return f"{metadata.get('namespace') or 'default'}/{metadata.get('name') or ''}"


def _each(client: Any, params: dict[str, Any], check_mode: bool) -> dict[str, Any]:
    """Every tenant of `definitions`, one after the other; a failure is that tenant's result only."""
    tenants: dict[str, Any] = {}
    changed = False
    facts: ClusterFacts | None
    try:
        facts = read_facts(client)  # the cluster's classes and nodes, once for the batch
    except Exception:  # each tenant reads them again, and fails alone
        facts = None
    for definition in params["definitions"]:
        try:
            single = {**params, "definitions": None, "definition": definition}
            result = execute(client, single, check_mode, False, facts)
        except ModuleFailure as failure:
            tenants[_key(definition)] = {"failed": True, "error": f"Reconcile the tenant: {str(failure)[:400]}"}
            continue
        except Exception as error:  # one tenant's API error must not stop the others
            detail = f"{failure_prefix({**params, 'definition': definition})}: {error_detail(error)}"
            tenants[_key(definition)] = {"failed": True, "error": f"Reconcile the tenant: {detail[:400]}"}
            continue
        result.pop("warnings", None)
        changed = changed or bool(result["changed"])
        result["changed"] = result.pop("changes")  # a tenant's result says what changed, as tenant_result does
        tenants[_key(definition)] = result
    return {"changed": changed, "tenants": tenants}


def execute(
    client: Any, params: dict[str, Any], check_mode: bool, diff: bool, facts: ClusterFacts | None = None
) -> dict[str, Any]:
    """The whole task, for the action plugin (the path plays take) and for main()."""
    if params["definitions"] is not None:
        if params["phase"] != "all" or params["tls"]:
            raise ModuleFailure("definitions takes neither phase nor tls: each tenant is a whole reconcile")
        return _each(client, params, check_mode)
    definition = params["definition"] or {}
    if not (definition.get("metadata") or {}).get("name") and not (params["phase"] != "all" and params["progress"]):
        raise ModuleFailure("definition.metadata.name is required")
    request = Request(
        definition=definition,
        manage_resource=params["manage_resource"],
        generate_credentials=params["generate_credentials"],
        cluster_domain=params["cluster_domain"],
        default_image=params["default_image"],
        write_status=params["write_status"],
        wait=params["wait"],
        wait_timeout=params["wait_timeout"],
        tls=params["tls"],
        check_mode=check_mode,
        admin_endpoint=params["admin_endpoint"],
    )
    if params["phase"] == "all":
        outcome = reconcile(client, request, show_diff=diff, facts=facts)
        result: dict[str, Any] = outcome.as_result()
        shown = outcome
    else:
        progress, shown = run_phase(client, params["phase"], request, params["progress"], diff, params["pool"])
        outcome = progress.outcome
        result = outcome.as_result()
        result.update(
            changed=shown.changed,
            blocked=progress.blocked,
            problems=progress.problems,
            progress=progress.as_dict(),
            pools=progress.pools(),
        )
    warnings = [f"{w['field']}: {w['message']} ({w['reason']})" for w in outcome.warnings]
    if warnings and params["phase"] in ("all", "plan"):
        result["warnings"] = warnings
    if diff:
        result["diff"] = shown.diff
    if outcome.wait_timed_out and params["phase"] in ("all", "status"):
        raise ModuleFailure(
            f"Timed out after {params['wait_timeout']}s waiting for the rollout of "
            + ", ".join(outcome.wait_timed_out),
            **result,
        )
    return result


def failure_prefix(params: dict[str, Any]) -> str:
    tenant = ((params["definition"] or {}).get("metadata") or {}).get("name")
    if tenant is None and isinstance(params["progress"], dict):
        tenant = ((params["progress"].get("document") or {}).get("metadata") or {}).get("name")
    return f"Failed to reconcile tenant {tenant}"


def main() -> None:
    """Kept so the module runs alone and ansible-test checks its options; plays run the action plugin."""
    module = AnsibleK8SModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, execute, failure_prefix, get_api_client)


if __name__ == "__main__":
    main()
