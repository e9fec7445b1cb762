"""security.py: pod and container security contexts and the image gate (tenant-api.md §6.6, §9.6)."""

from __future__ import annotations

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.security import (
    effective_security_contexts,
    security_errors,
)
from ansible_collections.rustfs.operator.plugins.module_utils.status import tenant_status

POD_DEFAULT = {
    "runAsUser": 10001,
    "runAsGroup": 10001,
    "fsGroup": 10001,
    "fsGroupChangePolicy": "OnRootMismatch",
    "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}
CONTAINER_DEFAULT = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
PROFILE = "InvalidWorkloadSecurityProfile"
IMAGE = "WorkloadSecurityIncompatible"


def _doc(eng, pools=None, **spec):
    return eng.tenant("t", "n", pools=pools or [eng.pool("p", 2, 2)], **spec)


def _contexts(eng, pools=None, index=0, **spec):
    """(pod, container) security contexts of pool `index` as rendered, after validation."""
    statefulset = eng.statefulsets(eng.render(_doc(eng, pools, **spec)))[index]
    return eng.pod_spec(statefulset)["securityContext"], eng.container(statefulset).get("securityContext")


def _errors(eng, pools=None, **spec):
    return eng.errors(_doc(eng, pools, **spec))


# --- defaults (§6.6) ---------------------------------------------------------------------------


def test_defaults(eng):
    pod, container = _contexts(eng)
    assert pod == POD_DEFAULT
    assert container == CONTAINER_DEFAULT
    assert "readOnlyRootFilesystem" not in container


# --- per-field merge: defaults <- tenant <- pool (§9.6) -------------------------------------------


def test_tenant_values_replace_single_fields(eng):
    pod, container = _contexts(eng, securityContext={"runAsUser": 2000, "fsGroup": 3000})
    assert pod == {**POD_DEFAULT, "runAsUser": 2000, "fsGroup": 3000}
    assert container == CONTAINER_DEFAULT


def test_pool_values_win_over_tenant_values_field_by_field(eng):
    pools = [eng.pool("p", 2, 2, securityContext={"runAsUser": 3000})]
    pod, _ = _contexts(eng, pools, securityContext={"runAsUser": 2000, "runAsGroup": 2000})
    assert pod == {**POD_DEFAULT, "runAsUser": 3000, "runAsGroup": 2000}


def test_each_pool_has_its_own_merge(eng):
    pools = [eng.pool("a", 2, 2, securityContext={"fsGroup": 5}), eng.pool("b", 2, 2)]
    assert _contexts(eng, pools, index=0)[0]["fsGroup"] == 5
    assert _contexts(eng, pools, index=1)[0] == POD_DEFAULT


def test_container_fields_are_added_to_the_defaults(eng):
    _, container = _contexts(eng, containerSecurityContext={"readOnlyRootFilesystem": True})
    assert container == {**CONTAINER_DEFAULT, "readOnlyRootFilesystem": True}
    pools = [eng.pool("p", 2, 2, containerSecurityContext={"allowPrivilegeEscalation": True})]
    _, container = _contexts(eng, pools, containerSecurityContext={"readOnlyRootFilesystem": True})
    assert container == {
        **CONTAINER_DEFAULT,
        "readOnlyRootFilesystem": True,
        "allowPrivilegeEscalation": True,
    }


def test_nested_container_objects_merge_per_field(eng):
    # "Merge per field ...; container seccompProfile/appArmorProfile replace whole": objects other
    # than the two profiles merge field by field, so adding a capability keeps `drop: [ALL]`.
    _, container = _contexts(eng, containerSecurityContext={"capabilities": {"add": ["NET_BIND_SERVICE"]}})
    assert container["capabilities"] == {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}
    pools = [eng.pool("p", 2, 2, containerSecurityContext={"capabilities": {"drop": ["NET_RAW"]}})]
    _, container = _contexts(eng, pools, containerSecurityContext={"capabilities": {"add": ["CHOWN"]}})
    # Lists are atomic: the pool's drop list replaces the default one.
    assert container["capabilities"] == {"drop": ["NET_RAW"], "add": ["CHOWN"]}


def test_container_profiles_replace_whole(eng):
    pools = [eng.pool("p", 2, 2, containerSecurityContext={"seccompProfile": {"type": "RuntimeDefault"}})]
    _, container = _contexts(
        eng,
        pools,
        containerSecurityContext={
            "seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/rustfs.json"},
            "appArmorProfile": {"type": "Localhost", "localhostProfile": "rustfs"},
        },
    )
    assert container["seccompProfile"] == {"type": "RuntimeDefault"}
    pools = [eng.pool("p", 2, 2, containerSecurityContext={"appArmorProfile": {"type": "RuntimeDefault"}})]
    _, container = _contexts(
        eng,
        pools,
        containerSecurityContext={"appArmorProfile": {"type": "Localhost", "localhostProfile": "rustfs"}},
    )
    assert container["appArmorProfile"] == {"type": "RuntimeDefault"}


