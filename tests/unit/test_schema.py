"""schema.py: the CRD's OpenAPI schema applied to a document, with messages that name the rule
(the CRD file itself is tested by test_crd.py)."""

from __future__ import annotations

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils import schema

QUANTITY = (
    r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"
)


def _errors(eng, pools=None, **spec):
    return schema.schema_errors(eng.tenant(pools=pools, **spec))


def test_valid_document_has_no_schema_errors(eng):
    assert _errors(eng) == []


@pytest.mark.parametrize(
    ("spec", "field", "message"),
    [
        ({"image": 5}, "spec.image", "must be of type string"),
        ({"env": {"name": "A"}}, "spec.env", "must be of type array"),
        (
            {"imagePullPolicy": "Sometimes"},
            "spec.imagePullPolicy",
            "must be one of: Always, Never, IfNotPresent",
        ),
        ({"securityContext": {"runAsUser": -1}}, "spec.securityContext.runAsUser", "must be at least 0"),
        (
            {"securityContext": {"fsGroup": 2147483648}},
            "spec.securityContext.fsGroup",
            "must be at most 2147483647",
        ),
        (
            {"rpcSecret": {"name": "", "key": "k"}},
            "spec.rpcSecret.name",
            "must be at least 1 characters long",
        ),
        (
            {"users": [{"name": "u" * 254, "policies": ["p"]}]},
            "spec.users[0].name",
            "must be at most 253 characters long",
        ),
        (
            {"users": [{"name": "a b", "policies": ["p"]}]},
            "spec.users[0].name",
            r"must match the regular expression ^\S+$",
        ),
        (
            {"policies": [{"name": "p", "document": {"configMapKeyRef": {"name": "c" * 254, "key": "k"}}}]},
            "spec.policies[0].document.configMapKeyRef.name",
            "must be at most 253 characters long",
        ),
        (
            {"logging": {"storageSize": "lots"}},
            "spec.logging.storageSize",
            f"must match the regular expression {QUANTITY}",
        ),
        # (([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"),
    ],
)
def test_messages_name_the_rule(eng, spec, field, message):
    assert _errors(eng, **spec) == [{"field": field, "message": message, "reason": "InvalidSpec"}]


@pytest.mark.parametrize(
    ("pools", "field", "message"),
    [
        ([], "spec.pools", "must have at least 1 items"),
        (
            [{"name": f"p{i}", "servers": 1, "persistence": {"volumesPerServer": 1}} for i in range(33)],
            "spec.pools",
            "must have at most 32 items",
        ),
        (
            [{"name": "p" * 64, "servers": 1, "persistence": {"volumesPerServer": 1}}],
            "spec.pools[0].name",
            "must be at most 63 characters long",
        ),
        (
            [{"name": "P", "servers": 1, "persistence": {"volumesPerServer": 1}}],
            "spec.pools[0].name",
            "must match the regular expression ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
        ),
        (
            [{"name": "p", "servers": 1.0, "persistence": {"volumesPerServer": 1}}],
            "spec.pools[0].servers",
            "must be of type integer",
        ),
        (
            [{"name": "p", "servers": True, "persistence": {"volumesPerServer": 1}}],
            "spec.pools[0].servers",
            "must be of type integer",
        ),
    ],
)
def test_pool_errors_have_the_pool_reason(eng, pools, field, message):
    assert _errors(eng, pools=pools) == [{"field": field, "message": message, "reason": "InvalidPoolSpec"}]


def test_any_of_rule(eng):
    # Quantities are int-or-string; a boolean fails the anyOf.
    pools = [eng.pool("p", 1, 1, resources={"limits": {"cpu": True}})]
    assert _errors(eng, pools=pools) == [
        {
            "field": "spec.pools[0].resources.limits.cpu",
            "message": "must be an integer or a string",
            "reason": "InvalidPoolSpec",
        }
    ]


def test_every_missing_required_field_is_named_once(eng):
    assert _errors(eng, pools=[{"persistence": {}}]) == [
        {"field": "spec.pools[0].name", "message": "is required", "reason": "InvalidPoolSpec"},
        {"field": "spec.pools[0].servers", "message": "is required", "reason": "InvalidPoolSpec"},
        {
            "field": "spec.pools[0].persistence.volumesPerServer",
            "message": "is required",
            "reason": "InvalidPoolSpec",
        },
    ]
    assert _errors(eng, rpcSecret={}) == [
        {"field": "spec.rpcSecret.name", "message": "is required", "reason": "InvalidSpec"},
        {"field": "spec.rpcSecret.key", "message": "is required", "reason": "InvalidSpec"},
    ]


def test_missing_top_level_field(eng):
    doc = eng.tenant()
    del doc["spec"]
    assert schema.schema_errors(doc) == [{"field": "spec", "message": "is required", "reason": "InvalidSpec"}]


def test_messages_never_echo_the_value(eng):
    secret = "hunter2-very-secret"
    errors = _errors(
        eng,
        imagePullPolicy=secret,
        credsSecret={"name": [secret]},
        env=[{"name": "A", "value": {"v": secret}}],
    )
    assert len(errors) == 3
    assert all(secret not in e["message"] and secret not in e["field"] for e in errors)


def test_errors_are_sorted_by_field(eng):
    errors = _errors(eng, image=1, env=1, credsSecret=1, pools=[eng.pool("p", "x", 1)])
    assert [e["field"] for e in errors] == [
        "spec.credsSecret",
        "spec.env",
        "spec.image",
        "spec.pools[0].servers",
    ]


def test_nulls_are_dropped_before_checking(eng):
    assert _errors(eng, image=None, pools=[eng.pool("p", 1, 1, affinity=None)]) == []


