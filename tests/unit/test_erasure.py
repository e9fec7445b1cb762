"""erasure.py: the layout RustFS derives from each pool (issue 7, item 4).

Expected values are worked out by hand from RustFS's rules (the module docstring and
docs/erasure-layout.md), and the set-size cases are the ones RustFS's own tests pin in
crates/ecstore/src/layout/disks_layout.rs (test_get_set_indexes, test_into_endpoint_set).
The placement and tolerance formulas are also checked against a brute-force model of
RustFS's endpoint order, so a wrong closed form fails here.
"""

from __future__ import annotations

import copy
import itertools

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.rustfs.operator.plugins.filter import erasure_layout as plugin
from ansible_collections.rustfs.operator.plugins.module_utils.erasure import (
    REASON_INVALID,
    REASON_MIXED_PARITY,
    REASON_NO_SERVER_TOLERANCE,
    REASON_UNVERIFIED,
    LayoutRefused,
    choose_set_size,
    claim_bytes,
    default_parity,
    drive_tolerance,
    drives_per_server_per_set,
    format_bytes,
    quorums,
    tenant_layout,
)
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant

GI = 2**30


def layout_of(document):
    return tenant_layout(parse_tenant(copy.deepcopy(document)))


def shape(eng, *pools, env=None, **spec):
    """A tenant of pools given as (servers, volumes) pairs, named pool-0, pool-1, ..."""
    if env is not None:
        spec["env"] = env
    return eng.tenant(pools=[eng.pool(f"pool-{i}", s, v) for i, (s, v) in enumerate(pools)], **spec)


def reasons(layout):
    return [(w["field"], w["reason"]) for w in layout.warnings]


# --- RustFS's own set-size cases -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("servers", "volumes", "set_size"),
    [
        (3, 180, 15),  # http://host{1...3}/data{1...180}: 36 sets of 15
        (2, 180, 12),  # http://host{1...2}/data{1...180}: 16 divides 360? no -> 12
        (3, 8, 12),  # https://node{1...3}.example.net/mnt/drive{1...8}: 8 is not symmetric with 3 hosts
        (16, 2, 16),  # http://rustfs{0...15}.mydomain.net/data{0...1}
        (2, 64, 16),  # http://rustfs{2...3}/export/set{1...64}
        (11, 8, 11),  # data/controller{1...11}/export{1...8}: the LAST pattern (11) decides, not the disks
        (10, 10, 10),  # /export{1...10}/disk{1...10}
        (16, 52, 16),  # data{1...16}/export{1...52}
        (27, 1, 9),  # data{1...27}
        (64, 1, 16),  # data{1...64}
        (24, 1, 12),  # data{1...24}
        (4, 1, 4),  # data{1...4}
        (3, 1, 3),  # data{1...3}
    ],
)
def test_set_size_matches_rustfs_test_cases(servers, volumes, set_size):
    assert choose_set_size(servers, volumes) == set_size


def test_rustfs_refuses_what_its_tests_refuse():
    # data{1...17}/export{1...52}: 884 drives, sizes 2, 4, 13 divide it but none lines up with 17.
    with pytest.raises(LayoutRefused, match="cannot be spread evenly over 17 servers"):
        choose_set_size(17, 52)


@pytest.mark.parametrize(
    ("drives", "parity"),
    [(1, 0), (2, 1), (3, 1), (4, 2), (5, 2), (6, 3), (7, 3), (8, 4), (12, 4), (16, 4)],
)
def test_default_parity_by_set_size(drives, parity):
    assert default_parity(drives) == parity


def test_quorums_add_one_to_write_when_data_equals_parity():
    assert quorums(8, 4) == (4, 5)
    assert quorums(16, 4) == (12, 12)
    assert quorums(4, 2) == (2, 3)
    assert quorums(5, 2) == (3, 3)
    assert quorums(1, 0) == (1, 1)
    assert drive_tolerance(8, 4) == (3, 4)
    assert drive_tolerance(16, 4) == (4, 4)
    assert drive_tolerance(2, 1) == (0, 1)
    assert drive_tolerance(4, 4) == (0, 0)  # no data shard: nothing can be stored


# --- brute force: RustFS's endpoint order against the closed forms --------------------------------


def _sets(servers, volumes, set_size):
    """ArgPattern::expand: the disk index is the outer loop, hosts the inner; sets are runs of set_size."""
    endpoints = [(disk, host) for disk in range(volumes) for host in range(servers)]
    return [endpoints[i : i + set_size] for i in range(0, len(endpoints), set_size)]


