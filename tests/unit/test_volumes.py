"""volumes.py: RUSTFS_VOLUMES (tenant-api.md §7), every worked example of the table."""

from __future__ import annotations

from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.volumes import (
    is_single_node_single_disk,
    pool_volume_token,
    rustfs_volumes,
)

ROW_1 = "/data/rustfs0"
ROW_2 = (
    "http://example-tenant-primary-{0...1}.example-tenant-hl.rustfs-system.svc.cluster.local:9000"
    "/data/rustfs{0...1}"
)
ROW_3 = (
    "http://multi-pool-tenant-pool-0-{0...3}.multi-pool-tenant-hl.rustfs-system.svc.cluster.local:9000"
    "/data/rustfs{0...1} "
    "http://multi-pool-tenant-pool-1-{0...1}.multi-pool-tenant-hl.rustfs-system.svc.cluster.local:9000"
    "/data/rustfs{0...3}"
)
ROW_4 = (
    "http://test-tenant-pool-0-{0...0}.test-tenant-hl.default.svc.cluster.local:9000/data/rustfs{0...0} "
    "http://test-tenant-pool-1-{0...1}.test-tenant-hl.default.svc.cluster.local:9000/data/rustfs{0...0}"
)
ROW_5 = (
    "https://prod-rustfs-mse-nvme-500-{0...2}.prod-rustfs-hl.mse.svc.k8s.mse.cloud:9000/data/rustfs{0...0}"
)


def _volumes_of_every_statefulset(eng, doc, **options):
    return {eng.env_value(sts, "RUSTFS_VOLUMES") for sts in eng.statefulsets(eng.render(doc, **options))}


def test_row_1_single_node_single_disk(eng):
    doc = eng.tenant("dev-minimal", "default", pools=[eng.pool("dev-pool", 1, 1)])
    assert rustfs_volumes(parse_tenant(doc)) == ROW_1
    assert _volumes_of_every_statefulset(eng, doc) == {ROW_1}


def test_row_2_one_distributed_pool(eng):
    doc = eng.tenant("example-tenant", "rustfs-system", pools=[eng.pool("primary", 2, 2)])
    assert rustfs_volumes(parse_tenant(doc)) == ROW_2
    assert _volumes_of_every_statefulset(eng, doc) == {ROW_2}


def test_row_3_two_pools_in_spec_order_on_every_statefulset(eng):
    doc = eng.tenant(
        "multi-pool-tenant", "rustfs-system", pools=[eng.pool("pool-0", 4, 2), eng.pool("pool-1", 2, 4)]
    )
    assert rustfs_volumes(parse_tenant(doc)) == ROW_3
    # §7.3: every pool's StatefulSet carries the full value.
    assert _volumes_of_every_statefulset(eng, doc) == {ROW_3}


def test_row_4_a_1x1_pool_inside_a_multi_pool_tenant_uses_the_peer_form(eng):
    doc = eng.tenant("test-tenant", "default", pools=[eng.pool("pool-0", 1, 1), eng.pool("pool-1", 2, 1)])
    assert rustfs_volumes(parse_tenant(doc)) == ROW_4
    # RustFS refuses a peer-form pool of one drive (docs/erasure-layout.md), so validation refuses
    # this tenant (issue 7); the value it would get is still the one of §7 row 4.
    assert eng.reasons(eng.errors(doc)) == {"ErasureLayoutInvalid"}
    assert {eng.env_value(s, "RUSTFS_VOLUMES") for s in eng.statefulsets(eng.render_unchecked(doc))} == {ROW_4}


def test_row_5_internode_https_and_a_custom_cluster_domain(eng):
    doc = eng.tenant(
        "prod-rustfs",
        "mse",
        pools=[eng.pool("mse-nvme-500", 3, 1)],
        tls={"mode": "certManager", "enableInternodeHttps": True, "certManager": {"secretName": "s"}},
    )
    assert rustfs_volumes(parse_tenant(doc), "k8s.mse.cloud") == ROW_5
    assert _volumes_of_every_statefulset(eng, doc, cluster_domain="k8s.mse.cloud") == {ROW_5}


