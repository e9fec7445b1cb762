# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Object names and label sets (spec 6.1-6.4).

RustFS peers find each other by these names, and the RustFS operator uses the
same ones: a rename here breaks a running cluster or a migration, so every
name is built by exactly one function.
"""

from __future__ import annotations

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.model import Pool, Tenant


def service_account_name(tenant: Tenant) -> str:
    return str(tenant.spec.get("serviceAccountName") or f"{tenant.name}-sa")


def io_service_name(tenant_name: str) -> str:
    return f"{tenant_name}-io"


def console_service_name(tenant_name: str) -> str:
    return f"{tenant_name}-console"


def exposure_name(tenant_name: str, endpoint: str) -> str:
    """An Ingress or route is named like the Service it sends traffic to (endpoint s3 or console)."""
    return io_service_name(tenant_name) if endpoint == "s3" else console_service_name(tenant_name)


def headless_service_name(tenant_name: str) -> str:
    return f"{tenant_name}-hl"


def statefulset_name(tenant_name: str, pool_name: str) -> str:
    return f"{tenant_name}-{pool_name}"


def pod_name(tenant_name: str, pool_name: str, ordinal: int) -> str:
    return f"{statefulset_name(tenant_name, pool_name)}-{ordinal}"


def claim_template_name(index: int) -> str:
    return f"vol-{index}"


def claim_name(tenant_name: str, pool_name: str, volume: int, ordinal: int) -> str:
    """The PVC name Kubernetes derives from a claim template; used to find kept volumes."""
    return f"{claim_template_name(volume)}-{pod_name(tenant_name, pool_name, ordinal)}"


def peer_dns_label_length(tenant_name: str, pool_name: str, servers: int) -> int:
    """Length of the longest pod name, which is a DNS label under the headless Service."""
    return len(tenant_name) + 1 + len(pool_name) + 1 + len(str(max(servers - 1, 0)))


def pod_fqdn(tenant: Tenant, pool: Pool, ordinal: int, cluster_domain: str) -> str:
    return (
        f"{pod_name(tenant.name, pool.name, ordinal)}.{headless_service_name(tenant.name)}"
        f".{tenant.namespace}.svc.{cluster_domain}"
    )


def common_labels(tenant_name: str) -> dict[str, str]:
    return {
        c.LABEL_NAME: "rustfs",
        c.LABEL_INSTANCE: tenant_name,
        c.LABEL_MANAGED_BY: c.MANAGED_BY,
        c.LABEL_TENANT: tenant_name,
    }


def pool_labels(tenant_name: str, pool_name: str) -> dict[str, str]:
    return {**common_labels(tenant_name), c.LABEL_POOL: pool_name, c.LABEL_COMPONENT: "storage"}


def selector_labels(tenant_name: str) -> dict[str, str]:
    return {c.LABEL_TENANT: tenant_name}


def pool_selector_labels(tenant_name: str, pool_name: str) -> dict[str, str]:
    return {c.LABEL_TENANT: tenant_name, c.LABEL_POOL: pool_name}