def _servers_survivable(servers, volumes, set_size, lose_at_most):
    """The most servers whose loss leaves every set missing at most `lose_at_most` drives."""
    sets = _sets(servers, volumes, set_size)
    best = 0
    for count in range(1, servers + 1):
        for lost in itertools.combinations(range(servers), count):
            if any(sum(host in lost for _, host in members) > lose_at_most for members in sets):
                return best
        best = count
    return best  # pragma: no cover - a set never survives losing every server


SMALL_SHAPES = [(s, v) for s in range(1, 9) for v in range(1, 9) if s * v >= 2]


@pytest.mark.parametrize(("servers", "volumes"), SMALL_SHAPES)
def test_placement_and_server_tolerance_match_a_brute_force_model(eng, servers, volumes):
    try:
        set_size = choose_set_size(servers, volumes)
    except LayoutRefused:
        return
    sets = _sets(servers, volumes, set_size)
    per_host = {sum(host == h for _, host in members) for members in sets for h in {host for _, host in members}}
    assert per_host == {drives_per_server_per_set(set_size, servers)}
    # A pool of two pools would not be single-drive; one pool of (servers, volumes) is enough here.
    layout = layout_of(shape(eng, (servers, volumes))).pools[0]
    rw, ro = drive_tolerance(set_size, default_parity(set_size))
    assert layout.server_loss_tolerated == _servers_survivable(servers, volumes, set_size, rw)
    assert layout.server_loss_tolerated_for_reads == _servers_survivable(servers, volumes, set_size, ro)


# --- common shapes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("servers", "volumes", "set_size", "sets", "parity", "drives_rw", "drives_ro", "servers_rw", "servers_ro"),
    [
        (2, 1, 2, 1, 1, 0, 1, 0, 1),
        (3, 1, 3, 1, 1, 1, 1, 1, 1),
        (4, 1, 4, 1, 2, 1, 2, 1, 2),
        (5, 1, 5, 1, 2, 2, 2, 2, 2),
        (6, 1, 6, 1, 3, 2, 3, 2, 3),
        (8, 1, 8, 1, 4, 3, 4, 3, 4),
        (16, 1, 16, 1, 4, 4, 4, 4, 4),
        (32, 1, 16, 2, 4, 4, 4, 4, 4),
        (4, 4, 16, 1, 4, 4, 4, 1, 1),
        (3, 4, 12, 1, 4, 4, 4, 1, 1),
        (6, 2, 12, 1, 4, 4, 4, 2, 2),
        (2, 8, 16, 1, 4, 4, 4, 0, 0),
        (1, 4, 4, 1, 2, 1, 2, 0, 0),
    ],
)
def test_common_shapes(eng, servers, volumes, set_size, sets, parity, drives_rw, drives_ro, servers_rw, servers_ro):
    pool = layout_of(shape(eng, (servers, volumes))).pools[0]
    assert (pool.set_drive_count, pool.set_count, pool.parity) == (set_size, sets, parity)
    assert (pool.drive_loss_tolerated, pool.drive_loss_tolerated_for_reads) == (drives_rw, drives_ro)
    assert (pool.server_loss_tolerated, pool.server_loss_tolerated_for_reads) == (servers_rw, servers_ro)
    assert pool.usable_bytes == sets * (set_size - parity) * 10 * GI


# --- the four examples and the worked examples of spec 7 -------------------------------------------


def test_minimal_dev_tenant_is_single_drive_without_redundancy(example):
    layout = layout_of(example("minimal-dev-tenant.yaml"))
    assert layout.valid
    assert layout.pools[0].to_dict() == {
        "name": "dev-pool",
        "servers": 1,
        "volumesPerServer": 1,
        "drives": 1,
        "valid": True,
        "refusal": None,
        "setDriveCount": 1,
        "setCount": 1,
        "parity": 0,
        "parityOnOlderReleases": None,
        "dataShards": 1,
        "readQuorum": 1,
        "writeQuorum": 1,
        "drivesPerServerPerSet": 1,
        "driveLossTolerated": 0,
        "driveLossToleratedForReads": 0,
        "serverLossTolerated": 0,
        "serverLossToleratedForReads": 0,
        "claimSize": "10Gi",
        "claimBytes": 10 * GI,
        "rawBytes": 10 * GI,
        "rawCapacity": "10Gi",
        "usableBytes": 10 * GI,
        "usableCapacity": "10Gi",
    }
    assert layout.warnings == (
        {
            "field": "spec.pools[0]",
            "message": "pool dev-pool (1 server x 1 volume) cannot lose a server and stay writable: it runs on one "
            "server, so losing that server (a node drain, a node failure) stops the pool; only a pool of several "
            "servers can survive the loss of one",
            "reason": REASON_NO_SERVER_TOLERANCE,
        },
    )


