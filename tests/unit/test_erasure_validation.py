"""A layout RustFS refuses at start-up is refused by validation (issue 7): nothing is applied.

RustFS would crash-loop every pod of the tenant with the reason only in its log; the engine says
which field to change instead (reason ErasureLayoutInvalid, owned by SpecValid).
"""

from __future__ import annotations

import pytest

from ansible_collections.rustfs.operator.plugins.filter.erasure_layout import erasure_layout
from ansible_collections.rustfs.operator.plugins.module_utils.plan import plan_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.render import render_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.validation import validate_tenant


def shape(eng, *pools, **spec):
    return eng.tenant("t", "ns", pools=[eng.pool(f"pool-{i}", s, v) for i, (s, v) in enumerate(pools)], **spec)


@pytest.mark.parametrize(
    ("pools", "field", "words"),
    [
        # A 1 x 1 pool beside another pool is addressed by peer names: one drive is not a set.
        ([(1, 1), (2, 1)], "spec.pools[0]", "at least 2 drives"),
        # 17 drives: no set size from 2 to 16 divides them.
        ([(17, 1)], "spec.pools[0]", "cannot be split into erasure sets"),
        ([(4, 1), (1, 17)], "spec.pools[1]", "cannot be split into erasure sets"),
        # 34 drives: only sets of 2 divide them, and 2 does not line up with 17 servers.
        ([(17, 2)], "spec.pools[0]", "cannot be spread evenly over 17 servers"),
    ],
)
def test_shapes_rustfs_refuses_are_refused_with_the_pool_field(eng, pools, field, words):
    errors = eng.errors(shape(eng, *pools))
    assert [(e["field"], e["reason"]) for e in errors] == [(field, "ErasureLayoutInvalid")]
    assert words in errors[0]["message"]
    assert "the whole tenant stops at start-up" in errors[0]["message"]


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"name": "RUSTFS_ERASURE_SET_DRIVE_COUNT", "value": "x"}, "is not a whole number"),
        ({"name": "RUSTFS_STORAGE_CLASS_STANDARD", "value": "EC-2"}, "is not a storage class RustFS accepts"),
    ],
)
def test_unparsable_layout_variables_are_refused_on_the_env_entry(eng, env, words):
    errors = eng.errors(shape(eng, (4, 1), env=[{"name": "RUST_LOG", "value": "info"}, env]))
    assert [(e["field"], e["reason"]) for e in errors] == [("spec.env[1]", "ErasureLayoutInvalid")]
    assert words in errors[0]["message"]


def test_a_parity_above_half_the_set_is_refused(eng):
    env = [{"name": "RUSTFS_STORAGE_CLASS_STANDARD", "value": "EC:3"}]
    [error] = eng.errors(shape(eng, (4, 1), env=env))
    assert (error["field"], error["reason"]) == ("spec.pools[0]", "ErasureLayoutInvalid")
    assert "STANDARD parity 3 is more than half of the 4-drive erasure set" in error["message"]


@pytest.mark.parametrize("pools", [[(1, 1)], [(2, 1)], [(2, 2)], [(4, 2), (2, 4)], [(3, 1), (16, 1)], [(1, 2), (2, 1)]])
def test_shapes_rustfs_accepts_pass(eng, pools):
    assert eng.errors(shape(eng, *pools)) == []


def test_warnings_alone_do_not_refuse(eng):
    # Cannot lose a server, parity depends on the release, unverified: all accepted, only warned about.
    env = [{"name": "RUSTFS_ERASURE_SET_DRIVE_COUNT", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]
    assert eng.errors(shape(eng, (2, 2), (4, 1), (8, 1), env=env)) == []


def test_a_user_rustfs_volumes_leaves_the_pool_shapes_unchecked(eng):
    # RustFS then uses the user's drives, not spec.pools: the pools' shapes cannot be refused.
    own = {"name": "RUSTFS_VOLUMES", "value": "http://elsewhere-{0...3}:9000/data/rustfs{0...3}"}
    assert eng.errors(shape(eng, (1, 1), (2, 1), env=[own])) == []
    # The layout variables themselves are still read by RustFS and still refused.
    bad = {"name": "RUSTFS_STORAGE_CLASS_STANDARD", "value": "EC:two"}
    errors = eng.errors(shape(eng, (1, 1), (2, 1), env=[own, bad]))
    assert [(e["field"], e["reason"]) for e in errors] == [("spec.env[1]", "ErasureLayoutInvalid")]
    # With TLS on, a user RUSTFS_VOLUMES is dropped (spec 6.5), so the pools' shapes count again.
    tls = {"mode": "certManager", "certManager": {"secretName": "s"}}
    assert eng.reasons(eng.errors(shape(eng, (1, 1), (2, 1), env=[own], tls=tls))) == {"ErasureLayoutInvalid"}


def test_a_non_positive_shape_gets_only_the_pool_error(eng):
    errors = eng.errors(shape(eng, (0, 1), (1, 1)))
    assert [(e["field"], e["reason"]) for e in errors] == [("spec.pools[0].servers", "InvalidPoolSpec")]


def test_render_and_plan_apply_nothing_for_a_refused_layout(eng):
    document = shape(eng, (1, 1), (2, 1))
    result = render_tenant(document)
    assert result.objects == [] and eng.reasons(result.errors) == {"ErasureLayoutInvalid"}
    plan = plan_tenant(document)
    assert plan["objects"] == plan["statefulsets"] == []
    assert [p["reason"] for p in plan["problems"]] == ["ErasureLayoutInvalid"]


def test_the_check_can_be_left_out_and_the_filter_reports_the_refusal(eng):
    document = shape(eng, (1, 1), (2, 1))
    assert validate_tenant(document, erasure_layout=False) == []
    layout = erasure_layout(document)
    assert layout["valid"] is False
    assert [w["reason"] for w in layout["warnings"]] == ["ErasureLayoutInvalid", "ErasureLayoutNoServerTolerance"]