def test_pod_seccomp_profile_replaces_whole(eng):
    pools = [eng.pool("p", 2, 2, securityContext={"seccompProfile": {"type": "Unconfined"}})]
    pod, _ = _contexts(
        eng, pools, securityContext={"seccompProfile": {"type": "Localhost", "localhostProfile": "a.json"}}
    )
    assert pod["seccompProfile"] == {"type": "Unconfined"}


# --- runAsNonRoot follows the effective UID -----------------------------------------------------


@pytest.mark.parametrize(
    ("tenant_pod", "pool_pod", "expected"),
    [
        ({"runAsUser": 0}, None, False),
        ({"runAsUser": 1000}, None, True),
        ({"runAsUser": 0}, {"runAsUser": 1000}, True),
        ({"runAsUser": 1000}, {"runAsUser": 0}, False),
        # Explicit values win over the derived one.
        ({"runAsUser": 1000, "runAsNonRoot": False}, None, False),
        ({"runAsUser": 0, "runAsNonRoot": False}, None, False),
        ({"runAsNonRoot": False}, {"runAsUser": 1000}, False),
        (None, {"runAsNonRoot": True}, True),
    ],
)
def test_run_as_non_root_follows_the_uid_unless_set(eng, tenant_pod, pool_pod, expected):
    pools = [eng.pool("p", 2, 2, **({"securityContext": pool_pod} if pool_pod else {}))]
    spec = {"securityContext": tenant_pod} if tenant_pod else {}
    pod, _ = _contexts(eng, pools, **spec)
    assert pod["runAsNonRoot"] is expected


def test_container_uid_is_the_effective_uid(eng):
    # Ambiguity (resolved here): the effective UID is the container's runAsUser when set.
    pod, container = _contexts(eng, containerSecurityContext={"runAsUser": 0})
    assert pod["runAsNonRoot"] is False
    assert container["runAsUser"] == 0


@pytest.mark.parametrize(
    "spec",
    [
        {"securityContext": {"runAsUser": 0, "runAsNonRoot": True}},
        {"securityContext": {"runAsNonRoot": True}, "containerSecurityContext": {"runAsUser": 0}},
        {"containerSecurityContext": {"runAsUser": 0, "runAsNonRoot": True}},
        {"securityContext": {"runAsUser": 0}, "containerSecurityContext": {"runAsNonRoot": True}},
    ],
)
def test_uid_0_with_explicit_run_as_non_root_true_is_refused(eng, spec):
    errors = _errors(eng, **spec)
    assert errors == [
        {
            "field": "spec.pools[0].securityContext",
            "message": "runAsUser 0 contradicts runAsNonRoot true; drop one of them",
            "reason": PROFILE,
        }
    ]


def test_uid_0_refusal_is_reported_per_pool(eng):
    pools = [eng.pool("a", 2, 2), eng.pool("b", 2, 2, securityContext={"runAsUser": 0})]
    errors = _errors(eng, pools, securityContext={"runAsNonRoot": True})
    assert eng.fields(errors) == ["spec.pools[1].securityContext"]


@pytest.mark.parametrize(
    ("tenant", "pool"),
    [
        # A pool UID over a tenant UID 0 leaves no UID 0 in effect.
        ({"runAsUser": 0, "runAsNonRoot": True}, {"runAsUser": 1000}),
        # An explicit false at the pool wins over the tenant's true.
        ({"runAsUser": 0, "runAsNonRoot": True}, {"runAsNonRoot": False}),
    ],
)
def test_uid_0_and_run_as_non_root_true_not_both_in_effect_is_accepted(eng, tenant, pool):
    pools = [eng.pool("p", 2, 2, securityContext=pool)]
    assert _errors(eng, pools, securityContext=tenant) == []


def test_container_uid_over_pod_uid_0_is_accepted(eng):
    errors = _errors(
        eng,
        securityContext={"runAsUser": 0, "runAsNonRoot": True},
        containerSecurityContext={"runAsUser": 1000},
    )
    assert errors == []


# --- delegation to the platform: both contexts {} at one scope --------------------------------------


