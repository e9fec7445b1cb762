# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Modules of this collection, run in the Ansible controller instead of a module process.

A module process costs a new interpreter, the AnsiballZ payload and the imports
of the Kubernetes client: about a second before the first API call. An action
plugin is imported once per ansible-playbook, before the workers fork, and
calls the same `execute` function the module's `main()` calls (kept so the module can run
alone and ansible-test checks its options against its documentation). The
client comes from kubernetes.core's own factory, with the same options and
K8S_AUTH_* variables as its modules.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.rustfs.operator.plugins.module_utils.errors import ModuleFailure
from ansible_collections.rustfs.operator.plugins.module_utils.kube import (
    AUTH_ARG_SPEC,
    Execute,
    error_detail,
    get_api_client,
)
from ansible_collections.rustfs.operator.plugins.module_utils.wait_progress import WAIT_PROGRESS


def as_plain(args: Mapping[str, Any]) -> dict[str, Any]:
    """Arguments as a module receives them: plain JSON values, no Ansible tagged types."""
    plain: dict[str, Any] = json.loads(json.dumps(dict(args), default=str))
    return plain


def api_client(params: Mapping[str, Any]) -> Any:
    """The client for these auth options (kubernetes.core caches it per process)."""
    return get_api_client(**{key: params.get(key) for key in AUTH_ARG_SPEC})


def module_action(
    argument_spec: dict[str, Any], execute: Execute, failure_prefix: Callable[[dict[str, Any]], str]
) -> type:
    """The ActionModule class of a module whose work is EXECUTE(client, params, check_mode, diff)."""

    class ActionModule(ActionBase):  # type: ignore[misc]  # ansible-core ships no type hints
        TRANSFERS_FILES = False
        _requires_connection = False
        _supports_check_mode = True
        _supports_async = False

        def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
            result: dict[str, Any] = dict(super().run(tmp, task_vars))
            del tmp
            args = self.validate_argument_spec(argument_spec=argument_spec)[1]
            params = as_plain(args)
            # A long wait (wait=true) prints how it goes, as the task runs.
            progress = WAIT_PROGRESS.set(Display().display)
            try:
                result.update(execute(api_client(params), params, bool(self._task.check_mode), bool(self._task.diff)))
            except ModuleFailure as failure:
                result.update(failure.result, failed=True, msg=str(failure))
            except Exception as error:  # any failure becomes the task's message, never a traceback
                result.update(failed=True, msg=f"{failure_prefix(params)}: {error_detail(error)}")
            finally:
                WAIT_PROGRESS.reset(progress)
            return result

    return ActionModule
