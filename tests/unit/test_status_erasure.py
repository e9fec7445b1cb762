"""The erasure layout under the Tenant status (issue 7, item 4): `status.erasure` and `status.pools[].erasure`.

Expected numbers are computed by hand from the rules of docs/erasure-layout.md, never by the engine.
"""

from __future__ import annotations

import copy

from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.status import erasure_status, tenant_status

T0 = "2025-01-01T00:00:00Z"


def status_of(document, problems=()):
    return tenant_status(parse_tenant(copy.deepcopy(document)), [], list(problems), None, T0)


def shape(eng, *pools, **spec):
    return eng.tenant("t", "ns", pools=[eng.pool(f"pool-{i}", s, v) for i, (s, v) in enumerate(pools)], **spec)


def test_a_2x2_pool_publishes_every_number_and_the_no_server_loss_warning(eng):
    status = status_of(shape(eng, (2, 2)))
    # 4 drives -> one set of 4, parity 2, data 2: a write needs 3 drives (data == parity), so one
    # drive may go for writes and two for reads; each server holds 2 drives of the set.
    assert status["pools"][0]["erasure"] == {
        "valid": True,
        "drives": 4,
        "setDriveCount": 4,
        "setCount": 1,
        "parity": 2,
        "dataShards": 2,
        "readQuorum": 2,
        "writeQuorum": 3,
        "drivesPerServerPerSet": 2,
        "driveLossTolerated": 1,
        "driveLossToleratedForReads": 2,
        "serverLossTolerated": 0,
        "serverLossToleratedForReads": 1,
        "maxUnavailable": 0,
        "claimSize": "10Gi",
        "rawCapacity": "40Gi",
        "usableCapacity": "20Gi",
        "warnings": [
            {
                "reason": "ErasureLayoutNoServerTolerance",
                "message": "pool pool-0 (2 servers x 2 volumes) cannot lose a server and stay writable: losing one "
                "server keeps it readable but stops writes: each 4-drive set (parity 2) needs 3 drives to write and "
                "one server holds 2 of them; more servers (servers is immutable: add a pool) give a pool tolerance",
            }
        ],
    }
    assert status["erasure"] == {
        "valid": True,
        "drives": 4,
        "sets": 1,
        "rawCapacity": "40Gi",
        "usableCapacity": "20Gi",
        "driveLossTolerated": 1,
        "serverLossTolerated": 0,
    }


def test_the_multi_pool_example_is_as_strong_as_its_weakest_pool(example):
    status = status_of(example("multi-pool-tenant.yaml"))
    pool_0, pool_1 = (p["erasure"] for p in status["pools"])
    # pool-0 4 x 2: one 4+4 set, 2 drives per server, 3 drives may go -> 1 server (2 for reads).
    assert (pool_0["setDriveCount"], pool_0["parity"], pool_0["writeQuorum"]) == (8, 4, 5)
    assert (pool_0["serverLossTolerated"], pool_0["serverLossToleratedForReads"], pool_0["maxUnavailable"]) == (1, 2, 1)
    assert "warnings" not in pool_0
    # pool-1 2 x 4: one 4+4 set, 4 drives per server -> no server for writes, one for reads.
    assert (pool_1["drivesPerServerPerSet"], pool_1["serverLossTolerated"], pool_1["maxUnavailable"]) == (4, 0, 0)
    assert pool_1["serverLossToleratedForReads"] == 1
    assert [w["reason"] for w in pool_1["warnings"]] == ["ErasureLayoutNoServerTolerance"]
    assert status["erasure"] == {
        "valid": True,
        "drives": 16,
        "sets": 2,
        "rawCapacity": "160Gi",
        "usableCapacity": "80Gi",
        "driveLossTolerated": 3,
        "serverLossTolerated": 0,
    }


def test_the_single_drive_example_has_no_parity_and_tolerates_nothing(example):
    pool = status_of(example("minimal-dev-tenant.yaml"))["pools"][0]["erasure"]
    assert (pool["drives"], pool["setDriveCount"], pool["parity"], pool["dataShards"]) == (1, 1, 0, 1)
    assert (pool["driveLossTolerated"], pool["serverLossTolerated"], pool["maxUnavailable"]) == (0, 0, 0)
    assert pool["usableCapacity"] == pool["rawCapacity"] == "10Gi"
    assert "runs on one server" in pool["warnings"][0]["message"]