def test_tenant_delegation_drops_every_default(eng):
    pod, container = _contexts(eng, securityContext={}, containerSecurityContext={})
    assert pod == {"fsGroupChangePolicy": "OnRootMismatch"}
    assert container is None  # an empty container securityContext is not rendered


def test_pool_delegation_drops_the_tenant_values_too(eng):
    pools = [eng.pool("p", 2, 2, securityContext={}, containerSecurityContext={})]
    pod, container = _contexts(
        eng,
        pools,
        securityContext={"runAsUser": 2000},
        containerSecurityContext={"readOnlyRootFilesystem": True},
    )
    assert pod == {"fsGroupChangePolicy": "OnRootMismatch"}
    assert container is None


def test_pool_values_apply_over_a_delegating_tenant(eng):
    pools = [
        eng.pool(
            "p",
            2,
            2,
            securityContext={"runAsUser": 5000},
            containerSecurityContext={"readOnlyRootFilesystem": True},
        )
    ]
    pod, container = _contexts(eng, pools, securityContext={}, containerSecurityContext={})
    # runAsNonRoot is not a default any more, so it is not derived either.
    assert pod == {"fsGroupChangePolicy": "OnRootMismatch", "runAsUser": 5000}
    assert container == {"readOnlyRootFilesystem": True}


def test_delegation_of_one_pool_leaves_the_others_alone(eng):
    pools = [eng.pool("a", 2, 2, securityContext={}, containerSecurityContext={}), eng.pool("b", 2, 2)]
    assert _contexts(eng, pools, index=0) == ({"fsGroupChangePolicy": "OnRootMismatch"}, None)
    assert _contexts(eng, pools, index=1) == (POD_DEFAULT, CONTAINER_DEFAULT)


@pytest.mark.parametrize(
    "scope",
    [
        {"securityContext": {}},
        {"containerSecurityContext": {}},
    ],
)
def test_a_lone_empty_context_changes_nothing(eng, scope):
    assert _contexts(eng, **scope) == (POD_DEFAULT, CONTAINER_DEFAULT)
    pools = [eng.pool("p", 2, 2, **scope)]
    assert _contexts(eng, pools) == (POD_DEFAULT, CONTAINER_DEFAULT)


def test_delegation_turns_the_image_gate_off(eng):
    # Without a RuntimeDefault profile in effect there is nothing to gate.
    assert _errors(eng, image="registry.local/rustfs:dev", securityContext={}, containerSecurityContext={}) == []


def test_effective_contexts_function(eng):
    tenant = parse_tenant(_doc(eng, securityContext={"runAsGroup": 7}))
    contexts = effective_security_contexts(tenant, 0)
    assert contexts.pod == {**POD_DEFAULT, "runAsGroup": 7}
    assert contexts.container == CONTAINER_DEFAULT


def test_merge_does_not_modify_the_defaults_or_the_spec(eng):
    spec_capabilities = {"add": ["CHOWN"]}
    tenant = parse_tenant(_doc(eng, containerSecurityContext={"capabilities": spec_capabilities}))
    effective_security_contexts(tenant, 0).container["capabilities"]["add"].append("X")
    assert spec_capabilities == {"add": ["CHOWN"]}
    assert effective_security_contexts(parse_tenant(_doc(eng)), 0).container == CONTAINER_DEFAULT


