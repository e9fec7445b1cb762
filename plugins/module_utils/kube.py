# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""API access for this collection's modules, through kubernetes.core's client.

Reusing kubernetes.core's authentication options and client means a play sets
`kubeconfig`, `context` or `api_key` once (module_defaults group) for both
collections, and inherits its proxy and certificate handling.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.exceptions import CoreException

from ansible_collections.rustfs.operator.plugins.module_utils.errors import ModuleFailure

try:
    from kubernetes.dynamic.exceptions import ForbiddenError, NotFoundError, ResourceNotFoundError, UnauthorizedError
except ImportError:  # pragma: no cover - reported by kubernetes.core's own requirement check

    class ForbiddenError(Exception):  # type: ignore[no-redef]
        """Stand-in so this module imports; AnsibleK8SModule reports the missing library."""

    class UnauthorizedError(Exception):  # type: ignore[no-redef]
        """Stand-in so this module imports; AnsibleK8SModule reports the missing library."""

    class NotFoundError(Exception):  # type: ignore[no-redef]
        """Stand-in so this module imports; AnsibleK8SModule reports the missing library."""

    class ResourceNotFoundError(Exception):  # type: ignore[no-redef]
        """Stand-in so this module imports; AnsibleK8SModule reports the missing library."""


__all__ = [
    "AUTH_ARG_SPEC",
    "Execute",
    "ForbiddenError",
    "NotFoundError",
    "ResourceNotFoundError",
    "UnauthorizedError",
    "error_detail",
    "get_api_client",
    "get_or_none",
    "plain",
    "run_module",
]


def plain(obj: Any) -> Any:
    """ResourceInstance to plain dict (or None)."""
    if obj is None:
        return None
    return obj.to_dict() if hasattr(obj, "to_dict") else obj


def get_or_none(client: Any, kind: str, api_version: str, name: str, namespace: str) -> dict[str, Any] | None:
    """404 means absent; every other API error must surface, not read as 'absent'."""
    resource = client.resource(kind, api_version)
    try:
        found: dict[str, Any] = plain(client.get(resource, name=name, namespace=namespace))
        return found
    except NotFoundError:
        return None


# A module's work, shared by its main() and its action plugin: (client, params, check_mode, diff) -> result.
Execute = Callable[[Any, dict[str, Any], bool, bool], dict[str, Any]]


def error_detail(error: Exception) -> str:
    """The API server's message (an ApiException's body) rather than the exception's repr."""
    detail = getattr(error, "body", None) or getattr(error, "msg", None) or str(error) or type(error).__name__
    return detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)


def run_module(
    module: Any,
    execute: Execute,
    failure_prefix: Callable[[dict[str, Any]], str],
    client_factory: Callable[..., Any],
) -> None:
    """A module's main(): EXECUTE is the work its action plugin runs in the controller too."""
    params = dict(module.params)
    try:
        result = execute(client_factory(module=module), params, module.check_mode, module._diff)
    except ModuleFailure as failure:
        module.fail_json(msg=str(failure), **failure.result)
    except CoreException as error:
        module.fail_from_exception(error)
    except Exception as error:
        module.fail_json(msg=f"{failure_prefix(params)}: {error_detail(error)}")
    for warning in result.pop("warnings", []):
        module.warn(warning)
    module.exit_json(**result)