@pytest.mark.parametrize("filename", ["simple-tenant.yaml", "secret-credentials-tenant.yaml"])
def test_two_by_two_examples_stay_readable_but_not_writable_without_a_server(example, filename):
    layout = layout_of(example(filename))
    pool = layout.pools[0]
    assert (pool.drives, pool.set_drive_count, pool.set_count, pool.parity, pool.data_shards) == (4, 4, 1, 2, 2)
    assert (pool.read_quorum, pool.write_quorum, pool.drives_per_server_per_set) == (2, 3, 2)
    assert (pool.drive_loss_tolerated, pool.drive_loss_tolerated_for_reads) == (1, 2)
    assert (pool.server_loss_tolerated, pool.server_loss_tolerated_for_reads) == (0, 1)
    assert (pool.raw_bytes, pool.usable_bytes) == (40 * GI, 20 * GI)
    assert [w["message"] for w in layout.warnings] == [
        f"pool {pool.name} (2 servers x 2 volumes) cannot lose a server and stay writable: losing one server keeps "
        "it readable but stops writes: each 4-drive set (parity 2) needs 3 drives to write and one server holds 2 "
        "of them; more servers (servers is immutable: add a pool) give a pool tolerance"
    ]


def test_multi_pool_example(example):
    layout = layout_of(example("multi-pool-tenant.yaml"))
    first, second = layout.pools
    # pool-0, 4 servers x 2: one 8-drive set (4+4), two drives per server.
    assert (first.set_drive_count, first.set_count, first.parity, first.drives_per_server_per_set) == (8, 1, 4, 2)
    assert (first.drive_loss_tolerated, first.server_loss_tolerated, first.server_loss_tolerated_for_reads) == (3, 1, 2)
    # pool-1, 2 servers x 4: the same set, but one server holds half of it.
    assert (second.set_drive_count, second.set_count, second.parity, second.drives_per_server_per_set) == (8, 1, 4, 4)
    assert (second.drive_loss_tolerated, second.server_loss_tolerated, second.server_loss_tolerated_for_reads) == (
        3,
        0,
        1,
    )
    assert first.older_release_parity is None and second.older_release_parity is None
    assert layout.totals() == {
        "pools": 2,
        "servers": 6,
        "drives": 16,
        "sets": 2,
        "valid": True,
        "rawBytes": 160 * GI,
        "rawCapacity": "160Gi",
        "usableBytes": 80 * GI,
        "usableCapacity": "80Gi",
        "driveLossTolerated": 3,
        "serverLossTolerated": 0,
    }
    assert reasons(layout) == [("spec.pools[1]", REASON_NO_SERVER_TOLERANCE)]


def test_spec_7_row_4_a_1x1_pool_beside_another_pool_is_refused(eng):
    layout = layout_of(shape(eng, (1, 1), (2, 1)))
    assert not layout.valid
    refused, other = layout.pools
    assert refused.refusal == (
        "RustFS needs at least 2 drives in a pool addressed by peer names and this pool has 1; give it more servers "
        "or volumes (a 1x1 pool is only valid as a tenant's only pool)"
    )
    assert (refused.set_drive_count, refused.set_count, refused.data_shards) == (0, 0, 0)
    assert (refused.read_quorum, refused.write_quorum, refused.usable_bytes, refused.raw_bytes) == (0, 0, None, 10 * GI)
    assert (other.set_drive_count, other.parity, other.server_loss_tolerated_for_reads) == (2, 1, 1)
    assert reasons(layout) == [
        ("spec.pools[0]", REASON_INVALID),
        ("spec.pools[1]", REASON_NO_SERVER_TOLERANCE),
    ]
    assert layout.warnings[0]["message"].startswith(
        "RustFS refuses pool pool-0 and the whole tenant stops at start-up: RustFS needs at least 2 drives"
    )
    totals = layout.totals()
    assert (totals["valid"], totals["usableBytes"], totals["usableCapacity"], totals["rawBytes"]) == (
        False,
        None,
        None,
        30 * GI,
    )


