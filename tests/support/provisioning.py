"""The Tenant of the provisioning tests (against the fake RustFS and the real one): two policies from
the ConfigMap `prov-policies`, two users (one with its own Secret, one with the Secret named after it),
three buckets (one in another region, one with object lock), root keys in the Secret `prov-admin`."""

from __future__ import annotations

from typing import Any


def tenant_for(namespace: str) -> dict[str, Any]:
    ref = {"name": "prov-policies"}
    return {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": "prov", "namespace": namespace},
        "spec": {
            "credsSecret": {"name": "prov-admin"},
            "pools": [{"name": "a", "servers": 1, "persistence": {"volumesPerServer": 4}}],
            "policies": [
                {"name": "read-photos", "document": {"configMapKeyRef": {**ref, "key": "read.json"}}},
                {"name": "write-all", "document": {"configMapKeyRef": {**ref, "key": "write.json"}}},
            ],
            "users": [
                {"name": "reader", "credsSecret": {"name": "reader-keys"}, "policies": ["read-photos"]},
                {"name": "writer", "policies": ["write-all", "read-photos"]},
            ],
            "buckets": [
                {"name": "photos"},
                {"name": "logs", "region": "eu-west-1"},
                {"name": "vault", "objectLock": True},
            ],
        },
    }
