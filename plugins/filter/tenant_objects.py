# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Filter plugin tenant_objects: the desired state of a tenant, for playbooks."""

from __future__ import annotations

DOCUMENTATION = r"""
name: tenant_objects
short_description: Render every Kubernetes object of a RustFS Tenant
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
description:
  - Turns a C(rustfs.com/v1alpha1) Tenant into the objects the RustFS operator would create, in apply
    order - the ServiceAccount (unless C(spec.serviceAccountName) is set), the C(-io), C(-console) and
    C(-hl) Services, and one StatefulSet per pool.
  - The Tenant is validated first; an invalid Tenant fails the task with every field error.
  - Owner references are added only when the Tenant carries C(metadata.uid) (it came from a cluster)
    and O(owner_references) is true.
options:
  _input:
    description: The Tenant, as a dictionary.
    type: dict
    required: true
  cluster_domain:
    description: The cluster DNS domain used in peer addresses of C(RUSTFS_VOLUMES).
    type: str
    default: cluster.local
  default_image:
    description: The RustFS image used when C(spec.image) is unset or empty.
    type: str
    default: rustfs/rustfs:1.0.0-beta.10
  owner_references:
    description: Whether to add an owner reference to the Tenant when its uid is known.
    type: bool
    default: true
  include_tenant:
    description:
      - Put the Tenant itself first, before its children, as it is declared - name, namespace, labels, annotations
        and the spec without nulls and without the fields the API server would drop (render mode for GitOps).
      - Applying the children directly, without the operator or the C(rustfs.operator.tenant) playbook, loses the
        rollouts one pool at a time and the refusals of changes that break a pool (docs/render-mode.md).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Apply a tenant's objects with server-side apply
  kubernetes.core.k8s:
    state: present
    apply: true
    server_side_apply:
      field_manager: rustfs-operator
    definition: "{{ tenant | rustfs.operator.tenant_objects(cluster_domain='cluster.local') }}"

- name: Render without owner references (GitOps review)
  ansible.builtin.copy:
    dest: /tmp/objects.yaml
    content: "{{ tenant | rustfs.operator.tenant_objects(owner_references=false) | to_nice_yaml }}"
    mode: "0644"

- name: Render the Tenant and its children, the Tenant first
  ansible.builtin.copy:
    dest: /tmp/tenant.yaml
    content: "{{ tenant | rustfs.operator.tenant_objects(owner_references=false, include_tenant=true)
                 | rustfs.operator.to_manifest }}"
    mode: "0644"
"""

RETURN = r"""
_value:
  description: The objects, in the order they should be applied (the Tenant first with O(include_tenant)).
  type: list
  elements: dict
"""

from collections.abc import Callable
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.errors import format_errors
from ansible_collections.rustfs.operator.plugins.module_utils.render import RenderOptions, render_tenant


def tenant_objects(
    tenant: Any,
    cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN,
    default_image: str = c.DEFAULT_IMAGE,
    owner_references: bool = True,
    include_tenant: bool = False,
) -> list[dict[str, Any]]:
    options = RenderOptions(
        cluster_domain=str(cluster_domain),
        default_image=str(default_image),
        owner_references=bool(owner_references),
        include_tenant=bool(include_tenant),
    )
    result = render_tenant(tenant, options)
    if result.errors:
        raise AnsibleFilterError("Invalid Tenant:\n" + format_errors(result.errors))
    return result.objects


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"tenant_objects": tenant_objects}