def test_spec_7_row_5_three_servers_one_volume_survives_a_server(eng):
    layout = layout_of(shape(eng, (3, 1)))
    pool = layout.pools[0]
    assert (pool.set_drive_count, pool.parity, pool.server_loss_tolerated, pool.usable_bytes) == (3, 1, 1, 20 * GI)
    assert layout.warnings == ()


# --- refused layouts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("servers", "volumes", "message"),
    [
        (17, 1, "17 drives (17 servers x 1 volumes) cannot be split into erasure sets of 2 to 16 drives"),
        (1, 17, "17 drives (1 servers x 17 volumes) cannot be split"),
        (19, 1, "19 drives"),
        (17, 2, "34 drives cannot be spread evenly over 17 servers by any erasure set size (possible sizes [2])"),
    ],
)
def test_refused_drive_counts(eng, servers, volumes, message):
    layout = layout_of(shape(eng, (servers, volumes)))
    assert not layout.valid
    assert message in str(layout.pools[0].refusal)
    assert reasons(layout) == [("spec.pools[0]", REASON_INVALID)]
    assert layout.totals()["serverLossTolerated"] == 0


def test_one_refused_pool_refuses_the_tenant_but_the_others_are_still_described(eng):
    layout = layout_of(shape(eng, (4, 4), (17, 1)))
    assert [p.valid for p in layout.pools] == [True, False]
    assert layout.pools[0].server_loss_tolerated == 1
    assert not layout.valid


# --- variables of spec.env -------------------------------------------------------------------------


def test_set_drive_count_override(eng):
    layout = layout_of(shape(eng, (4, 4), env=[{"name": "RUSTFS_ERASURE_SET_DRIVE_COUNT", "value": "8"}]))
    pool = layout.pools[0]
    assert (pool.set_drive_count, pool.set_count, pool.parity, pool.drives_per_server_per_set) == (8, 2, 4, 2)
    assert (pool.server_loss_tolerated, pool.usable_bytes) == (1, 80 * GI)


def test_set_drive_count_zero_and_plus_sign_follow_rust_parsing(eng):
    auto = layout_of(shape(eng, (4, 4), env=[{"name": "RUSTFS_ERASURE_SET_DRIVE_COUNT", "value": "0"}]))
    assert auto.pools[0].set_drive_count == 16
    plus = layout_of(shape(eng, (4, 4), env=[{"name": "RUSTFS_ERASURE_SET_DRIVE_COUNT", "value": "+4"}]))
    assert plus.pools[0].set_count == 4


@pytest.mark.parametrize(
    ("servers", "volumes", "count", "message"),
    [
        (
            4,
            4,
            "6",
            "RUSTFS_ERASURE_SET_DRIVE_COUNT=6 is not usable for 16 drives on 4 servers; RustFS accepts [2, 4, 8, 16]",
        ),
        (2, 2, "8", "RUSTFS_ERASURE_SET_DRIVE_COUNT=8 is more than the pool's 4 drives"),
        (4, 4, "32", "RUSTFS_ERASURE_SET_DRIVE_COUNT=32 is more than the pool's 16 drives"),
    ],
)
def test_set_drive_count_override_refused(eng, servers, volumes, count, message):
    env = [{"name": "RUSTFS_ERASURE_SET_DRIVE_COUNT", "value": count}]
    layout = layout_of(shape(eng, (servers, volumes), env=env))
    assert layout.pools[0].refusal == message


def test_override_is_ignored_by_the_single_drive_path(eng):
    layout = layout_of(shape(eng, (1, 1), env=[{"name": "RUSTFS_ERASURE_SET_DRIVE_COUNT", "value": "4"}]))
    assert layout.valid and layout.pools[0].set_drive_count == 1


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RUSTFS_ERASURE_SET_DRIVE_COUNT", "eight"),
        ("RUSTFS_ERASURE_SET_DRIVE_COUNT", ""),
        ("RUSTFS_ERASURE_SET_DRIVE_COUNT", " 8"),
        ("RUSTFS_ERASURE_SET_DRIVE_COUNT", "-8"),
        ("RUSTFS_STORAGE_CLASS_STANDARD", "EC-2"),
        ("RUSTFS_STORAGE_CLASS_STANDARD", "ec:2"),
        ("RUSTFS_STORAGE_CLASS_STANDARD", "EC:two"),
        ("RUSTFS_STORAGE_CLASS_STANDARD", "EC:2:1"),
        ("RUSTFS_STORAGE_CLASS_RRS", "RS:1"),
    ],
)
def test_values_rustfs_cannot_parse_stop_the_tenant(eng, name, value):
    env = [{"name": "RUST_LOG", "value": "info"}, {"name": name, "value": value}]
    layout = layout_of(shape(eng, (4, 4), (2, 2), env=env))
    assert not layout.valid
    assert all(str(p.refusal).startswith("RustFS stops at start-up: " + name) for p in layout.pools)
    # One warning, on the variable, not one per pool.
    assert reasons(layout) == [("spec.env[1]", REASON_INVALID)]