def test_tls_without_internode_https_keeps_http(eng):
    doc = eng.tenant(
        "prod-rustfs", "mse", pools=[eng.pool("mse-nvme-500", 3, 1)], tls={"mode": "certManager"}
    )
    assert rustfs_volumes(parse_tenant(doc), "k8s.mse.cloud") == ROW_5.replace("https://", "http://", 1)


def test_internode_https_without_tls_keeps_http(eng):
    doc = eng.tenant(
        "prod-rustfs",
        "mse",
        pools=[eng.pool("mse-nvme-500", 3, 1)],
        tls={"mode": "disabled", "enableInternodeHttps": True},
    )
    assert rustfs_volumes(parse_tenant(doc), "k8s.mse.cloud").startswith("http://prod-rustfs-mse-nvme-500-")


def test_internode_https_single_node_single_disk_is_still_the_local_path(eng):
    doc = eng.tenant(pools=[eng.pool("p", 1, 1)], tls={"mode": "certManager", "enableInternodeHttps": True})
    assert rustfs_volumes(parse_tenant(doc)) == "/data/rustfs0"


def test_cluster_domain_is_used_in_the_render(eng):
    doc = eng.tenant("example-tenant", "rustfs-system", pools=[eng.pool("primary", 2, 2)])
    expected = ROW_2.replace("svc.cluster.local", "svc.corp.example")
    assert _volumes_of_every_statefulset(eng, doc, cluster_domain="corp.example") == {expected}


def test_custom_path_and_trailing_slash(eng):
    single = eng.tenant(pools=[eng.pool("p", 1, 1, persistence={"path": "/mnt/disks/"})])
    assert rustfs_volumes(parse_tenant(single)) == "/mnt/disks/rustfs0"
    distributed = eng.tenant("t", "n", pools=[eng.pool("p", 2, 3, persistence={"path": "/mnt/disks//"})])
    assert rustfs_volumes(parse_tenant(distributed)) == (
        "http://t-p-{0...1}.t-hl.n.svc.cluster.local:9000/mnt/disks/rustfs{0...2}"
    )


def test_each_pool_uses_its_own_path(eng):
    doc = eng.tenant("t", "n", pools=[eng.pool("a", 1, 2, persistence={"path": "/x"}), eng.pool("b", 1, 2)])
    assert rustfs_volumes(parse_tenant(doc)) == (
        "http://t-a-{0...0}.t-hl.n.svc.cluster.local:9000/x/rustfs{0...1} "
        "http://t-b-{0...0}.t-hl.n.svc.cluster.local:9000/data/rustfs{0...1}"
    )


def test_one_server_with_several_disks_is_not_the_local_form(eng):
    doc = eng.tenant("t", "n", pools=[eng.pool("p", 1, 4)])
    assert (
        rustfs_volumes(parse_tenant(doc))
        == "http://t-p-{0...0}.t-hl.n.svc.cluster.local:9000/data/rustfs{0...3}"
    )
    doc = eng.tenant("t", "n", pools=[eng.pool("p", 4, 1)])
    assert (
        rustfs_volumes(parse_tenant(doc))
        == "http://t-p-{0...3}.t-hl.n.svc.cluster.local:9000/data/rustfs{0...0}"
    )


def test_single_node_single_disk_predicate(eng):
    assert is_single_node_single_disk(parse_tenant(eng.tenant(pools=[eng.pool("p", 1, 1)])))
    assert not is_single_node_single_disk(parse_tenant(eng.tenant(pools=[eng.pool("p", 1, 2)])))
    assert not is_single_node_single_disk(parse_tenant(eng.tenant(pools=[eng.pool("p", 2, 1)])))
    assert not is_single_node_single_disk(
        parse_tenant(eng.tenant(pools=[eng.pool("p", 1, 1), eng.pool("q", 1, 1)]))
    )


def test_pool_token_of_one_pool(eng):
    tenant = parse_tenant(eng.tenant("t", "n", pools=[eng.pool("a", 2, 2), eng.pool("b", 3, 1)]))
    assert pool_volume_token(tenant, tenant.pools[1]) == (
        "http://t-b-{0...2}.t-hl.n.svc.cluster.local:9000/data/rustfs{0...0}"
    )
    assert pool_volume_token(tenant, tenant.pools[1], "d.example") == (
        "http://t-b-{0...2}.t-hl.n.svc.d.example:9000/data/rustfs{0...0}"
    )