# --- profile rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "field", "message"),
    [
        (
            {"securityContext": {"seccompProfile": {"type": "Bogus"}}},
            "spec.securityContext.seccompProfile.type",
            "must be one of RuntimeDefault, Localhost, Unconfined",
        ),
        (
            {"securityContext": {"seccompProfile": {"type": "Localhost"}}},
            "spec.securityContext.seccompProfile.localhostProfile",
            "is required when type is Localhost",
        ),
        (
            {"securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "/etc/p.json"}}},
            "spec.securityContext.seccompProfile.localhostProfile",
            "must be a relative path without '..' segments",
        ),
        (
            {"containerSecurityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "a/../b"}}},
            "spec.containerSecurityContext.seccompProfile.localhostProfile",
            "must be a relative path without '..' segments",
        ),
        (
            {"securityContext": {"seccompProfile": {"type": "RuntimeDefault", "localhostProfile": "p.json"}}},
            "spec.securityContext.seccompProfile.localhostProfile",
            "may only be set when type is Localhost",
        ),
        (
            {"containerSecurityContext": {"appArmorProfile": {"type": "Bogus"}}},
            "spec.containerSecurityContext.appArmorProfile.type",
            "must be one of RuntimeDefault, Localhost, Unconfined",
        ),
        (
            {"containerSecurityContext": {"appArmorProfile": {"type": "Unconfined", "localhostProfile": "x"}}},
            "spec.containerSecurityContext.appArmorProfile.localhostProfile",
            "may only be set when type is Localhost",
        ),
        (
            {"containerSecurityContext": {"appArmorProfile": {"type": "Localhost"}}},
            "spec.containerSecurityContext.appArmorProfile.localhostProfile",
            "is required when type is Localhost",
        ),
    ],
)
def test_profile_rules(eng, spec, field, message):
    assert _errors(eng, **spec) == [{"field": field, "message": message, "reason": PROFILE}]


@pytest.mark.parametrize(
    "spec",
    [
        {"securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/rustfs.json"}}},
        {"securityContext": {"seccompProfile": {"type": "Unconfined"}}},
        # The relative-path rule is for seccomp only: AppArmor names may look like paths.
        {"containerSecurityContext": {"appArmorProfile": {"type": "Localhost", "localhostProfile": "/x/..y/z"}}},
        {"containerSecurityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}},
    ],
)
def test_valid_profiles(eng, spec):
    assert _errors(eng, image="rustfs/rustfs:1.0.0", **spec) == []


def test_pool_profile_errors_name_the_pool_and_tenant_errors_appear_once(eng):
    pools = [
        eng.pool("a", 2, 2),
        eng.pool("b", 2, 2, containerSecurityContext={"appArmorProfile": {"type": "Nope"}}),
    ]
    errors = _errors(eng, pools, securityContext={"seccompProfile": {"type": "Nope"}})
    assert eng.fields(errors) == [
        "spec.securityContext.seccompProfile.type",
        "spec.pools[1].containerSecurityContext.appArmorProfile.type",
    ]
    assert eng.reasons(errors) == {PROFILE}


def test_pool_seccomp_profile_rule(eng):
    pools = [eng.pool("p", 2, 2, securityContext={"seccompProfile": {"type": "Localhost", "localhostProfile": "../x"}})]
    assert eng.fields(_errors(eng, pools)) == ["spec.pools[0].securityContext.seccompProfile.localhostProfile"]


def test_security_errors_function(eng):
    tenant = parse_tenant(_doc(eng, securityContext={"seccompProfile": {"type": "X"}}))
    assert [e["reason"] for e in security_errors(tenant)] == [PROFILE]


# --- the image gate under RuntimeDefault seccomp --------------------------------------------------


@pytest.mark.parametrize(
    "image",
    [
        "rustfs/rustfs:1.0.0-beta.9",
        "rustfs/rustfs:1.0.0-beta.10",
        "rustfs/rustfs:1.0.0-beta.123",
        "rustfs/rustfs:v1.0.0-beta.9",
        "rustfs/rustfs:1.0.0-beta.9-glibc",
        "rustfs/rustfs:1.0.0",
        "rustfs/rustfs:v1.0.0",
        "rustfs/rustfs:1.0.0-glibc",
        "rustfs/rustfs:v1.2.3-glibc",
        "rustfs/rustfs:2.0.0",
        "docker.io/rustfs/rustfs:1.0.0-beta.10",
        "index.docker.io/rustfs/rustfs:1.0.1",
        # The RustFS operator's other official repositories (issue 14: the same verdict from either operator).
        "registry-1.docker.io/rustfs/rustfs:1.0.0-beta.10",
        "ghcr.io/rustfs/rustfs:1.0.0-beta.10",
        "quay.io/rustfs/rustfs:1.0.0",
    ],
)
def test_known_good_official_images_pass(eng, image):
    assert _errors(eng, image=image) == []


@pytest.mark.parametrize(
    "image",
    [
        "rustfs/rustfs:1.0.0-alpha.1",
        "rustfs/rustfs:1.0.0-alpha.77",
        "rustfs/rustfs:v1.0.0-alpha.3",
        "rustfs/rustfs:1.0.0-beta.1",
        "rustfs/rustfs:1.0.0-beta.8",
        "docker.io/rustfs/rustfs:1.0.0-beta.5",
        # A suffix does not make an io_uring beta work.
        "rustfs/rustfs:1.0.0-beta.8-glibc",
        "ghcr.io/rustfs/rustfs:1.0.0-beta.5-musl",
    ],
)
def test_known_bad_official_images_are_refused_even_with_the_ack(eng, image):
    for metadata_annotations in (None, {"operator.rustfs.com/runtime-default-image-ack": image}):
        errors = _errors(eng, image=image, annotations=metadata_annotations)
        assert eng.fields(errors) == ["spec.image"]
        assert eng.reasons(errors) == {IMAGE}
        assert image in errors[0]["message"]
        assert "1.0.0-beta.9 or later" in errors[0]["message"]