def test_drop_nulls():
    assert schema.drop_nulls({"a": None, "b": {"c": None, "d": 1}, "e": [None, {"f": None}], "g": 0}) == {
        "b": {"d": 1},
        "e": [None, {}],
        "g": 0,
    }
    assert schema.drop_nulls(None) is None
    assert schema.drop_nulls("x") == "x"


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ([], "<document>"),
        (["spec"], "spec"),
        (["spec", "pools", 0, "name"], "spec.pools[0].name"),
        (["spec", "env", 3], "spec.env[3]"),
        ([0], "[0]"),
    ],
)
def test_json_path(parts, expected):
    assert schema.json_path(parts) == expected


def test_reason_for():
    assert schema.reason_for("spec.pools") == "InvalidPoolSpec"
    assert schema.reason_for("spec.pools[2].servers") == "InvalidPoolSpec"
    assert schema.reason_for("spec.image") == "InvalidSpec"
    assert schema.reason_for("spec") == "InvalidSpec"


def test_schema_is_the_v1alpha1_schema_of_the_crd_file(tmp_path):
    crd = schema.load_crd()
    assert crd["spec"]["names"]["kind"] == "Tenant"
    versions = {v["name"]: v for v in crd["spec"]["versions"]}
    assert schema.tenant_schema() == versions["v1alpha1"]["schema"]["openAPIV3Schema"]
    path = tmp_path / "crd.yaml"
    path.write_text("spec: {versions: []}\n", encoding="utf-8")
    assert schema.load_crd(path) == {"spec": {"versions": []}}


def test_the_embedded_schema_module_is_generated_from_the_current_crd():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "hack" / "gen_schema_module.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_int32_fields_refuse_what_the_api_server_cannot_store(eng):
    assert _errors(eng, pools=[eng.pool("p", 2**31, 1)]) == [
        {"field": "spec.pools[0].servers", "message": "must be a valid int32 value", "reason": "InvalidPoolSpec"}
    ]
    assert _errors(eng, pools=[eng.pool("p", 2**31 - 1, 1)]) == []


def test_errors_come_in_document_order(eng):
    pools = [eng.pool(f"p{i}", "x", 1) for i in range(12)]
    fields = [e["field"] for e in _errors(eng, pools=pools)]
    assert fields == [f"spec.pools[{i}].servers" for i in range(12)]


def test_unknown_fields_are_pruned_like_the_api_server_does(eng):
    pruned = schema.pruned_spec(
        eng.tenant(
            "t1",
            "ns1",
            bogus=1,
            securityContext={"runAsUser": 5, "privileged": True},
            pools=[eng.pool("p", 1, 1, persistence={"volumesPerServer": 1, "sizePerVolume": "1Ti"})],
        )
    )
    assert "bogus" not in pruned["spec"]
    assert pruned["spec"]["securityContext"] == {"runAsUser": 5}
    assert pruned["spec"]["pools"][0]["persistence"] == {"volumesPerServer": 1}
    objects = eng.render(eng.tenant("t1", "ns1", securityContext={"runAsUser": 5, "privileged": True}))
    pod = eng.only(objects, "StatefulSet")["spec"]["template"]["spec"]
    assert "privileged" not in pod["securityContext"]


def test_unknown_fields_are_what_prune_drops_in_document_order(eng):
    """Reported from the same walk as the pruning, so the report is exactly what is dropped."""
    doc = eng.tenant(
        "t1",
        "ns1",
        bogus=1,
        replicas=3,
        securityContext={"runAsUser": 5, "privileged": True},
        env=[{"name": "A", "valu": "x"}],
        pools=[
            eng.pool("p", 1, 1),
            eng.pool("q", 1, 1, priorityClassname="high", persistence={"sizePerVolume": "1Ti"}),
        ],
    )
    assert schema.unknown_fields(doc) == [
        "spec.pools[1].persistence.sizePerVolume",
        "spec.pools[1].priorityClassname",
        "spec.bogus",
        "spec.replicas",
        "spec.securityContext.privileged",
        "spec.env[0].valu",
    ]
    dropped: list[str] = []
    assert (
        schema.prune(doc["spec"], schema.tenant_schema()["properties"]["spec"], dropped, "spec")
        == (schema.pruned_spec(doc)["spec"])
    )
    assert dropped == schema.unknown_fields(doc)


def test_unknown_top_level_and_metadata_fields_are_reported_but_not_the_status(eng):
    doc = eng.tenant("t", uid="u")
    doc["metadata"].update(lables={"a": "b"}, resourceVersion="1", managedFields=[], finalizers=[])
    doc["specs"] = {}
    doc["status"] = {"anything": {"at": "all"}}
    assert schema.unknown_fields(doc) == ["metadata.lables", "specs"]


def test_a_valid_tenant_has_no_unknown_fields(eng, example):
    assert schema.unknown_fields(eng.tenant(pools=[eng.pool(resources={"requests": {"cpu": "1", "x/y": 2}})])) == []
    assert schema.unknown_fields(example("multi-pool-tenant.yaml")) == []


@pytest.mark.parametrize("document", [None, "text", [1], {"metadata": "text", "spec": 3}])
def test_unknown_fields_of_what_is_not_a_tenant_are_left_to_validation(document):
    assert schema.unknown_fields(document) == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("spec.pools[0].priorityClassname", "priorityClassName"),
        ("spec.pools[3].persistence.volumesperserver", "volumesPerServer"),
        ("spec.env[0].valu", "value"),
        ("metadata.lables", "labels"),
        ("metadata.Namespace", "namespace"),
        ("specs", "spec"),
        ("spec.replicas", None),
        ("spec.nothing.near", None),
        ("spec.pools[0].resources.requests.x.y", None),
    ],
)
def test_similar_field_names_the_likely_spelling(path, expected):
    assert schema.similar_field(path) == expected
