# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""RUSTFS_VOLUMES (spec 7): how every RustFS server finds every disk.

RustFS derives its erasure sets from this string, so it must be identical on
every pool and identical to what the RustFS operator renders; the per-pool
token is also how a RustFS pool is matched to its StatefulSet.
"""

from __future__ import annotations

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.model import Pool, Tenant
from ansible_collections.rustfs.operator.plugins.module_utils.naming import (
    headless_service_name,
    statefulset_name,
)


def is_single_node_single_disk(tenant: Tenant) -> bool:
    return (
        len(tenant.pools) == 1 and tenant.pools[0].servers == 1 and tenant.pools[0].persistence.volumes_per_server == 1
    )


def pool_volume_token(tenant: Tenant, pool: Pool, cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN) -> str:
    """The ellipsis form RustFS expands; `{0...0}` is kept literal for a 1-wide dimension."""
    scheme = "https" if tenant.internode_https else "http"
    host = (
        f"{statefulset_name(tenant.name, pool.name)}-{{0...{pool.servers - 1}}}"
        f".{headless_service_name(tenant.name)}.{tenant.namespace}.svc.{cluster_domain}"
    )
    disks = f"{pool.persistence.path}/rustfs{{0...{pool.persistence.volumes_per_server - 1}}}"
    return f"{scheme}://{host}:{c.S3_PORT}{disks}"


def rustfs_volumes(tenant: Tenant, cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN) -> str:
    if is_single_node_single_disk(tenant):
        return tenant.pools[0].volume_paths()[0]
    return " ".join(pool_volume_token(tenant, pool, cluster_domain) for pool in tenant.pools)
