"""render.py: the single entry point (objects in apply order, owner references, plain data)."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from ansible_collections.rustfs.operator.plugins.module_utils.errors import TenantInvalidError
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.render import (
    RenderOptions,
    RenderResult,
    objects_for,
    owner_reference,
    render_tenant,
    tenant_objects,
)

UID = "7d0c2a1e-2f43-4d5f-9a55-0c2d8f1b6e3a"


def test_render_options_defaults():
    options = RenderOptions()
    assert options.cluster_domain == "cluster.local"
    assert options.default_image == "rustfs/rustfs:1.0.0-beta.10"
    assert options.owner_references is True


def test_apply_order(eng):
    objects = eng.render(eng.tenant("t", pools=[eng.pool("b"), eng.pool("a")]))
    assert [(o["kind"], o["metadata"]["name"]) for o in objects] == [
        ("ServiceAccount", "t-sa"),
        ("Service", "t-io"),
        ("Service", "t-console"),
        ("Service", "t-hl"),
        ("PodDisruptionBudget", "t-b"),
        ("PodDisruptionBudget", "t-a"),
        ("StatefulSet", "t-b"),
        ("StatefulSet", "t-a"),
    ]


def test_every_object_is_in_the_tenant_namespace(eng):
    assert {o["metadata"]["namespace"] for o in eng.render(eng.tenant(namespace="ns9"))} == {"ns9"}
    # Without a namespace the tenant goes where `kubectl apply` would put it.
    assert {o["metadata"]["namespace"] for o in eng.render(eng.tenant(namespace=None))} == {"default"}


def test_owner_reference_only_with_a_uid(eng):
    expected = {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "name": "t",
        "uid": UID,
        "controller": True,
        "blockOwnerDeletion": True,
    }
    objects = eng.render(eng.tenant("t", uid=UID))
    assert all(o["metadata"]["ownerReferences"] == [expected] for o in objects)
    assert all("ownerReferences" not in o["metadata"] for o in eng.render(eng.tenant("t")))
    assert all("ownerReferences" not in o["metadata"] for o in eng.render(eng.tenant("t", uid="")))
    assert all(
        "ownerReferences" not in o["metadata"] for o in eng.render(eng.tenant("t", uid=UID), owner_references=False)
    )
    assert owner_reference(parse_tenant(eng.tenant("t"))) is None
    assert owner_reference(parse_tenant(eng.tenant("t", uid=UID))) == expected


def test_owner_reference_lists_are_not_shared(eng):
    objects = eng.render(eng.tenant("t", uid=UID))
    objects[0]["metadata"]["ownerReferences"][0]["name"] = "changed"
    assert objects[1]["metadata"]["ownerReferences"][0]["name"] == "t"


def _sharing_tenant(eng):
    """A tenant whose spec values are copied into several places of the output."""
    template = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    tolerations = [{"key": "k", "operator": "Exists"}]
    pools = [
        eng.pool(
            "a",
            2,
            3,
            persistence={"volumeClaimTemplate": template, "labels": {"x": "y"}},
            tolerations=tolerations,
        ),
        eng.pool("b", 2, 3, persistence={"volumeClaimTemplate": template}, tolerations=tolerations),
    ]
    return eng.tenant(
        "t",
        pools=pools,
        lifecycle={"preStop": {"exec": {"command": ["sleep", "1"]}}},
        credsSecret={"name": "c"},
        uid=UID,
    )


def test_no_yaml_anchors_in_the_output(eng):
    objects = eng.render(_sharing_tenant(eng))
    text = yaml.safe_dump(objects)
    assert "&id" not in text
    assert "*id" not in text
    assert yaml.safe_load(text) == objects


def test_objects_share_nothing(eng):
    doc = _sharing_tenant(eng)
    objects = eng.render(doc)
    first, second = eng.statefulsets(objects)
    first["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] = "2Gi"
    eng.pod_spec(first)["tolerations"].append({"key": "z"})
    eng.container(first)["lifecycle"]["preStop"]["exec"]["command"].append("x")
    assert first["spec"]["volumeClaimTemplates"][1]["spec"]["resources"]["requests"]["storage"] == "1Gi"
    assert eng.pod_spec(second)["tolerations"] == [{"key": "k", "operator": "Exists"}]
    assert eng.container(second)["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", "1"]
    # Nor with the input document.
    assert doc == _sharing_tenant(eng)


def test_output_is_plain_json(eng):
    objects = eng.render(_sharing_tenant(eng))
    assert json.loads(json.dumps(objects)) == objects


def test_render_does_not_modify_its_input(eng):
    doc = _sharing_tenant(eng)
    doc["spec"]["image"] = None
    before = copy.deepcopy(doc)
    render_tenant(doc)
    assert doc == before


def test_null_fields_are_dropped_before_rendering(eng):
    doc = eng.tenant("t", image=None, scheduler=None, pools=[eng.pool("p", 2, 2, nodeSelector=None)])
    sts = eng.statefulsets(eng.render(doc))[0]
    assert eng.container(sts)["image"] == "rustfs/rustfs:1.0.0-beta.10"
    assert "schedulerName" not in eng.pod_spec(sts)
    assert "nodeSelector" not in eng.pod_spec(sts)


def test_invalid_tenant_renders_nothing(eng):
    result = render_tenant(eng.tenant(pools=[eng.pool("p", 0, 1)]))
    assert isinstance(result, RenderResult)
    assert result.objects == []
    assert result.errors == [
        {
            "field": "spec.pools[0].servers",
            "message": "servers must be greater than 0",
            "reason": "InvalidPoolSpec",
        }
    ]


@pytest.mark.parametrize("document", [None, "x", [1]])
def test_non_mapping_renders_nothing(document):
    result = render_tenant(document)
    assert result.objects == []
    assert [e["field"] for e in result.errors] == ["<document>"]


def test_tenant_objects_raises_with_every_error(eng):
    with pytest.raises(TenantInvalidError) as raised:
        tenant_objects(eng.tenant("Bad", pools=[eng.pool("p", 0, 1)]))
    assert [e["field"] for e in raised.value.errors] == ["metadata.name", "spec.pools[0].servers"]
    assert "spec.pools[0].servers: servers must be greater than 0 (InvalidPoolSpec)" in str(raised.value)


def test_tenant_objects_passes_the_options(eng):
    doc = eng.tenant("t", "n", pools=[eng.pool("p", 2, 1)])
    objects = tenant_objects(doc, RenderOptions(cluster_domain="c.example", default_image="rustfs/rustfs:1.0.3"))
    sts = eng.statefulsets(objects)[0]
    assert eng.container(sts)["image"] == "rustfs/rustfs:1.0.3"
    assert eng.env_value(sts, "RUSTFS_VOLUMES") == "http://t-p-{0...1}.t-hl.n.svc.c.example:9000/data/rustfs{0...0}"
    assert tenant_objects(doc) == eng.render(doc)


def test_objects_for_a_parsed_tenant(eng):
    tenant = parse_tenant(eng.tenant("t", uid=UID))
    with_refs = objects_for(tenant, RenderOptions())
    without = objects_for(tenant, RenderOptions(owner_references=False))
    assert len(with_refs) == len(without) == 6  # ServiceAccount, 3 Services, PodDisruptionBudget, StatefulSet
    for obj, plain in zip(with_refs, without, strict=False):
        refs = obj["metadata"].pop("ownerReferences")
        assert [r["uid"] for r in refs] == [UID]
        assert obj == plain


def test_the_tenant_is_rendered_first_only_when_asked(eng):
    doc = eng.tenant("t", "n", pools=[eng.pool("p", 2, 1)])
    plain = render_tenant(doc, RenderOptions(owner_references=False)).objects
    with_tenant = render_tenant(doc, RenderOptions(owner_references=False, include_tenant=True)).objects
    assert with_tenant[1:] == plain
    assert with_tenant[0] == {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": "t", "namespace": "n"},
        "spec": doc["spec"],
    }
    assert tenant_objects(doc, RenderOptions(include_tenant=True))[0]["kind"] == "Tenant"


def test_the_rendered_tenant_is_declared_not_as_a_cluster_wrote_it(eng):
    """Nulls and unknown fields dropped, the namespace written, nothing of a cluster's bookkeeping kept."""
    doc = eng.tenant("t", None, uid=UID, replicas=3, image=None, pools=[eng.pool("p", 2, 1, priorityClassname="x")])
    doc["metadata"].update(
        labels={"team": "a"},
        annotations={"note": "kept", "kubectl.kubernetes.io/last-applied-configuration": "{}"},
        resourceVersion="7",
        generation=2,
        managedFields=[{"manager": "kubectl"}],
    )
    doc["status"] = {"availableReplicas": 2, "pools": [], "currentState": "Ready"}
    objects = render_tenant(doc, RenderOptions(include_tenant=True)).objects
    assert objects[0] == {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": "t", "namespace": "default", "labels": {"team": "a"}, "annotations": {"note": "kept"}},
        "spec": {"pools": [{"name": "p", "servers": 2, "persistence": {"volumesPerServer": 1}}]},
    }
    # Its children keep their owner references; the Tenant gets none (it owns itself).
    assert "ownerReferences" not in objects[0]["metadata"]
    assert all(o["metadata"]["ownerReferences"][0]["uid"] == UID for o in objects[1:])


def test_the_rendered_tenant_shares_nothing_with_the_input(eng):
    doc = _sharing_tenant(eng)
    tenant = render_tenant(doc, RenderOptions(include_tenant=True)).objects[0]
    tenant["spec"]["pools"][0]["tolerations"].append({"key": "z"})
    assert doc == _sharing_tenant(eng)


def test_an_invalid_tenant_is_not_rendered_even_with_the_tenant_asked_for(eng):
    result = render_tenant(eng.tenant(pools=[eng.pool("p", 0, 1)]), RenderOptions(include_tenant=True))
    assert result.objects == [] and result.errors
