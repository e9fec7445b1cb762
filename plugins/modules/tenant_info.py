#!/usr/bin/python
# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Module tenant_info: everything a reconcile must know about a tenant's live state, in one API round."""

from __future__ import annotations

DOCUMENTATION = r"""
module: tenant_info
short_description: Read the live state of a RustFS tenant and check its Secrets
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
requirements:
  - kubernetes >=24.2.0 (the Kubernetes API client, on the Ansible controller)
description:
  - Reads, in one module run, what a reconcile of a RustFS tenant needs to decide safely - the Tenant
    resource (if it exists), the tenant's StatefulSets and PersistentVolumeClaims (by the
    C(rustfs.tenant) label), and the Secrets the Tenant references.
  - Referenced Secrets are checked (spec 5 of the Tenant API) inside the module; only verdicts are
    returned, never a Secret value, so the result is safe to log.
  - Makes no change.
  - Runs in the Ansible controller (an action plugin), so it needs the C(kubernetes) Python library there and
    costs no module process; the options and C(K8S_AUTH_*) variables authenticate as kubernetes.core's do.
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
  credentials_secret:
    description: Name of the Secret of C(spec.credsSecret), if any.
    type: str
  rpc_secret:
    description: The C(spec.rpcSecret) reference, if any.
    type: dict
    suboptions:
      name:
        description: Secret name.
        type: str
        required: true
      key:
        description: Key in the Secret.
        type: str
        required: true
attributes:
  check_mode:
    support: full
    description: The module never changes anything.
  diff_mode:
    support: none
    description: The module never changes anything.
"""

EXAMPLES = r"""
- name: Read the live state of tenant example-tenant
  rustfs.operator.tenant_info:
    name: example-tenant
    namespace: rustfs-system
    credentials_secret: rustfs-credentials
  register: live
"""

RETURN = r"""
crd_installed:
  description: Whether the API server knows the Tenant kind (see the C(rustfs.operator.install_crds) playbook).
  returned: always
  type: bool
tenant:
  description: The Tenant resource as stored, or null when it does not exist.
  returned: always
  type: dict
statefulsets:
  description: The StatefulSets labelled C(rustfs.tenant=<name>), with their status.
  returned: always
  type: list
  elements: dict
claims:
  description: Names of the PersistentVolumeClaims labelled C(rustfs.tenant=<name>).
  returned: always
  type: list
  elements: str
problems:
  description: What is wrong with the referenced Secrets; empty when they are usable.
  returned: always
  type: list
  elements: dict
  contains:
    field:
      description: The Tenant field that references the Secret.
      type: str
    message:
      description: What is wrong (names the Secret and the key, never a value).
      type: str
    reason:
      description: The status reason, for example C(CredentialSecretMissingKey).
      type: str
"""


from typing import Any

from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule

from ansible_collections.rustfs.operator.plugins.module_utils.kube import AUTH_ARG_SPEC, get_api_client, run_module
from ansible_collections.rustfs.operator.plugins.module_utils.live import read_state

ARGUMENT_SPEC: dict[str, Any] = {
    **AUTH_ARG_SPEC,
    "name": {"type": "str", "required": True},
    "namespace": {"type": "str", "required": True},
    # Names of Secrets and keys, never their values: safe to log.
    "credentials_secret": {"type": "str", "no_log": False},
    "rpc_secret": {
        "type": "dict",
        "no_log": False,
        "options": {
            "name": {"type": "str", "required": True},
            "key": {"type": "str", "required": True, "no_log": False},
        },
    },
}


def execute(client: Any, params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
    """The whole task, for the action plugin (the path plays take) and for main()."""
    del check_mode, diff  # reads only
    state = read_state(client, params["name"], params["namespace"], params["credentials_secret"], params["rpc_secret"])
    return {"changed": False, **state}


def failure_prefix(params: dict[str, Any]) -> str:
    return f"Failed to read tenant {params['name']}"


def main() -> None:
    """Kept so the module runs alone and ansible-test checks its options; plays run the action plugin."""
    module = AnsibleK8SModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, execute, failure_prefix, get_api_client)


if __name__ == "__main__":
    main()
