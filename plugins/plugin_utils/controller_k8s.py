# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""What the collection's action plugins share: a Kubernetes client built in the controller, plain
arguments, and failures reported as messages.

The client comes from kubernetes.core's own factory with the same options and
K8S_AUTH_* variables as its modules, so `module_defaults` for the group
`rustfs.operator.k8s` and kubernetes.core authenticate both alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client


def as_plain(args: Mapping[str, Any]) -> dict[str, Any]:
    """Arguments as a module would receive them: plain JSON values, no Ansible tagged types."""
    plain: dict[str, Any] = json.loads(json.dumps(dict(args), default=str))
    return plain


def api_client(params: Mapping[str, Any]) -> Any:
    """The client for these auth options (cached per process by kubernetes.core)."""
    return get_api_client(**{key: params.get(key) for key in AUTH_ARG_SPEC})


def failure(prefix: str, error: Exception) -> dict[str, Any]:
    """A failed task result with the API server's message (its body) rather than the exception's repr."""
    detail = getattr(error, "body", None) or getattr(error, "message", None) or str(error) or type(error).__name__
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    return {"failed": True, "msg": f"{prefix}: {detail}"}
