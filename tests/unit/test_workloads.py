"""workloads.py: one StatefulSet per pool (tenant-api.md §6.4) and logging (§9.2)."""

from __future__ import annotations

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.workloads import (
    claim_templates,
    default_claim_spec,
)

POOL_LABELS = {
    "app.kubernetes.io/name": "rustfs",
    "app.kubernetes.io/instance": "t1",
    "app.kubernetes.io/managed-by": "rustfs-operator",
    "rustfs.tenant": "t1",
    "rustfs.pool": "p",
    "app.kubernetes.io/component": "storage",
}
DEFAULT_CLAIM = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}}


def _sts(eng, pools=None, index=0, **spec):
    doc = eng.tenant("t1", "ns1", pools=pools or [eng.pool("p", 3, 2)], **spec)
    return eng.statefulsets(eng.render(doc))[index]


def test_identity_of_the_statefulset(eng):
    sts = _sts(eng)
    assert sts["apiVersion"] == "apps/v1"
    assert sts["metadata"] == {"name": "t1-p", "namespace": "ns1", "labels": POOL_LABELS}
    assert sts["spec"]["replicas"] == 3
    assert sts["spec"]["serviceName"] == "t1-hl"
    assert sts["spec"]["selector"] == {"matchLabels": {"rustfs.tenant": "t1", "rustfs.pool": "p"}}
    assert sts["spec"]["template"]["metadata"] == {"labels": POOL_LABELS}


def test_one_statefulset_per_pool_in_spec_order(eng):
    doc = eng.tenant("t1", "ns1", pools=[eng.pool("z", 2, 1), eng.pool("a", 4, 3)])
    statefulsets = eng.statefulsets(eng.render(doc))
    assert [s["metadata"]["name"] for s in statefulsets] == ["t1-z", "t1-a"]
    assert [s["spec"]["replicas"] for s in statefulsets] == [2, 4]
    assert [len(s["spec"]["volumeClaimTemplates"]) for s in statefulsets] == [1, 3]


@pytest.mark.parametrize(
    ("policy", "expected"), [(None, "Parallel"), ("Parallel", "Parallel"), ("OrderedReady", "OrderedReady")]
)
def test_pod_management_policy_defaults_to_parallel(eng, policy, expected):
    spec = {} if policy is None else {"podManagementPolicy": policy}
    assert _sts(eng, **spec)["spec"]["podManagementPolicy"] == expected