@pytest.mark.parametrize(
    "image",
    [
        "rustfs/rustfs:latest",
        "rustfs/rustfs",
        "rustfs/rustfs:0.9.0",
        "rustfs/rustfs:1.0.0-rc.1",
        "rustfs/rustfs:1.0.0-beta.9-musl",
        "rustfs/rustfs:1.0.0@sha256:" + "a" * 64,
        "registry.local/rustfs/rustfs:1.0.0",
        "localhost:5000/rustfs/rustfs",
        "ghcr.io/someone/rustfs:1.0.0",
        # The example, and version numbers not written canonically.
        "registry.example.com/rustfs/rustfs:openshift-compatible",
        "rustfs/rustfs:1.0.0-beta.09",
        "rustfs/rustfs:01.0.0",
        "rustfs/rustfs:1.0",
    ],
)
def test_other_images_need_the_ack_annotation_with_the_exact_image(eng, image):
    errors = _errors(eng, image=image)
    assert eng.fields(errors) == ["spec.image"]
    assert eng.reasons(errors) == {IMAGE}
    assert "operator.rustfs.com/runtime-default-image-ack" in errors[0]["message"]
    ack = "operator.rustfs.com/runtime-default-image-ack"
    assert _errors(eng, image=image, annotations={ack: image}) == []
    assert eng.reasons(_errors(eng, image=image, annotations={ack: image + "x"})) == {IMAGE}


def test_gate_only_under_runtime_default(eng):
    image = "registry.local/rustfs:dev"
    assert _errors(eng, image=image, securityContext={"seccompProfile": {"type": "Unconfined"}}) == []
    assert _errors(eng, image=image, containerSecurityContext={"seccompProfile": {"type": "Unconfined"}}) == []
    # The container profile wins over the pod profile in both directions.
    errors = _errors(
        eng,
        image=image,
        securityContext={"seccompProfile": {"type": "Unconfined"}},
        containerSecurityContext={"seccompProfile": {"type": "RuntimeDefault"}},
    )
    assert eng.reasons(errors) == {IMAGE}


def test_gate_applies_when_one_pool_is_under_runtime_default_and_reports_once(eng):
    image = "registry.local/rustfs:dev"
    pools = [
        eng.pool("a", 2, 2, securityContext={"seccompProfile": {"type": "Unconfined"}}),
        eng.pool("b", 2, 2),
        eng.pool("c", 2, 2),
    ]
    errors = _errors(eng, pools, image=image)
    assert len(errors) == 1
    assert errors[0]["field"] == "spec.image"


def test_gate_checks_the_configured_default_image(eng):
    # With spec.image unset the effective image is the operator default (configurable, §2).
    from ansible_collections.rustfs.operator.plugins.module_utils.render import RenderOptions, render_tenant

    doc = _doc(eng)
    result = render_tenant(doc, RenderOptions(default_image="mirror.local/rustfs:dev"))
    assert eng.reasons(result.errors) == {IMAGE}
    assert result.objects == []
    doc["metadata"]["annotations"] = {"operator.rustfs.com/runtime-default-image-ack": "mirror.local/rustfs:dev"}
    result = render_tenant(doc, RenderOptions(default_image="mirror.local/rustfs:dev"))
    assert result.errors == []
    assert eng.container(eng.statefulsets(result.objects)[0])["image"] == "mirror.local/rustfs:dev"


def test_an_image_refusal_is_on_workloads_ready_as_in_the_rustfs_operator(eng):
    """Issue 14: the RustFS operator reports WorkloadSecurityIncompatible on WorkloadsReady (and Degraded)."""
    doc = _doc(eng, image="registry.example.com/rustfs/rustfs:openshift-compatible")
    doc["metadata"]["generation"] = 1
    problems = eng.errors(doc)
    assert eng.reasons(problems) == {IMAGE}
    status = tenant_status(parse_tenant(doc), [], problems, None, "2026-01-01T00:00:00Z")
    conditions = {c["type"]: (c["status"], c["reason"]) for c in status["conditions"]}
    assert status["currentState"] == "Blocked"
    assert conditions["WorkloadsReady"] == ("False", IMAGE)
    assert conditions["SpecValid"] == ("True", "ReconcileSucceeded")
    assert conditions["Degraded"] == ("True", IMAGE)
