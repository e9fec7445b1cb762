# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""One StatefulSet per pool (spec 6.4).

Claim templates, replicas, selector and serviceName are immutable in a
StatefulSet and carry the data, so they are derived only from the fields the
API marks immutable; everything else may change and roll the pods.
"""

from __future__ import annotations

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.env import container_env
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Pool, Tenant, as_dict
from ansible_collections.rustfs.operator.plugins.module_utils.naming import (
    claim_template_name,
    headless_service_name,
    pool_labels,
    pool_selector_labels,
    service_account_name,
    statefulset_name,
)
from ansible_collections.rustfs.operator.plugins.module_utils.security import effective_security_contexts
from ansible_collections.rustfs.operator.plugins.module_utils.tls import (
    TlsInputs,
    pod_annotations,
    tls_volume,
    tls_volume_mount,
)

POOL_SCHEDULING_FIELDS = ("nodeSelector", "affinity", "tolerations", "topologySpreadConstraints")


def default_claim_spec() -> JSON:
    return {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": c.DEFAULT_VOLUME_SIZE}}}


def claim_templates(tenant: Tenant, pool: Pool) -> list[JSON]:
    persistence = pool.persistence
    labels = {**pool_labels(tenant.name, pool.name), **persistence.labels}
    templates = []
    for index in range(persistence.volumes_per_server):
        metadata: JSON = {"name": claim_template_name(index), "labels": dict(labels)}
        if persistence.annotations:
            metadata["annotations"] = dict(persistence.annotations)
        spec = persistence.claim_template if persistence.claim_template is not None else default_claim_spec()
        templates.append({"metadata": metadata, "spec": dict(spec)})
    logging = as_dict(tenant.spec.get("logging"))
    if tenant.logging_mode == "persistent":
        spec = {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": str(logging.get("storageSize") or c.DEFAULT_LOG_VOLUME_SIZE)}},
        }
        if logging.get("storageClass"):
            spec["storageClassName"] = str(logging["storageClass"])
        templates.append(
            {"metadata": {"name": c.LOGS_VOLUME, "labels": pool_labels(tenant.name, pool.name)}, "spec": spec}
        )
    return templates


def _probe(path: str, tenant: Tenant) -> JSON:
    return {"httpGet": {"path": path, "port": c.S3_PORT, "scheme": "HTTPS" if tenant.tls_enabled else "HTTP"}}


def rustfs_container(tenant: Tenant, pool: Pool, cluster_domain: str, security_context: JSON) -> JSON:
    container: JSON = {"name": c.CONTAINER_NAME, "image": tenant.image}
    if tenant.spec.get("imagePullPolicy"):
        container["imagePullPolicy"] = tenant.spec["imagePullPolicy"]
    container["env"] = container_env(tenant, cluster_domain)
    container["ports"] = [
        {"name": "http", "containerPort": c.S3_PORT, "protocol": "TCP"},
        {"name": "console", "containerPort": c.CONSOLE_PORT, "protocol": "TCP"},
    ]
    if pool.spec.get("resources") is not None:
        container["resources"] = pool.spec["resources"]
    if tenant.spec.get("lifecycle") is not None:
        container["lifecycle"] = tenant.spec["lifecycle"]
    mounts = [{"name": claim_template_name(index), "mountPath": path} for index, path in enumerate(pool.volume_paths())]
    if tenant.logging_mode in ("emptydir", "persistent"):
        logging = as_dict(tenant.spec.get("logging"))
        mounts.append({"name": c.LOGS_VOLUME, "mountPath": str(logging.get("mountPath") or c.DEFAULT_LOG_MOUNT_PATH)})
    if tenant.tls_enabled:
        mounts.append(tls_volume_mount(tenant))
    container["volumeMounts"] = mounts
    container["livenessProbe"] = _probe("/health", tenant)
    container["readinessProbe"] = _probe("/health/ready", tenant)
    container["startupProbe"] = _probe("/health", tenant)
    if security_context:
        container["securityContext"] = security_context
    container["terminationMessagePolicy"] = "FallbackToLogsOnError"
    return container


def pod_spec(tenant: Tenant, index: int, cluster_domain: str, tls: TlsInputs | None = None) -> JSON:
    pool = tenant.pools[index]
    contexts = effective_security_contexts(tenant, index)
    spec: JSON = {"serviceAccountName": service_account_name(tenant)}
    if tenant.uses_default_service_account:
        spec["automountServiceAccountToken"] = False
    spec["securityContext"] = contexts.pod
    if tenant.spec.get("scheduler"):
        spec["schedulerName"] = tenant.spec["scheduler"]
    priority = pool.spec.get("priorityClassName") or tenant.spec.get("priorityClassName")
    if priority:
        spec["priorityClassName"] = priority
    for name in POOL_SCHEDULING_FIELDS:
        if pool.spec.get(name) is not None:
            spec[name] = pool.spec[name]
    pull_secret = as_dict(tenant.spec.get("imagePullSecret")).get("name")
    if pull_secret:
        spec["imagePullSecrets"] = [{"name": pull_secret}]
    volumes = [{"name": c.LOGS_VOLUME, "emptyDir": {}}] if tenant.logging_mode == "emptydir" else []
    if tenant.tls_enabled:
        volumes.append(tls_volume(tenant, tls))
    if volumes:
        spec["volumes"] = volumes
    spec["containers"] = [rustfs_container(tenant, pool, cluster_domain, contexts.container)]
    return spec


def statefulset(
    tenant: Tenant, index: int, cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN, tls: TlsInputs | None = None
) -> JSON:
    """`tls`: the TLS inputs read from the cluster; without them the hash covers settings and names only."""
    pool = tenant.pools[index]
    labels = pool_labels(tenant.name, pool.name)
    spec: JSON = {
        "replicas": pool.servers,
        "serviceName": headless_service_name(tenant.name),
        "podManagementPolicy": tenant.spec.get("podManagementPolicy") or "Parallel",
        "selector": {"matchLabels": pool_selector_labels(tenant.name, pool.name)},
    }
    if tenant.uses_default_service_account:
        spec["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    template_metadata: JSON = {"labels": dict(labels)}
    if tenant.tls_enabled:
        template_metadata["annotations"] = pod_annotations(tenant, tls)
    spec["template"] = {"metadata": template_metadata, "spec": pod_spec(tenant, index, cluster_domain, tls)}
    spec["volumeClaimTemplates"] = claim_templates(tenant, pool)
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": statefulset_name(tenant.name, pool.name), "namespace": tenant.namespace, "labels": labels},
        "spec": spec,
    }
