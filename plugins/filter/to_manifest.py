# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Filter plugin to_manifest: objects as one multi-document YAML text."""

from __future__ import annotations

DOCUMENTATION = r"""
name: to_manifest
short_description: Write Kubernetes objects as one multi-document YAML manifest
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
description:
  - Serialises a list of objects as YAML documents, each starting with C(---), keys in the order
    given (not sorted), with no anchors or tags, ready for C(kubectl apply -f) or a GitOps repository.
options:
  _input:
    description: The objects, for example the result of P(rustfs.operator.tenant_objects#filter).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Write a tenant's manifests for review
  ansible.builtin.copy:
    dest: /tmp/tenant.yaml
    content: "{{ tenant | rustfs.operator.tenant_objects(owner_references=false) | rustfs.operator.to_manifest }}"
    mode: "0644"
"""

RETURN = r"""
_value:
  description: The multi-document YAML text.
  type: str
"""

from collections.abc import Callable
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils.manifest import to_manifest


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"to_manifest": to_manifest}
