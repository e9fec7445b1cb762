# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""The options of tenant_reconcile, in one place: the action plugin validates them, the module's
`main()` (kept for ansible-test, which checks them against the documentation) declares them."""

from __future__ import annotations

from typing import Any

from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC

ARGUMENT_SPEC: dict[str, Any] = {
    **AUTH_ARG_SPEC,
    "definition": {"type": "dict", "required": True},
    "manage_resource": {"type": "bool", "default": False},
    "generate_credentials": {"type": "bool", "default": False},
    "cluster_domain": {"type": "str", "default": "cluster.local"},
    "default_image": {"type": "str", "default": "rustfs/rustfs:1.0.0-beta.10"},
    "admin_endpoint": {"type": "str"},
    "write_status": {"type": "bool", "default": True},
    "wait": {"type": "bool", "default": False},
    "wait_timeout": {"type": "int", "default": 300},
    "tls": {"type": "dict"},
}