def test_a_pool_whose_parity_depends_on_the_release_says_so(eng):
    status = status_of(shape(eng, (4, 1), (8, 1)))
    first, second = (p["erasure"] for p in status["pools"])
    assert "parityOnOlderReleases" not in first and "warnings" not in first
    # 8 x 1 is 4+4 today (3 drives), but 6+2 on releases using the first pool's parity 2 (2 drives).
    assert (second["parity"], second["parityOnOlderReleases"]) == (4, 2)
    assert (second["driveLossTolerated"], second["serverLossTolerated"], second["maxUnavailable"]) == (2, 2, 2)
    [warning] = second["warnings"]
    assert warning["reason"] == "ErasureLayoutMixedParity" and "issue #4801" in warning["message"]
    assert "warnings" not in status["erasure"]


def test_warnings_about_the_environment_are_on_the_tenant(eng):
    env = [{"name": "RUSTFS_STORAGE_CLASS_STANDARD", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}}]
    status = status_of(shape(eng, (8, 1), env=env))
    [warning] = status["erasure"]["warnings"]
    assert (warning["field"], warning["reason"]) == ("spec.env[0]", "ErasureLayoutUnverified")
    pool = status["pools"][0]["erasure"]
    # Unverified: nothing is counted as tolerated, and no per-pool warning repeats it.
    assert (pool["driveLossTolerated"], pool["serverLossTolerated"], pool["maxUnavailable"]) == (0, 0, 0)
    assert "warnings" not in pool


def test_a_refused_layout_is_published_with_its_refusal_and_blocks_the_tenant(eng):
    document = shape(eng, (1, 1), (2, 1))
    problems = eng.errors(document)
    status = status_of(document, problems)
    assert status["currentState"] == "Blocked"
    spec_valid = next(c for c in status["conditions"] if c["type"] == "SpecValid")
    assert (spec_valid["status"], spec_valid["reason"]) == ("False", "ErasureLayoutInvalid")
    refused = status["pools"][0]["erasure"]
    assert refused["valid"] is False and refused["drives"] == 1
    assert "at least 2 drives" in refused["refusal"]
    assert "setDriveCount" not in refused and "maxUnavailable" not in refused and "usableCapacity" not in refused
    assert refused["rawCapacity"] == "10Gi"
    assert [w["reason"] for w in refused["warnings"]] == ["ErasureLayoutInvalid"]
    assert status["pools"][1]["erasure"]["valid"] is True
    # No usable total while a pool is refused; the raw total and the weakest tolerance remain.
    assert status["erasure"] == {
        "valid": False,
        "drives": 3,
        "sets": 1,
        "rawCapacity": "30Gi",
        "driveLossTolerated": 0,
        "serverLossTolerated": 0,
    }


def test_an_unparsable_variable_refuses_every_pool_with_one_tenant_warning(eng):
    env = [{"name": "RUSTFS_ERASURE_SET_DRIVE_COUNT", "value": "x"}]
    status = status_of(shape(eng, (4, 1), (8, 1), env=env))
    assert [p["erasure"]["valid"] for p in status["pools"]] == [False, False]
    assert all("warnings" not in p["erasure"] for p in status["pools"])
    assert [(w["field"], w["reason"]) for w in status["erasure"]["warnings"]] == [
        ("spec.env[0]", "ErasureLayoutInvalid")
    ]


def test_an_unknown_claim_size_leaves_the_capacities_out(eng):
    template = {"accessModes": ["ReadWriteOnce"]}
    document = eng.tenant("t", "ns", pools=[eng.pool("p", 4, 1, persistence={"volumeClaimTemplate": template})])
    status = status_of(document)
    pool = status["pools"][0]["erasure"]
    assert not {"claimSize", "rawCapacity", "usableCapacity"} & pool.keys()
    assert pool["serverLossTolerated"] == 1
    assert not {"rawCapacity", "usableCapacity"} & status["erasure"].keys()


def test_no_layout_without_pools_or_for_shapes_validation_refuses(eng):
    assert "erasure" not in status_of(eng.tenant("t", "ns", pools=[]))
    status = status_of(shape(eng, (0, 2), (2, 2)))
    assert "erasure" not in status
    assert all("erasure" not in p for p in status["pools"])
    assert erasure_status(parse_tenant(shape(eng, (2, -1)))) == (None, [None])


def test_a_spec_the_engine_cannot_read_gets_no_layout_instead_of_an_error(eng):
    # The status is written for invalid Tenants too; an env entry that is not an object is refused by
    # validation, and the layout is then left out rather than failing the status write.
    status = status_of(shape(eng, (2, 2), env=["not-an-env-var"]))
    assert "erasure" not in status
    assert status["pools"][0]["name"] == "pool-0"


def test_the_layout_does_not_change_an_unchanged_status(eng):
    document = shape(eng, (4, 2))
    document["metadata"]["generation"] = 1
    tenant = parse_tenant(document)
    first = tenant_status(tenant, [], [], None, T0)
    assert tenant_status(tenant, [], [], first, "2025-01-01T00:05:00Z") == first
