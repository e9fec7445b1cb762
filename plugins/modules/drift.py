#!/usr/bin/python
# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Module drift: every field of a tenant's owned objects that differs from what the engine would apply."""

from __future__ import annotations

DOCUMENTATION = r"""
module: drift
short_description: Report how a RustFS tenant's owned objects differ from what the engine would apply
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
requirements:
  - PyYAML >=6.0 (YAML documents, on the Ansible controller)
  - cryptography >=41.0 (certificate checks of a TLS tenant, on the Ansible controller)
  - jsonschema >=4.17 (the Tenant schema, on the Ansible controller)
  - kubernetes >=24.2.0 (the Kubernetes API client, on the Ansible controller)
description:
  - Renders the tenant with the engine (as a reconcile would, with the live StatefulSets for the rollout
    and, for a TLS tenant, the certificates' hash), reads each object it would apply - StatefulSets,
    Services, ServiceAccount, Role, RoleBinding, PodDisruptionBudgets, cert-manager Certificates - and
    reports each one that is C(missing), or C(differs) with the differing field paths, desired against
    live values. Objects labelled C(rustfs.tenant=<name>) of those kinds that the engine would not
    produce are C(unmanaged-extra).
  - Compares only the fields the engine sets (what a server-side apply with the C(rustfs-operator) field
    manager would change); defaults the API server adds are not drift. Lists of named items (containers,
    C(env), ports, volumes) are matched by name, so their order is no drift; quantities compare as
    numbers (C(1Gi) equals C(1024Mi)).
  - Makes no change, in any mode - no API write at all - and C(changed) is always false. Secrets are
    never compared or returned. The history ConfigMap (a record of past good specs, not desired state)
    is not compared.
  - The Tenant is the one given in O(definition) (compared with what the cluster runs, for example
    before applying a changed file), else the one stored in the cluster as O(name) in O(namespace).
  - Runs in the Ansible controller (an action plugin), so it needs the C(kubernetes) Python library there and
    costs no module process; the options and C(K8S_AUTH_*) variables authenticate as kubernetes.core's do.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - rustfs.operator.tenant_settings
  - rustfs.operator.tenant_settings.default_image
  - rustfs.operator.tenant_settings.read_only
options:
  definition:
    description:
      - The Tenant (for example an item of C(rustfs.operator.tenant_load)'s C(tenants)); its namespace is
        O(namespace) when it names none.
      - Without it, the Tenant stored in the cluster as O(name) is compared.
    type: dict
  name:
    description: The Tenant name, when O(definition) is not given.
    type: str
  namespace:
    description: The Tenant namespace.
    type: str
    default: default
"""

EXAMPLES = r"""
- name: Report the drift of tenant example-tenant, as stored in the cluster
  rustfs.operator.drift:
    name: example-tenant
    namespace: rustfs-system
  register: drift

- name: Fail when anything drifted
  ansible.builtin.assert:
    that: not drift.drifted
    fail_msg: "{{ drift.summary | join('\n') }}"
"""

RETURN = r"""
tenant:
  description: The tenant, as C(<namespace>/<name>).
  returned: always
  type: str
drifted:
  description: Whether any owned object differs from what the engine would apply.
  returned: always
  type: bool
objects:
  description: Each object that drifted (in-sync ones are left out), in apply order, then the extra ones.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The object's kind.
      type: str
    name:
      description: The object's name.
      type: str
    state:
      description: C(missing) (the engine would create it), C(differs), or C(unmanaged-extra).
      type: str
    fields:
      description: For C(differs), each differing field - C(path) (for example
        C(spec.template.spec.containers[name=rustfs].env[name=RUSTFS_VOLUMES].value)), C(desired) and
        C(live) (null when the live object lacks the field).
      type: list
      elements: dict
compared:
  description: How many objects the engine would apply, each compared.
  returned: always
  type: int
not_compared:
  description: Fields left out of the comparison, and why (a TLS tenant whose certificates cannot be read).
  returned: always
  type: list
  elements: str
problems:
  description: What the engine would refuse to apply (the reconcile's problems); the comparison is still made.
  returned: always
  type: list
  elements: dict
summary:
  description: The report for a reader, one line per object and per differing field.
  returned: always
  type: list
  elements: str
"""


from typing import Any

from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule

from ansible_collections.rustfs.operator.plugins.module_utils.argument_specs import (
    CLUSTER_DOMAIN_SPEC,
    DEFAULT_IMAGE_SPEC,
)
from ansible_collections.rustfs.operator.plugins.module_utils.drift_check import execute
from ansible_collections.rustfs.operator.plugins.module_utils.kube import (
    AUTH_ARG_SPEC,
    get_api_client,
    run_module,
)

ARGUMENT_SPEC: dict[str, Any] = {
    **AUTH_ARG_SPEC,
    **CLUSTER_DOMAIN_SPEC,
    **DEFAULT_IMAGE_SPEC,
    "definition": {"type": "dict"},
    "name": {"type": "str"},
    "namespace": {"type": "str", "default": "default"},
}


def failure_prefix(params: dict[str, Any]) -> str:
    name = ((params.get("definition") or {}).get("metadata") or {}).get("name") or params.get("name")
    return f"Failed to report the drift of tenant {name}"


__all__ = ["ARGUMENT_SPEC", "execute", "failure_prefix"]


def main() -> None:
    """Kept so the module runs alone and ansible-test checks its options; plays run the action plugin."""
    module = AnsibleK8SModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, execute, failure_prefix, get_api_client)


if __name__ == "__main__":
    main()