def test_an_env_var_without_value_is_empty(eng):
    layout = layout_of(shape(eng, (4, 4), env=[{"name": "RUSTFS_ERASURE_SET_DRIVE_COUNT"}]))
    assert not layout.valid
    blank = layout_of(shape(eng, (4, 4), env=[{"name": "RUSTFS_STORAGE_CLASS_STANDARD"}]))
    assert blank.valid and blank.pools[0].parity == 4  # "" keeps the default


def test_the_last_definition_wins_and_is_the_field_reported(eng):
    env = [
        {"name": "RUSTFS_STORAGE_CLASS_STANDARD", "value": "EC:2"},
        {"name": "RUSTFS_STORAGE_CLASS_STANDARD", "value": "bad"},
    ]
    layout = layout_of(shape(eng, (4, 4), env=env))
    assert reasons(layout) == [("spec.env[1]", REASON_INVALID)]


def test_explicit_standard_parity(eng):
    layout = layout_of(shape(eng, (4, 4), env=[{"name": "RUSTFS_STORAGE_CLASS_STANDARD", "value": "EC:2"}]))
    pool = layout.pools[0]
    assert (pool.parity, pool.data_shards, pool.write_quorum) == (2, 14, 14)
    assert (pool.drive_loss_tolerated, pool.server_loss_tolerated) == (2, 0)
    assert pool.usable_bytes == 14 * 10 * GI
    assert reasons(layout) == [("spec.pools[0]", REASON_NO_SERVER_TOLERANCE)]
    assert "each 16-drive set (parity 2) needs 14 drives and one server holds 4" in layout.warnings[0]["message"]
    assert "makes it unreadable" in layout.warnings[0]["message"]


def test_explicit_parity_is_checked_against_every_pool(eng):
    env = [{"name": "RUSTFS_STORAGE_CLASS_STANDARD", "value": "EC:4"}]
    layout = layout_of(shape(eng, (4, 4), (2, 2), env=env))
    assert layout.pools[0].valid
    assert layout.pools[1].refusal == (
        "STANDARD parity 4 is more than half of the 4-drive erasure set (at most 2); "
        "lower RUSTFS_STORAGE_CLASS_STANDARD"
    )
    assert reasons(layout) == [("spec.pools[1]", REASON_INVALID)]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            [{"name": "RUSTFS_STORAGE_CLASS_RRS", "value": "EC:3"}],
            "REDUCED_REDUNDANCY parity 3 is more than half of the 4-drive erasure set (at most 2); lower "
            "RUSTFS_STORAGE_CLASS_RRS",
        ),
        (
            [
                {"name": "RUSTFS_STORAGE_CLASS_STANDARD", "value": "EC:1"},
                {"name": "RUSTFS_STORAGE_CLASS_RRS", "value": "EC:2"},
            ],
            "STANDARD parity 1 is lower than REDUCED_REDUNDANCY parity 2",
        ),
    ],
)
def test_storage_class_rules(eng, env, message):
    assert layout_of(shape(eng, (4, 1), env=env)).pools[0].refusal == message


def test_zero_parity_is_allowed_and_tolerates_nothing(eng):
    env = [{"name": "RUSTFS_STORAGE_CLASS_STANDARD", "value": "EC:0"}]
    pool = layout_of(shape(eng, (4, 1), env=env)).pools[0]
    assert (pool.valid, pool.parity, pool.write_quorum, pool.drive_loss_tolerated) == (True, 0, 4, 0)
    assert pool.usable_bytes == 40 * GI


