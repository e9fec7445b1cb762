# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""The tenant's ServiceAccount and its three Services (spec 6.2, 6.3).

The headless Service is what peer DNS names hang off, and it publishes
not-ready pods because RustFS servers must reach each other before any of
them can report ready.
"""

from __future__ import annotations

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Tenant
from ansible_collections.rustfs.operator.plugins.module_utils.naming import (
    common_labels,
    console_service_name,
    headless_service_name,
    io_service_name,
    selector_labels,
    service_account_name,
)


def object_metadata(tenant: Tenant, name: str, labels: dict[str, str]) -> JSON:
    return {"name": name, "namespace": tenant.namespace, "labels": dict(labels)}


def s3_port_name(tenant: Tenant) -> str:
    return "https-rustfs" if tenant.tls_enabled else "http-rustfs"


def service_account(tenant: Tenant) -> JSON | None:
    """Only the default account is ours; a named one belongs to the user and is never touched."""
    if not tenant.uses_default_service_account:
        return None
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": object_metadata(tenant, service_account_name(tenant), common_labels(tenant.name)),
        "automountServiceAccountToken": False,
    }


def _service(tenant: Tenant, name: str, spec: JSON) -> JSON:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": object_metadata(tenant, name, common_labels(tenant.name)),
        "spec": {"type": "ClusterIP", **spec, "selector": selector_labels(tenant.name)},
    }


def services(tenant: Tenant) -> list[JSON]:
    s3 = s3_port_name(tenant)
    return [
        _service(
            tenant,
            io_service_name(tenant.name),
            {"ports": [{"name": s3, "port": c.S3_PORT, "targetPort": c.S3_PORT}]},
        ),
        _service(
            tenant,
            console_service_name(tenant.name),
            {"ports": [{"name": "http-console", "port": c.CONSOLE_PORT, "targetPort": c.CONSOLE_PORT}]},
        ),
        _service(
            tenant,
            headless_service_name(tenant.name),
            {"clusterIP": "None", "publishNotReadyAddresses": True, "ports": [{"name": s3, "port": c.S3_PORT}]},
        ),
    ]
