# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Actions that compute in the controller and change nothing: no connection, no cluster, no module.

tenant_load and tenant_render read and render Tenants as data; neither needs a
Kubernetes client (render mode runs where none is installed), so they do not
use module_action.py, which builds one.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ansible.plugins.action import ActionBase


class LocalAction(ActionBase):  # type: ignore[misc]  # ansible-core ships no type hints
    """The task's work is `work(args, task_vars)`: its result, whose `warnings` Ansible prints."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    ARGUMENT_SPEC: ClassVar[dict[str, Any]] = {}
    # Keyword arguments of validate_argument_spec besides the spec (mutually_exclusive, ...).
    ARGUMENT_RULES: ClassVar[dict[str, Any]] = {}

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = dict(super().run(tmp, task_vars))
        del tmp
        args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC, **self.ARGUMENT_RULES)[1]
        done = self.work(args, task_vars or {})
        warnings = [*result.pop("warnings", []), *done.pop("warnings", [])]
        result.update(changed=False, **done)
        if warnings:
            result["warnings"] = warnings
        return result

    def work(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError
