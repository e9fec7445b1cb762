#!/usr/bin/python
# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Module tenant_status: write a Tenant's status and events from the live cluster."""

from __future__ import annotations

DOCUMENTATION = r"""
module: tenant_status
short_description: Compute and write the status of a RustFS Tenant, with events
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
requirements:
  - kubernetes >=24.2.0 (the Kubernetes API client, on the Ansible controller)
description:
  - Reads the Tenant and its StatefulSets, computes the status of the Tenant API (C(currentState),
    C(observedGeneration), pool states, the conditions C(Ready), C(Reconciling), C(Degraded),
    C(SpecValid), C(CredentialsReady), ... with reasons) and writes it to the C(status) subresource
    only when it changed.
  - Emits a Kubernetes Event for every StatefulSet created or updated, for every problem that blocks the
    tenant, and whenever the outcome (the C(Ready) condition) changes.
  - The same status the in-cluster operator writes, so modes can be switched.
  - Does nothing (and reports C(changed=false)) when the Tenant resource does not exist.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
options:
  name:
    description: The Tenant name.
    type: str
    required: true
  namespace:
    description: The Tenant namespace.
    type: str
    required: true
  problems:
    description:
      - User-fixable problems found by this run (validation errors, Secret checks, refused changes),
        each with C(field), C(message) and C(reason) and optionally C(event).
    type: list
    elements: dict
    default: []
  applied:
    description:
      - Objects this run created or changed, each with C(kind), C(name) and C(action) (C(created) or C(updated)).
    type: list
    elements: dict
    default: []
  extra:
    description: Extra status fields to merge in (for example a C(lastRun) summary).
    type: dict
    default: {}
  certificates:
    description:
      - The C(status.certificates.tls) the C(rustfs.operator.tls) role observed in this run (from
        M(rustfs.operator.tls_info) or M(rustfs.operator.tls_generated)). Without it, a TLS tenant keeps the
        certificate status it had, marked not ready when O(problems) include a TLS reason.
    type: dict
attributes:
  check_mode:
    support: full
    description: Computes the status and reports whether it would change, without writing.
  diff_mode:
    support: full
    description: Shows the status before and after.
"""

EXAMPLES = r"""
- name: Write the status of example-tenant
  rustfs.operator.tenant_status:
    name: example-tenant
    namespace: rustfs-system
    problems: "{{ rustfs_problems }}"
"""

RETURN = r"""
status:
  description: The computed status (written when it changed).
  returned: always
  type: dict
events:
  description: The events emitted (type, reason, message).
  returned: always
  type: list
  elements: dict
"""

from typing import Any

from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule

from ansible_collections.rustfs.operator.plugins.module_utils.kube import AUTH_ARG_SPEC, get_api_client, run_module
from ansible_collections.rustfs.operator.plugins.module_utils.live import list_labelled, read_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.status_write import write_status

ARGUMENT_SPEC: dict[str, Any] = {
    **AUTH_ARG_SPEC,
    "name": {"type": "str", "required": True},
    "namespace": {"type": "str", "required": True},
    "problems": {"type": "list", "elements": "dict", "default": []},
    "applied": {"type": "list", "elements": "dict", "default": []},
    "extra": {"type": "dict", "default": {}},
    "certificates": {"type": "dict"},
}


def execute(client: Any, params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
    """The whole task, for the action plugin (the path plays take) and for main()."""
    name, namespace = params["name"], params["namespace"]
    tenant = read_tenant(client, name, namespace)[0]
    if tenant is None:
        return {"changed": False, "status": {}, "events": []}
    written = write_status(
        client,
        tenant,
        list_labelled(client, "StatefulSet", "apps/v1", namespace, name),
        params["problems"],
        params["applied"],
        params["extra"],
        params["certificates"],
        check_mode,
    )
    result: dict[str, Any] = {"changed": written["changed"], "status": written["status"], "events": written["events"]}
    if diff:
        result["diff"] = {"before": {"status": written["previous"]}, "after": {"status": written["status"]}}
    return result


def failure_prefix(params: dict[str, Any]) -> str:
    return f"Failed to write the status of tenant {params['name']}"


def main() -> None:
    """Kept so the module runs alone and ansible-test checks its options; plays run the action plugin."""
    module = AnsibleK8SModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, execute, failure_prefix, get_api_client)


if __name__ == "__main__":
    main()