def test_update_strategy_and_token_only_with_the_default_service_account(eng):
    default = _sts(eng)
    assert default["spec"]["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert eng.pod_spec(default)["serviceAccountName"] == "t1-sa"
    assert eng.pod_spec(default)["automountServiceAccountToken"] is False
    own = _sts(eng, serviceAccountName="mine")
    assert "updateStrategy" not in own["spec"]
    assert eng.pod_spec(own)["serviceAccountName"] == "mine"
    assert "automountServiceAccountToken" not in eng.pod_spec(own)


def test_container_basics(eng):
    container = eng.container(_sts(eng))
    assert container["name"] == "rustfs"
    assert container["image"] == "rustfs/rustfs:1.0.0-beta.10"
    assert "command" not in container
    assert "args" not in container
    assert "imagePullPolicy" not in container
    assert "resources" not in container
    assert "lifecycle" not in container
    assert container["terminationMessagePolicy"] == "FallbackToLogsOnError"
    assert container["ports"] == [
        {"name": "http", "containerPort": 9000, "protocol": "TCP"},
        {"name": "console", "containerPort": 9001, "protocol": "TCP"},
    ]


def test_probes_have_no_timing_fields(eng):
    container = eng.container(_sts(eng))
    assert container["livenessProbe"] == {"httpGet": {"path": "/health", "port": 9000, "scheme": "HTTP"}}
    assert container["readinessProbe"] == {
        "httpGet": {"path": "/health/ready", "port": 9000, "scheme": "HTTP"}
    }
    assert container["startupProbe"] == {"httpGet": {"path": "/health", "port": 9000, "scheme": "HTTP"}}


def test_probes_use_https_with_tls(eng):
    doc = eng.tenant("t1", "ns1", tls={"mode": "certManager", "certManager": {"secretName": "s"}})
    container = eng.container(eng.statefulsets(eng.render(doc))[0])
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["scheme"] == "HTTPS"


def test_image_fields(eng):
    container = eng.container(_sts(eng, image="rustfs/rustfs:1.0.0", imagePullPolicy="Always"))
    assert container["image"] == "rustfs/rustfs:1.0.0"
    assert container["imagePullPolicy"] == "Always"
    assert eng.container(_sts(eng, image=""))["image"] == "rustfs/rustfs:1.0.0-beta.10"


def test_default_image_option(eng):
    doc = eng.tenant("t1", "ns1", pools=[eng.pool("p", 1, 1)])
    objects = eng.render(doc, default_image="rustfs/rustfs:1.0.2")
    assert eng.container(eng.statefulsets(objects)[0])["image"] == "rustfs/rustfs:1.0.2"


def test_pool_resources_and_tenant_lifecycle_are_copied(eng):
    resources = {"requests": {"cpu": "4", "memory": "16Gi"}, "limits": {"cpu": 8, "memory": "32Gi"}}
    lifecycle = {"preStop": {"exec": {"command": ["sleep", "5"]}}}
    pools = [eng.pool("p", 2, 2, resources=resources), eng.pool("q", 2, 2)]
    first = eng.container(_sts(eng, pools, 0, lifecycle=lifecycle))
    second = eng.container(_sts(eng, pools, 1, lifecycle=lifecycle))
    assert first["resources"] == resources
    assert "resources" not in second
    assert first["lifecycle"] == second["lifecycle"] == lifecycle


def test_data_mounts(eng):
    container = eng.container(_sts(eng, [eng.pool("p", 2, 3)]))
    assert container["volumeMounts"] == [
        {"name": "vol-0", "mountPath": "/data/rustfs0"},
        {"name": "vol-1", "mountPath": "/data/rustfs1"},
        {"name": "vol-2", "mountPath": "/data/rustfs2"},
    ]


@pytest.mark.parametrize("path", ["/mnt/disks", "/mnt/disks/", "/mnt/disks//"])
def test_data_mounts_under_a_custom_path_ignore_the_trailing_slash(eng, path):
    container = eng.container(_sts(eng, [eng.pool("p", 2, 2, persistence={"path": path})]))
    assert container["volumeMounts"] == [
        {"name": "vol-0", "mountPath": "/mnt/disks/rustfs0"},
        {"name": "vol-1", "mountPath": "/mnt/disks/rustfs1"},
    ]


def test_pod_has_no_volumes_by_default(eng):
    assert "volumes" not in eng.pod_spec(_sts(eng))


# --- claim templates ---------------------------------------------------------------------------


def test_default_claim_templates(eng):
    assert _sts(eng, [eng.pool("p", 2, 3)])["spec"]["volumeClaimTemplates"] == [
        {"metadata": {"name": f"vol-{i}", "labels": POOL_LABELS}, "spec": DEFAULT_CLAIM} for i in range(3)
    ]
    assert default_claim_spec() == DEFAULT_CLAIM


def test_claim_template_spec_labels_and_annotations(eng):
    template = {
        "accessModes": ["ReadWriteOnce"],
        "storageClassName": "fast",
        "resources": {"requests": {"storage": "1Ti"}},
    }
    persistence = {
        "volumeClaimTemplate": template,
        "labels": {"team": "storage", "app.kubernetes.io/component": "data"},
        "annotations": {"backup": "true"},
    }
    sts = _sts(eng, [eng.pool("p", 2, 2, persistence=persistence)])
    labels = {**POOL_LABELS, "team": "storage", "app.kubernetes.io/component": "data"}
    assert sts["spec"]["volumeClaimTemplates"] == [
        {
            "metadata": {"name": f"vol-{i}", "labels": labels, "annotations": {"backup": "true"}},
            "spec": template,
        }
        for i in range(2)
    ]
    # Persistence labels are for the claims only: the selector and pod labels stay the pool's.
    assert sts["spec"]["selector"]["matchLabels"] == {"rustfs.tenant": "t1", "rustfs.pool": "p"}
    assert sts["spec"]["template"]["metadata"]["labels"] == POOL_LABELS
    assert sts["metadata"]["labels"] == POOL_LABELS


def test_claim_templates_of_the_parsed_pool(eng):
    tenant = parse_tenant(
        eng.tenant("t1", "ns1", pools=[eng.pool("p", 1, 1, persistence={"annotations": {}})])
    )
    assert claim_templates(tenant, tenant.pools[0]) == [
        {"metadata": {"name": "vol-0", "labels": POOL_LABELS}, "spec": DEFAULT_CLAIM}
    ]


# --- pod scheduling fields ----------------------------------------------------------------------


def test_scheduling_fields_are_copied_from_the_pool(eng):
    fields = {
        "nodeSelector": {"disk": "nvme"},
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a", "b"]}]}
                    ]
                }
            }
        },
        "tolerations": [
            {"key": "dedicated", "operator": "Equal", "value": "storage", "effect": "NoSchedule"}
        ],
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "DoNotSchedule",
                "labelSelector": {"matchLabels": {"rustfs.pool": "p"}},
            }
        ],
    }
    pools = [eng.pool("p", 2, 2, **fields), eng.pool("q", 2, 2)]
    pod = eng.pod_spec(_sts(eng, pools, 0))
    for name, value in fields.items():
        assert pod[name] == value
    other = eng.pod_spec(_sts(eng, pools, 1))
    assert not set(fields) & set(other)


