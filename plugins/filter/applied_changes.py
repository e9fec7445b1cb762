# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Filter plugin applied_changes: what a kubernetes.core.k8s apply changed, as a short list."""

from __future__ import annotations

DOCUMENTATION = r"""
name: applied_changes
short_description: Summarise what a kubernetes.core.k8s apply created or changed
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
description:
  - Turns the registered result of M(kubernetes.core.k8s) (one definition or a list) into one item per
    object that changed, with C(kind), C(name) and C(action) - C(created) when the object was not among
    O(existing), else C(updated). Unchanged objects are left out.
options:
  _input:
    description: The registered result of a M(kubernetes.core.k8s) task.
    type: dict
    required: true
  existing:
    description: Names of the objects that existed before the apply.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: List the StatefulSets this run created or changed
  ansible.builtin.debug:
    msg: "{{ applied | rustfs.operator.applied_changes(live.statefulsets | map(attribute='metadata.name')) }}"
"""

RETURN = r"""
_value:
  description: The changed objects.
  type: list
  elements: dict
"""

from collections.abc import Callable, Mapping
from typing import Any


def applied_changes(registered: Any, existing: list[str] | None = None) -> list[dict[str, str]]:
    if not isinstance(registered, Mapping) or registered.get("skipped"):
        return []
    result = registered.get("result")
    if isinstance(result, Mapping) and "results" in result:
        items = [r for r in result["results"] if isinstance(r, Mapping)]
    else:
        items = [{"changed": registered.get("changed"), "result": result}]
    before = set(existing or [])
    changes = []
    for item in items:
        obj = item.get("result")
        if not item.get("changed") or not isinstance(obj, Mapping):
            continue
        name = str(obj.get("metadata", {}).get("name", ""))
        changes.append(
            {"kind": str(obj.get("kind", "")), "name": name, "action": "updated" if name in before else "created"}
        )
    return changes


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"applied_changes": applied_changes}
