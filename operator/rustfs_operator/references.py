"""Which Secrets and ConfigMaps a Tenant spec names.

A change to one of them must re-reconcile the tenant (a credential fixed by
the user unblocks it; a policy document edited in its ConfigMap is applied to
RustFS), so their resourceVersions are part of the tenant's input digest. Only
names are read here, never an object's data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Keys whose value is a reference {name: ...} to a Secret in the tenant's namespace.
_REFERENCE_KEYS = frozenset(
    {"credsSecret", "rpcSecret", "kmsSecret", "masterKeySecretRef", "secretKeyRef", "secretRef", "caSecretRef"}
)
_NAME_KEYS = frozenset({"secretName"})


def referenced_secrets(spec: Mapping[str, Any]) -> list[str]:
    """Names of every Secret the spec references, sorted and unique."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key in _REFERENCE_KEYS or (isinstance(key, str) and key.endswith("SecretRef")):
                    if isinstance(value, Mapping) and isinstance(value.get("name"), str) and value["name"]:
                        found.add(value["name"])
                elif key in _NAME_KEYS and isinstance(value, str) and value:
                    found.add(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(spec)
    # A provisioned user without credsSecret has its keys in a Secret named after it (spec 9.4).
    for user in spec.get("users") or []:
        if isinstance(user, Mapping) and not user.get("credsSecret") and isinstance(user.get("name"), str):
            found.add(user["name"])
    return sorted(found)


def referenced_configmaps(spec: Mapping[str, Any]) -> list[str]:
    """Names of the ConfigMaps the spec's policy documents come from (spec.policies[].document),
    sorted and unique: the only ConfigMaps a reconcile reads."""
    found: set[str] = set()
    for policy in spec.get("policies") or []:
        document = policy.get("document") if isinstance(policy, Mapping) else None
        ref = document.get("configMapKeyRef") if isinstance(document, Mapping) else None
        if isinstance(ref, Mapping) and isinstance(ref.get("name"), str) and ref["name"]:
            found.add(ref["name"])
    return sorted(found)