@pytest.mark.parametrize(
    ("tenant_value", "pool_value", "expected"),
    [
        (None, None, None),
        ("tenant-pc", None, "tenant-pc"),
        ("tenant-pc", "pool-pc", "pool-pc"),
        (None, "pool-pc", "pool-pc"),
    ],
)
def test_priority_class_pool_over_tenant(eng, tenant_value, pool_value, expected):
    pool_fields = {} if pool_value is None else {"priorityClassName": pool_value}
    spec = {} if tenant_value is None else {"priorityClassName": tenant_value}
    pod = eng.pod_spec(_sts(eng, [eng.pool("p", 2, 2, **pool_fields)], **spec))
    assert pod.get("priorityClassName") == expected


def test_scheduler_and_pull_secret(eng):
    pod = eng.pod_spec(_sts(eng, scheduler="stork", imagePullSecret={"name": "regcred"}))
    assert pod["schedulerName"] == "stork"
    assert pod["imagePullSecrets"] == [{"name": "regcred"}]
    pod = eng.pod_spec(_sts(eng))
    assert "schedulerName" not in pod
    assert "imagePullSecrets" not in pod


def test_tenant_mount_path_is_unused(eng):
    assert _sts(eng, mountPath="/elsewhere") == _sts(eng)


# --- logging (§9.2) -----------------------------------------------------------------------------


def test_stdout_logging_renders_nothing(eng):
    assert _sts(eng, logging={"mode": "stdout"}) == _sts(eng)


def test_emptydir_logging(eng):
    sts = _sts(eng, logging={"mode": "emptydir"})
    assert eng.pod_spec(sts)["volumes"] == [{"name": "logs", "emptyDir": {}}]
    assert eng.container(sts)["volumeMounts"][-1] == {"name": "logs", "mountPath": "/logs"}
    assert [t["metadata"]["name"] for t in sts["spec"]["volumeClaimTemplates"]] == ["vol-0", "vol-1"]
    sts = _sts(eng, logging={"mode": "emptydir", "mountPath": "/var/log/rustfs"})
    assert eng.container(sts)["volumeMounts"][-1] == {"name": "logs", "mountPath": "/var/log/rustfs"}


def test_persistent_logging(eng):
    sts = _sts(eng, logging={"mode": "persistent"})
    assert "volumes" not in eng.pod_spec(sts)
    assert eng.container(sts)["volumeMounts"] == [
        {"name": "vol-0", "mountPath": "/data/rustfs0"},
        {"name": "vol-1", "mountPath": "/data/rustfs1"},
        {"name": "logs", "mountPath": "/logs"},
    ]
    assert sts["spec"]["volumeClaimTemplates"][-1] == {
        "metadata": {"name": "logs", "labels": POOL_LABELS},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}},
    }
    assert len(sts["spec"]["volumeClaimTemplates"]) == 3


def test_persistent_logging_options(eng):
    persistence = {"labels": {"extra": "x"}, "annotations": {"a": "b"}}
    sts = _sts(
        eng,
        [eng.pool("p", 2, 1, persistence=persistence)],
        logging={"mode": "persistent", "storageSize": "20Gi", "storageClass": "slow", "mountPath": "/l"},
    )
    # The logs claim has the pool labels only; persistence labels/annotations are for data claims.
    assert sts["spec"]["volumeClaimTemplates"][-1] == {
        "metadata": {"name": "logs", "labels": POOL_LABELS},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "20Gi"}},
            "storageClassName": "slow",
        },
    }
    assert eng.container(sts)["volumeMounts"][-1] == {"name": "logs", "mountPath": "/l"}


@pytest.mark.parametrize("mode", ["emptyDir", "Persistent", "file"])
def test_logging_modes_are_lowercase_names(eng, mode):
    errors = eng.errors(eng.tenant(logging={"mode": mode}))
    assert errors == [
        {
            "field": "spec.logging.mode",
            "message": "must be one of: stdout, emptydir, persistent",
            "reason": "InvalidSpec",
        }
    ]
