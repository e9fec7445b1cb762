#!/usr/bin/python
# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Module tenant_render: documentation only; the work runs in the action plugin of the same name."""

from __future__ import annotations

DOCUMENTATION = r"""
module: tenant_render
short_description: Render the manifest file of every RustFS Tenant, with no cluster
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
requirements:
  - PyYAML >=6.0 (YAML documents, on the Ansible controller)
  - jsonschema >=4.17 (the Tenant schema, on the Ansible controller)
description:
  - The work of the C(rustfs.operator.render) playbook (render mode, for review or GitOps) - validates every Tenant
    and returns, for each, the text of one multi-document YAML file - comment lines with its erasure layout, then
    the objects the collection would apply (the Tenant first with O(include_tenant)), without owner references.
  - "Returns nothing when any Tenant is invalid - the task fails with every field error of each invalid Tenant, each
    named by where it was read (C(tenants.yaml:14: document 2)) - so a render never writes half a directory."
  - Warns, in the play's output, that objects applied directly (kubectl, Argo CD, Flux) without the operator or the
    C(rustfs.operator.tenant) playbook lose the rollouts one pool at a time and the refusals of changes that break a
    pool; and, for each Tenant that names no namespace, that it is rendered for C(default), which is written into
    its objects (C(RUSTFS_VOLUMES)), so a kustomize C(namespace:) overlay would break it.
  - Runs on the controller, in the Ansible process (an action plugin); reads no cluster and writes no file (the
    playbook writes the files with M(ansible.builtin.copy)).
extends_documentation_fragment:
  - rustfs.operator.tenant_settings
  - rustfs.operator.tenant_settings.default_image
  - rustfs.operator.tenant_settings.read_only
options:
  tenants:
    description:
      - The Tenants, as RV(rustfs.operator.tenant_load#module:tenants) returns them (data Ansible never templates).
    type: list
    elements: dict
    required: true
  locations:
    description:
      - Where each Tenant of O(tenants) was read, in the same order, as RV(rustfs.operator.tenant_load#module:locations)
        returns them; errors and warnings name them. Without it, a Tenant is named by its place in O(tenants).
    type: list
    elements: str
    default: []
  include_tenant:
    description:
      - Put the Tenant itself first in its file, before its children, as it is declared - name, namespace, labels,
        annotations and the spec without nulls and without the fields the API server would drop.
      - The file then also starts with comment lines that say for which namespace it was rendered and what applying
        it directly loses.
      - Off, the files are the children only, byte for byte as before the option existed.
    type: bool
    default: false
seealso:
  - module: rustfs.operator.tenant_load
  - plugin: rustfs.operator.tenant_objects
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Read the Tenants as data, for the namespace team-a
  rustfs.operator.tenant_load:
    path: tenants.yaml
    namespace: team-a
  register: loaded

- name: Render them, each Tenant first
  rustfs.operator.tenant_render:
    tenants: "{{ loaded.tenants }}"
    locations: "{{ loaded.locations }}"
    include_tenant: true
  register: rendered

- name: Write one file per tenant
  ansible.builtin.copy:
    dest: "deploy/team-a/{{ item.file }}"
    content: "{{ item.content }}"
    mode: "0644"
  loop: "{{ rendered.manifests }}"
  loop_control:
    label: "{{ item.tenant }}"
"""

RETURN = r"""
manifests:
  description: One file per Tenant, in the order of O(tenants).
  returned: success
  type: list
  elements: dict
  contains:
    tenant:
      description: The Tenant's C(namespace/name).
      type: str
      sample: team-a/example-tenant
    file:
      description: The file's name, C(namespace-name.yaml).
      type: str
      sample: team-a-example-tenant.yaml
    content:
      description: The text of the file - comment lines, then the objects as YAML documents.
      type: str
    layout:
      description: The erasure layout of the tenant, one line per pool, per tenant and per warning (the comment lines).
      type: list
      elements: str
layouts:
  description: The erasure layout of each tenant (the lines of RV(manifests[].layout)), by C(namespace/name).
  returned: success
  type: dict
"""
