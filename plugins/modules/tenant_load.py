#!/usr/bin/python
# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Module tenant_load: documentation only; the work runs in the action plugin of the same name."""

from __future__ import annotations

DOCUMENTATION = r"""
module: tenant_load
short_description: Read RustFS Tenants as data that Ansible never templates
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
requirements:
  - PyYAML >=6.0 (YAML documents, on the Ansible controller)
  - jsonschema >=4.17 (the Tenant schema, on the Ansible controller)
description:
  - Reads the C(Tenant) documents of a YAML or JSON file on the controller (O(path)), or the Tenant(s) held
    by a variable (O(variable)), and returns them marked as untrusted data - a string such as
    C({{ lookup('pipe', 'id') }}) in an annotation or an env value stays that string, byte for byte, in every
    task that uses the result, and nothing runs.
  - A Tenant can be written by anyone allowed to create one in a namespace, or to change a manifest in Git,
    so it must not be a template source. Ansible 2.19 templates extra vars (C(-e tenant=...),
    C(-e @tenant.json)) like any variable; this plugin reads the variable's raw value instead, so the
    entry points of this collection (C(rustfs.operator.tenant), C(rustfs.operator.reconcile),
    C(rustfs.operator.render)) take a Tenant as data wherever it comes from.
  - A file is refused whole, with a message naming the limit, when it is larger than 1 MiB, is not UTF-8,
    nests deeper than 64 levels, holds more than 1000 documents, or expands through YAML aliases to more
    than 100000 values (a "billion laughs" document); nothing has been applied at that point.
  - Timestamp-looking values stay strings, as the Kubernetes API reads them; documents of other kinds
    (a Namespace, a Secret) are left out. A document of kind C(List) (what C(kubectl get -o yaml) prints for
    several objects, or any kind ending in C(List) with C(items)) stands for its items, as C(kubectl apply -f)
    reads it.
  - "Every message names where - C(PATH:LINE:COLUMN) for a YAML syntax error, C(PATH:LINE: document N) (and
    C(, items[I]) within a List) for a document; lines and documents are counted from 1, JSON has no lines."
  - Fields the API server would drop from a Tenant (a typo such as C(spec.pools[0].priorityClassname), a field
    the Tenant API does not have such as C(spec.replicas)) are reported as kubectl's field validation reports
    them; see O(field_validation).
  - Runs on the controller, in the Ansible process (an action plugin); makes no change.
extends_documentation_fragment:
  - rustfs.operator.tenant_settings.read_only
options:
  path:
    description:
      - A YAML (or JSON) file on the controller, with one or more documents.
      - Mutually exclusive with O(variable).
    type: path
  variable:
    description:
      - The name of a variable holding one Tenant (a dict) or a list of Tenants, for example C(tenant) for
        C(-e @tenant.json). Its value is read as it was given, without templating; a string (C(-e tenant=JSON)) is
        read as the text of a manifest, under the limits of O(path).
      - Mutually exclusive with O(path).
    type: str
  required:
    description: Fail when no Tenant is found.
    type: bool
    default: true
  namespace:
    description:
      - The namespace of every Tenant that names none, as C(kubectl apply -n) sets it; a Tenant that names another
        namespace fails the task (kubectl refuses it too).
      - A tenant's namespace is written into its objects (C(RUSTFS_VOLUMES) holds the DNS names by which its servers
        find each other), so render mode takes it here rather than from a later overlay.
    type: str
  field_validation:
    description:
      - What to do with a field of a Tenant that the API server would drop because the Tenant API does not declare it
        (in C(spec), a top-level field or a C(metadata) field ObjectMeta does not have), like kubectl's
        C(--validate).
      - V(warn) - a warning per field, naming it (C(unknown field "spec.replicas")) with the declared field it most
        likely misspells; the field is dropped, as the API server and the rest of this collection drop it.
      - V(strict) - fail with every such field, before anything uses the Tenants.
      - V(ignore) - drop them in silence.
    type: str
    choices: [strict, warn, ignore]
    default: warn
notes:
  - Roles of this collection take the Tenant as the argument C(tenant_definition); a value a playbook writes
    there is templated like any role argument. Give them the result of this plugin when the Tenant comes
    from somebody else.
seealso:
  - module: rustfs.operator.tenant_reconcile
"""

EXAMPLES = r"""
- name: Read the Tenants of a file
  rustfs.operator.tenant_load:
    path: tenants/production.yaml
  register: loaded

- name: Reconcile each of them
  ansible.builtin.include_role:
    name: rustfs.operator.tenant
  vars:
    tenant_definition: "{{ item }}"
  loop: "{{ loaded.tenants }}"

- name: Read the Tenant given as an extra var (ansible-playbook -e @tenant.json)
  rustfs.operator.tenant_load:
    variable: tenant
  register: loaded

- name: Read the Tenants of `kubectl get tenants -o yaml` for the namespace team-a, refusing unknown fields
  rustfs.operator.tenant_load:
    path: tenants.yaml
    namespace: team-a
    field_validation: strict
  register: loaded
"""

RETURN = r"""
tenants:
  description: The Tenants, in the order of the file or the list; strings are never templated.
  returned: always
  type: list
  elements: dict
source:
  description: Where the Tenants were read from (the file's path, or C(variable NAME)).
  returned: always
  type: str
locations:
  description:
    - Where each Tenant of RV(tenants) was read, in the same order, for messages about it.
  returned: always
  type: list
  elements: str
  sample: ["tenants.yaml:14: document 2", "tenants.yaml:31: document 3, items[0]", "the variable tenant: document 1"]
"""
