# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Action tenant_load: Tenants enter a play here, as data Ansible never templates (SECURITY.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.rustfs.operator.plugins.module_utils.tenant_source import (
    MAX_BYTES,
    Located,
    ManifestError,
    locate,
    located_tenants,
    set_namespace,
    unknown_field_messages,
)
from ansible_collections.rustfs.operator.plugins.plugin_utils.local_action import LocalAction


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
    "namespace": {"type": "str"},
    "field_validation": {"type": "str", "default": "warn", "choices": ["strict", "warn", "ignore"]},
}


class ActionModule(LocalAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    ARGUMENT_RULES: ClassVar[dict[str, Any]] = {
        "mutually_exclusive": [["path", "variable"]],
        "required_one_of": [["path", "variable"]],
    }

    def work(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        path, variable, required = args["path"], args["variable"], args["required"]
        if path:
            source = to_text(path)
            located = self._from_file(source)
        else:
            source = f"variable {variable}"
            located = self._from_variable(str(variable), task_vars)
        if required and not located:
            raise AnsibleActionFail(f"{source} holds no document of kind Tenant")
        try:
            for item in located if args["namespace"] else ():
                set_namespace(item, str(args["namespace"]))
        except ManifestError as error:
            raise AnsibleActionFail(str(error)) from None
        validation = args["field_validation"]
        unknown = [] if validation == "ignore" else [line for item in located for line in unknown_field_messages(item)]
        if unknown and validation == "strict":
            raise AnsibleActionFail(
                "Unknown fields, which the API server would drop (field_validation=strict); nothing was used:\n"
                + "\n".join(unknown)
            )
        return {
            "tenants": wrap_var([item.document for item in located]),
            "locations": [item.where for item in located],
            "source": source,
            "warnings": [
                f"{line}: dropped, as the API server drops it (field_validation=strict refuses it)" for line in unknown
            ],
        }

    def _from_file(self, path: str) -> list[Located]:
        # Relative to the working directory, as the user typed it on the command line.
        real = os.path.realpath(path)
        try:
            with open(real, "rb") as stream:
                data = stream.read(MAX_BYTES + 1)
        except OSError as error:
            raise AnsibleActionFail(f"{path}: cannot be read ({error.strerror})") from None
        try:
            return located_tenants(data, path)
        except ManifestError as error:
            raise AnsibleActionFail(str(error)) from None

    @staticmethod
    def _from_variable(name: str, task_vars: Mapping[str, Any]) -> list[Located]:
        # task_vars hold values as they were given: reading them here templates nothing.
        if name not in task_vars:
            raise AnsibleActionFail(f"the variable {name} is not defined: give it, or a Tenant file")
        value = _plain(task_vars[name])
        if isinstance(value, str):
            # `-e 'tenant={"metadata": ...}'` gives the text of a manifest: parsed here, never templated.
            try:
                return located_tenants(value, f"the variable {name}")
            except ManifestError as error:
                raise AnsibleActionFail(str(error)) from None
        try:
            items = locate(value if isinstance(value, list) else [value], f"the variable {name}")
        except ManifestError as error:
            raise AnsibleActionFail(str(error)) from None
        if not all(isinstance(item.document, dict) for item in items):
            raise AnsibleActionFail(
                f"the variable {name} must hold a Tenant (a mapping), a list of Tenants or a List; "
                "it is read as data, never as a template"
            )
        # Every mapping, as given (a Tenant without kind is refused by validation, which names the field).
        return items
