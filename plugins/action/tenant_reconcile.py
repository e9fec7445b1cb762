# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Action tenant_reconcile: the reconcile runs in the controller, not in a module process.

A module run costs a new interpreter, the AnsiballZ payload and the imports of
the Kubernetes client, about a second before its first API call; here the
imports are paid once per ansible-playbook (the plugin is loaded before the
workers fork) and the client is built from the same auth options as
kubernetes.core's modules. The module file documents the options.
"""

from __future__ import annotations

from typing import Any

from ansible.plugins.action import ActionBase

from ansible_collections.rustfs.operator.plugins.module_utils.reconcile import Request, reconcile
from ansible_collections.rustfs.operator.plugins.module_utils.tenant_reconcile_args import ARGUMENT_SPEC
from ansible_collections.rustfs.operator.plugins.plugin_utils.controller_k8s import api_client, as_plain, failure


class ActionModule(ActionBase):  # type: ignore[misc]  # ansible-core ships no type hints
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = dict(super().run(tmp, task_vars))
        del tmp
        args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        params = as_plain(args)
        name = str((params["definition"].get("metadata") or {}).get("name") or "")
        if not name:
            return {**result, "failed": True, "msg": "definition.metadata.name is required"}
        check_mode = bool(self._task.check_mode)
        request = Request(
            definition=params["definition"],
            manage_resource=params["manage_resource"],
            generate_credentials=params["generate_credentials"],
            cluster_domain=params["cluster_domain"],
            default_image=params["default_image"],
            write_status=params["write_status"],
            wait=params["wait"],
            wait_timeout=params["wait_timeout"],
            tls=params["tls"],
            check_mode=check_mode,
            admin_endpoint=params["admin_endpoint"],
        )
        try:
            outcome = reconcile(api_client(params), request, show_diff=bool(self._task.diff))
        except Exception as error:  # any failure becomes the task's message, never a traceback
            return {**result, **failure(f"Failed to reconcile tenant {name}", error)}
        result.update(outcome.as_result())
        result["changed"] = bool(result.get("changed"))
        warnings = [f"{w['field']}: {w['message']} ({w['reason']})" for w in outcome.warnings]
        if warnings:
            result["warnings"] = warnings
        if self._task.diff:
            result["diff"] = outcome.diff
        if outcome.wait_timed_out:
            result["failed"] = True
            result["msg"] = (
                f"Timed out after {params['wait_timeout']}s waiting for the rollout of "
                + ", ".join(outcome.wait_timed_out)
            )
        return result
