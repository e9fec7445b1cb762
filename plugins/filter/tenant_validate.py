# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Filter plugin tenant_validate: the engine's validation, for playbooks."""

from __future__ import annotations

DOCUMENTATION = r"""
name: tenant_validate
short_description: Check a RustFS Tenant and list every field error
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
description:
  - Checks a C(rustfs.com/v1alpha1) Tenant against the CRD schema, the CEL admission rules and the
    reconcile-time rules of the Tenant API (names, pools, environment, secret references, encryption,
    provisioning and security settings).
  - Returns an empty list for a valid Tenant. It never raises for bad input, so a play can report all
    problems at once.
options:
  _input:
    description: The Tenant, as a dictionary (for example loaded with C(from_yaml)).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Fail with every field error of a Tenant
  ansible.builtin.assert:
    that: errors | length == 0
    fail_msg: "{{ errors }}"
  vars:
    errors: "{{ lookup('ansible.builtin.file', 'tenant.yaml') | from_yaml | rustfs.operator.tenant_validate }}"
"""

RETURN = r"""
_value:
  description: One item per problem, in document order; empty when the Tenant is valid.
  type: list
  elements: dict
  contains:
    field:
      description: Path of the offending field, for example C(spec.pools[0].servers).
      type: str
    message:
      description: What is wrong and how to fix it.
      type: str
    reason:
      description: The status reason the Tenant API uses for this kind of problem, for example C(InvalidPoolSpec).
      type: str
"""

from collections.abc import Callable
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError
from ansible_collections.rustfs.operator.plugins.module_utils.validation import validate_tenant


def tenant_validate(tenant: Any) -> list[FieldError]:
    return validate_tenant(tenant)


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"tenant_validate": tenant_validate}
