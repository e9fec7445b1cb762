# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Filters on their way out (meta/runtime.yml deprecates them), each documented in its own YAML file.

They live in a file not named after any of them: Ansible checks the routing of
every file of a collection's filter directory whenever any of its filters is
used, so a file named after a deprecated filter warned every user of any
rustfs.operator filter.
"""

from __future__ import annotations

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