def test_single_drive_with_parity_cannot_store_anything(eng):
    env = [{"name": "RUSTFS_STORAGE_CLASS_STANDARD", "value": "EC:1"}]
    assert layout_of(shape(eng, (1, 1), env=env)).pools[0].refusal == (
        "STANDARD parity 1 is more than half of the 1-drive erasure set (at most 0); "
        "lower RUSTFS_STORAGE_CLASS_STANDARD"
    )
    rrs = [{"name": "RUSTFS_STORAGE_CLASS_RRS", "value": "EC:1"}]
    assert layout_of(shape(eng, (1, 1), env=rrs)).pools[0].refusal is not None


@pytest.mark.parametrize(
    "name", ["RUSTFS_ERASURE_SET_DRIVE_COUNT", "RUSTFS_STORAGE_CLASS_STANDARD", "RUSTFS_STORAGE_CLASS_RRS"]
)
def test_values_from_secrets_cannot_be_checked(eng, name):
    env = [{"name": name, "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]
    layout = layout_of(shape(eng, (8, 1), env=env))
    pool = layout.pools[0]
    assert (pool.valid, pool.set_drive_count, pool.parity) == (True, 8, 4)  # the defaults
    assert (pool.drive_loss_tolerated, pool.drive_loss_tolerated_for_reads) == (0, 0)
    assert (pool.server_loss_tolerated, pool.server_loss_tolerated_for_reads) == (0, 0)
    # Only the unverified warning: the missing tolerance is not a layout problem.
    assert reasons(layout) == [("spec.env[0]", REASON_UNVERIFIED)]


def test_user_rustfs_volumes_cannot_be_checked(eng):
    layout = layout_of(shape(eng, (4, 1), env=[{"name": "RUSTFS_VOLUMES", "value": "/mnt/disk{1...4}"}]))
    assert reasons(layout) == [("spec.env[0]", REASON_UNVERIFIED)]
    assert layout.pools[0].server_loss_tolerated == 0


def test_user_rustfs_volumes_equal_to_ours_or_dropped_under_tls_is_harmless(eng):
    ours = "http://demo-pool-0-{0...3}.demo-hl.ns.svc.cluster.local:9000/data/rustfs{0...0}"
    same = layout_of(shape(eng, (4, 1), env=[{"name": "RUSTFS_VOLUMES", "value": ours}]))
    assert same.warnings == () and same.pools[0].server_loss_tolerated == 1
    # spec 6.5 item 6: with TLS on, a user RUSTFS_VOLUMES is dropped.
    tls = shape(eng, (4, 1), env=[{"name": "RUSTFS_VOLUMES", "value": "/x{1...4}"}], tls={"mode": "secret"})
    assert layout_of(tls).warnings == ()


# --- pools whose parity depends on the RustFS release ----------------------------------------------


def test_mixed_default_parity_counts_the_weaker_release(eng):
    layout = layout_of(shape(eng, (2, 1), (4, 4)))
    narrow, wide = layout.pools
    assert (wide.parity, wide.older_release_parity) == (4, 1)
    assert wide.usable_bytes == 12 * 10 * GI  # the per-pool parity of current releases
    # Older releases write 15+1 here: one drive per set, so no 4-drive server can go.
    assert (wide.drive_loss_tolerated, wide.drive_loss_tolerated_for_reads) == (1, 1)
    assert (wide.server_loss_tolerated, wide.server_loss_tolerated_for_reads) == (0, 0)
    assert narrow.older_release_parity is None
    assert reasons(layout) == [
        ("spec.pools[1]", REASON_MIXED_PARITY),
        ("spec.pools[0]", REASON_NO_SERVER_TOLERANCE),
        ("spec.pools[1]", REASON_NO_SERVER_TOLERANCE),
    ]
    assert layout.warnings[0]["message"] == (
        "pool pool-1 uses 12+4 erasure sets but the first pool uses parity 1; RustFS releases that apply the first "
        "pool's parity to every pool (RustFS issue #4801) make this pool store 15+1 sets instead. Tolerances count "
        "the weaker of the two; set RUSTFS_STORAGE_CLASS_STANDARD to one parity valid for every pool, or give the "
        "pools the same set size"
    )
    assert layout.warnings[2]["message"] == (
        "pool pool-1 (4 servers x 4 volumes) cannot lose a server and stay writable: on RustFS releases that apply "
        "the first pool's parity (1) to every pool, a set can lose 1 of its drives and one server holds 4; more "
        "servers (servers is immutable: add a pool) give a pool tolerance"
    )


def test_mixed_parity_that_leaves_no_data_shard(eng):
    layout = layout_of(shape(eng, (16, 1), (4, 1)))
    later = layout.pools[1]
    assert (later.parity, later.older_release_parity, later.drive_loss_tolerated) == (2, 4, 0)
    assert "make this pool unable to store any object" in layout.warnings[0]["message"]
    assert layout.pools[0].server_loss_tolerated == 4


def test_explicit_parity_is_the_same_on_every_release(eng):
    env = [{"name": "RUSTFS_STORAGE_CLASS_STANDARD", "value": "EC:2"}]
    layout = layout_of(shape(eng, (16, 1), (4, 1), env=env))
    assert [p.older_release_parity for p in layout.pools] == [None, None]
    assert REASON_MIXED_PARITY not in {w["reason"] for w in layout.warnings}


# --- capacity --------------------------------------------------------------------------------------


def _with_claim(eng, storage):
    resources = {} if storage is None else {"requests": {"storage": storage}}
    template = {"accessModes": ["ReadWriteOnce"], "resources": resources}
    return eng.tenant(pools=[eng.pool("p", 4, 1, persistence={"volumeClaimTemplate": template})])


@pytest.mark.parametrize(
    ("storage", "claim", "usable", "capacity"),
    [
        ("1.5Gi", 1536 * 2**20, 3 * GI, "3Gi"),
        ("1536Mi", 1536 * 2**20, 3 * GI, "3Gi"),
        ("1.25Gi", 1280 * 2**20, 2560 * 2**20, "2560Mi"),
        ("1G", 10**9, 2 * 10**9, "2G"),
        ("2Ti", 2 * 2**40, 4 * 2**40, "4Ti"),
        (GI, GI, 2 * GI, "2Gi"),  # a bare number from YAML
        ("100m", 1, 2, "2"),  # a fraction of a byte rounds up to a byte
    ],
)
def test_usable_capacity_from_numeric_quantities(eng, storage, claim, usable, capacity):
    pool = layout_of(_with_claim(eng, storage)).pools[0]  # 4 drives: one 2+2 set
    assert (pool.claim_bytes, pool.raw_bytes, pool.usable_bytes) == (claim, 4 * claim, usable)
    assert pool.to_dict()["usableCapacity"] == capacity
    assert pool.to_dict()["claimSize"] == str(storage)


def test_capacity_unknown_without_a_storage_request(eng):
    layout = layout_of(_with_claim(eng, None))
    pool = layout.pools[0]
    assert (pool.claim_size, pool.claim_bytes, pool.raw_bytes, pool.usable_bytes) == (None, None, None, None)
    assert pool.valid and pool.server_loss_tolerated == 1
    assert (layout.totals()["rawBytes"], layout.totals()["usableCapacity"]) == (None, None)


def test_a_negative_or_invalid_quantity_has_no_size(eng):
    for storage in ("-1Gi", "lots"):
        assert claim_bytes(parse_tenant(_with_claim(eng, storage)).pools[0]) is None


def test_format_bytes():
    values = (0, 999, 1000, 1024, 3 * 2**20, 2**60, 2**61, 1536, 10**18, 2 * 10**9, 2560 * 2**20, 10**12 + 1)
    assert [format_bytes(v) for v in values] == [
        "0",
        "999",
        "1k",
        "1Ki",
        "3Mi",
        "1Ei",
        "2Ei",
        "1536",
        "1E",
        "2G",
        "2560Mi",
        "1000000000001",
    ]


# --- the tenant view -------------------------------------------------------------------------------


def test_pool_lookup_and_dict(example):
    layout = layout_of(example("multi-pool-tenant.yaml"))
    assert layout.pool("pool-1").servers == 2
    document = layout.to_dict()
    assert document["valid"] is True
    assert [p["name"] for p in document["pools"]] == ["pool-0", "pool-1"]
    assert document["totals"] == layout.totals()
    assert document["warnings"] == [dict(w) for w in layout.warnings]


def test_a_tenant_without_pools_has_empty_totals(eng):
    layout = layout_of(eng.tenant(pools=[]))
    assert layout.pools == () and layout.warnings == ()
    assert layout.totals() == {
        "pools": 0,
        "servers": 0,
        "drives": 0,
        "sets": 0,
        "valid": True,
        "rawBytes": None,
        "rawCapacity": None,
        "usableBytes": None,
        "usableCapacity": None,
        "driveLossTolerated": 0,
        "serverLossTolerated": 0,
    }


# --- the filter ------------------------------------------------------------------------------------


def test_filter_registers_and_documents_itself():
    assert plugin.FilterModule().filters() == {"erasure_layout": plugin.erasure_layout}
    assert plugin.DOCUMENTATION.strip() and plugin.EXAMPLES.strip() and plugin.RETURN.strip()


def test_filter_returns_the_layout(example):
    document = example("multi-pool-tenant.yaml")
    assert plugin.erasure_layout(document) == layout_of(document).to_dict()


def test_filter_drops_nulls_like_render_mode(eng):
    document = shape(eng, (4, 1))
    document["spec"]["pools"][0]["persistence"]["volumeClaimTemplate"] = None
    assert plugin.erasure_layout(document)["pools"][0]["claimSize"] == "10Gi"


def test_filter_fails_on_an_invalid_tenant(eng):
    with pytest.raises(AnsibleFilterError, match=r"spec.pools\[0\].servers: servers must be greater than 0"):
        plugin.erasure_layout(shape(eng, (0, 1)))


# --- the layout in words (render mode) -------------------------------------------------------------


def test_summary_of_the_multi_pool_example(example):
    assert layout_of(example("multi-pool-tenant.yaml")).summary() == [
        "pool pool-0: 4 servers x 2 volumes = 8 drives in 1 erasure set of 8 (4 data + 4 parity), 40Gi usable of "
        "80Gi raw; survives 3 drives / 1 server lost (reads: 4 / 2); PodDisruptionBudget maxUnavailable 1",
        "pool pool-1: 2 servers x 4 volumes = 8 drives in 1 erasure set of 8 (4 data + 4 parity), 40Gi usable of "
        "80Gi raw; survives 3 drives / 0 servers lost (reads: 4 / 1); PodDisruptionBudget maxUnavailable 0",
        "tenant: 2 pools, 16 drives in 2 erasure sets, 80Gi usable of 160Gi raw; the weakest pool survives "
        "3 drives / 0 servers lost",
        "warning ErasureLayoutNoServerTolerance (spec.pools[1]): pool pool-1 (2 servers x 4 volumes) cannot lose a "
        "server and stay writable: losing one server keeps it readable but stops writes: each 8-drive set (parity 4) "
        "needs 5 drives to write and one server holds 4 of them; more servers (servers is immutable: add a pool) "
        "give a pool tolerance",
    ]


def test_summary_of_one_pool_has_no_tenant_line(example):
    lines = layout_of(example("minimal-dev-tenant.yaml")).summary()
    assert lines[0] == (
        "pool dev-pool: 1 server x 1 volume = 1 drive in 1 erasure set of 1 (1 data + 0 parity), 10Gi usable of "
        "10Gi raw; survives 0 drives / 0 servers lost (reads: 0 / 0); PodDisruptionBudget maxUnavailable 0"
    )
    assert [line.split(" ")[:2] for line in lines[1:]] == [["warning", "ErasureLayoutNoServerTolerance"]]


def test_summary_of_refused_older_release_and_unknown_sizes(eng):
    # 32 x 1: two sets of 16 (12 + 4); 4 x 1 next to it is 2 + 2, or 3 + 1 on older releases.
    lines = layout_of(shape(eng, (32, 1), (4, 1), (1, 1))).summary()
    assert lines[0].startswith("pool pool-0: 32 servers x 1 volume = 32 drives in 2 erasure sets of 16 (12 data + 4")
    assert lines[2] == (
        "pool pool-2: 1 server x 1 volume = 1 drive, refused by RustFS: RustFS needs at least 2 drives in a pool "
        "addressed by peer names and this pool has 1; give it more servers or volumes (a 1x1 pool is only valid as "
        "a tenant's only pool)"
    )
    assert lines[3].startswith("tenant: 3 pools, 37 drives in 3 erasure sets, unknown usable of 370Gi raw;")
    older = layout_of(shape(eng, (32, 1), (4, 1))).summary()[1]
    assert "(2 data + 2 parity; parity 4 on older releases)" in older
    template = {"accessModes": ["ReadWriteOnce"]}
    document = eng.tenant(pools=[eng.pool("p", 4, 1, persistence={"volumeClaimTemplate": template})])
    assert "unknown usable of unknown raw" in layout_of(document).summary()[0]


def test_summary_lines_are_single_lines(eng):
    layout = layout_of(shape(eng, (2, 1)))
    assert all("\n" not in line for line in layout.summary())
    assert layout.to_dict()["summary"] == layout.summary()
