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
    "served_resource",
    "unreachable_detail",
]


def plain(obj: Any) -> Any:
    """ResourceInstance to plain dict (or None)."""
    if obj is None:
        return None
    return obj.to_dict() if hasattr(obj, "to_dict") else obj


def get_or_none(
    client: Any, kind: str, api_version: str, name: str, namespace: str | None, **params: Any
) -> dict[str, Any] | None:
    """404 means absent; every other API error must surface, not read as 'absent'.

    NAMESPACE is None for a cluster-scoped KIND; PARAMS go to the request (header_params, ...)."""
    resource = client.resource(kind, api_version)
    try:
        found: dict[str, Any] = plain(client.get(resource, name=name, namespace=namespace, **params))
        return found
    except NotFoundError:
        return None


def served_resource(client: Any, kind: str, api_version: str) -> Any | None:
    """The resource of KIND, or None when the API server does not serve it (a CRD not installed).

    Asked of the group version's own discovery document, one GET: looking an absent kind up
    through kubernetes.core's discovery instead throws its cached discovery away, fetches
    every group again and rewrites the cache file, in every task that asks.
    """
    path = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
    try:
        document = plain(client.client.request("get", path))
    except NotFoundError:
        return None
    if not any(entry.get("kind") == kind for entry in document.get("resources") or []):
        return None
    return client.resource(kind, api_version)


# A module's work, shared by its main() and its action plugin: (client, params, check_mode, diff) -> result.
Execute = Callable[[Any, dict[str, Any], bool, bool], dict[str, Any]]


# Statuses of an API server that is there but cannot serve (etcd away, shutting down, overloaded).
UNAVAILABLE_STATUSES = frozenset({502, 503, 504})
# What a 500 says when etcd did not answer the API server in time.
ETCD_TIMEOUTS = ("etcdserver: request timed out", "context deadline exceeded", "etcdserver: leader changed")


def _chain(error: BaseException) -> list[BaseException]:
    """ERROR and the errors it was raised from (urllib3 wraps the socket's, the client wraps urllib3's)."""
    found: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in found and len(found) < 10:
        found.append(current)
        reason = getattr(current, "reason", None)
        current = reason if isinstance(reason, BaseException) else current.__cause__ or current.__context__
    return found


def _cause(error: BaseException) -> str | None:
    """A few words for an API server that did not answer, or None when it answered."""
    for link in _chain(error):
        name = type(link).__name__
        status = getattr(link, "status", None)
        if isinstance(status, int) and status in UNAVAILABLE_STATUSES:
            return f"HTTP {status}"
        if status == 500 and any(text in str(getattr(link, "body", "") or "") for text in ETCD_TIMEOUTS):
            return "HTTP 500: etcd did not answer in time"
        if isinstance(link, ConnectionRefusedError) or "Connection refused" in str(link):
            return "connection refused"
        if isinstance(link, ConnectionResetError) or "Connection reset" in str(link):
            return "connection reset"
        if isinstance(link, TimeoutError) or name in ("ReadTimeoutError", "ConnectTimeoutError"):
            return "timed out"
        if name in ("ProtocolError", "RemoteDisconnected", "NewConnectionError"):
            return "connection lost"
    return None


def _server(error: BaseException) -> str:
    """The API server's address, when the error names it (urllib3's pool does)."""
    for link in _chain(error):
        pool = getattr(link, "pool", None)
        if pool is not None and getattr(pool, "host", None):
            return f" at {getattr(pool, 'scheme', 'https')}://{pool.host}:{pool.port}"
    return ""


def unreachable_detail(error: BaseException) -> str | None:
    """What to tell the user when the API server did not answer, or None when the error is another.

    A play that meets a dying API server stops at the task that met it. Every object is applied
    whole, by server-side apply, so nothing is left half-written; what the run did not reach
    (the next pools, the status) is applied by the next run, which changes only what differs.
    """
    cause = _cause(error)
    if cause is None:
        return None
    return (
        f"the Kubernetes API server{_server(error)} did not answer ({cause}). What this run applied "
        "before stays and nothing was rolled back; run it again once the API server answers: it "
        "applies only what is missing or different"
    )


def error_detail(error: Exception) -> str:
    """The API server's message (an ApiException's body) rather than the exception's repr."""
    unreachable = unreachable_detail(error)
    if unreachable is not None:
        return unreachable
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
