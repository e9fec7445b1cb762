# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Action tenant_load: Tenants enter a play here, as data Ansible never templates (SECURITY.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.rustfs.operator.plugins.module_utils.tenant_source import (
    MAX_BYTES,
    ManifestError,
    load_tenants,
)


def _plain(value: Any) -> Any:
    """A copy in plain containers; strings keep their bytes, and lose any template trust below."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [_plain(item) for item in value]
    return value


ARGUMENT_SPEC: dict[str, Any] = {
    "path": {"type": "path"},
    "variable": {"type": "str"},
    "required": {"type": "bool", "default": True},
}


class ActionModule(ActionBase):  # type: ignore[misc]  # ansible-core ships no type hints
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        del tmp
        args = self.validate_argument_spec(
            argument_spec=ARGUMENT_SPEC,
            mutually_exclusive=[["path", "variable"]],
            required_one_of=[["path", "variable"]],
        )[1]
        path, variable, required = args["path"], args["variable"], args["required"]
        if path:
            source = to_text(path)
            tenants = self._from_file(source)
        else:
            source = f"variable {variable}"
            tenants = self._from_variable(str(variable), task_vars or {})
        if required and not tenants:
            raise AnsibleActionFail(f"{source} holds no document of kind Tenant")
        result.update(changed=False, tenants=wrap_var(tenants), source=source)
        return dict(result)

    def _from_file(self, path: str) -> list[dict[str, Any]]:
        # Relative to the working directory, as the user typed it on the command line.
        real = os.path.realpath(path)
        try:
            with open(real, "rb") as stream:
                data = stream.read(MAX_BYTES + 1)
        except OSError as error:
            raise AnsibleActionFail(f"{path}: cannot be read ({error.strerror})") from None
        try:
            return load_tenants(data, path)
        except ManifestError as error:
            raise AnsibleActionFail(str(error)) from None

    @staticmethod
    def _from_variable(name: str, task_vars: Mapping[str, Any]) -> list[dict[str, Any]]:
        # task_vars hold values as they were given: reading them here templates nothing.
        if name not in task_vars:
            raise AnsibleActionFail(f"the variable {name} is not defined: give it, or a Tenant file")
        value = _plain(task_vars[name])
        if isinstance(value, str):
            # `-e 'tenant={"metadata": ...}'` gives the text of a manifest: parsed here, never templated.
            try:
                return load_tenants(value, f"the variable {name}")
            except ManifestError as error:
                raise AnsibleActionFail(str(error)) from None
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(item, dict) for item in items):
            raise AnsibleActionFail(
                f"the variable {name} must hold a Tenant (a mapping) or a list of Tenants; "
                "it is read as data, never as a template"
            )
        return items
