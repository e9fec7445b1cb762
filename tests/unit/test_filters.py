"""The filter plugins called as Python functions, as Ansible calls them."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.rustfs.operator.plugins.filter import rustfs_volumes as volumes_plugin
from ansible_collections.rustfs.operator.plugins.filter import tenant_objects as objects_plugin
from ansible_collections.rustfs.operator.plugins.filter import tenant_validate as validate_plugin

UID = "5f1e8d7c-0000-4000-8000-000000000001"


def test_filter_modules_register_their_filters():
    assert set(objects_plugin.FilterModule().filters()) == {"tenant_objects"}
    assert set(validate_plugin.FilterModule().filters()) == {"tenant_validate"}
    assert set(volumes_plugin.FilterModule().filters()) == {"rustfs_volumes"}
    assert objects_plugin.FilterModule().filters()["tenant_objects"] is objects_plugin.tenant_objects


def test_plugins_document_themselves():
    for plugin in (objects_plugin, validate_plugin, volumes_plugin):
        assert plugin.DOCUMENTATION.strip() and plugin.EXAMPLES.strip() and plugin.RETURN.strip()


# --- tenant_validate ------------------------------------------------------------------------------


def test_tenant_validate_valid(example):
    assert validate_plugin.tenant_validate(example("simple-tenant.yaml")) == []


def test_tenant_validate_lists_every_error_without_raising(eng):
    errors = validate_plugin.tenant_validate(eng.tenant("Bad", pools=[eng.pool("p", 0, 1)]))
    assert errors == [
        {
            "field": "metadata.name",
            "message": "must be a DNS-1035 label: lowercase letters, digits and '-', starting with a letter "
            "and ending with a letter or digit",
            "reason": "InvalidTenantName",
        },
        {
            "field": "spec.pools[0].servers",
            "message": "servers must be greater than 0",
            "reason": "InvalidPoolSpec",
        },
    ]
    assert validate_plugin.tenant_validate("not a tenant")[0]["field"] == "<document>"


# --- tenant_objects -------------------------------------------------------------------------------


def test_tenant_objects_valid(eng, example, load):
    assert objects_plugin.tenant_objects(example("minimal-dev-tenant.yaml")) == load.expected(
        "minimal-dev-tenant.yaml"
    )


def test_tenant_objects_options(eng):
    doc = eng.tenant("t", "n", pools=[eng.pool("p", 2, 1)], uid=UID)
    objects = objects_plugin.tenant_objects(
        doc, cluster_domain="k.example", default_image="rustfs/rustfs:1.0.5", owner_references=False
    )
    sts = eng.statefulsets(objects)[0]
    assert (
        eng.env_value(sts, "RUSTFS_VOLUMES")
        == "http://t-p-{0...1}.t-hl.n.svc.k.example:9000/data/rustfs{0...0}"
    )
    assert eng.container(sts)["image"] == "rustfs/rustfs:1.0.5"
    assert all("ownerReferences" not in o["metadata"] for o in objects)
    assert all(o["metadata"]["ownerReferences"][0]["uid"] == UID for o in objects_plugin.tenant_objects(doc))


def test_tenant_objects_invalid_names_the_field(eng):
    with pytest.raises(AnsibleFilterError) as raised:
        objects_plugin.tenant_objects(eng.tenant(pools=[eng.pool("p", 1, 0)]))
    message = str(raised.value)
    assert "Invalid Tenant" in message
    assert (
        "spec.pools[0].persistence.volumesPerServer: volumesPerServer must be greater than 0 (InvalidPoolSpec)"
        in message
    )


def test_tenant_objects_refuses_a_non_mapping():
    with pytest.raises(AnsibleFilterError, match="<document>"):
        objects_plugin.tenant_objects(["not", "a", "tenant"])


# --- rustfs_volumes -------------------------------------------------------------------------------


def test_rustfs_volumes_valid(example):
    assert volumes_plugin.rustfs_volumes(example("minimal-dev-tenant.yaml")) == "/data/rustfs0"
    assert volumes_plugin.rustfs_volumes(example("simple-tenant.yaml")) == (
        "http://example-tenant-primary-{0...1}.example-tenant-hl.rustfs-system.svc.cluster.local:9000"
        "/data/rustfs{0...1}"
    )


def test_rustfs_volumes_cluster_domain(example):
    assert volumes_plugin.rustfs_volumes(example("simple-tenant.yaml"), cluster_domain="k8s.mse.cloud") == (
        "http://example-tenant-primary-{0...1}.example-tenant-hl.rustfs-system.svc.k8s.mse.cloud:9000"
        "/data/rustfs{0...1}"
    )


def test_rustfs_volumes_drops_nulls_and_defaults_the_namespace(eng):
    doc = eng.tenant("t", namespace=None, pools=[eng.pool("p", 2, 1, persistence={"path": None})], image=None)
    assert (
        volumes_plugin.rustfs_volumes(doc)
        == "http://t-p-{0...1}.t-hl.default.svc.cluster.local:9000/data/rustfs{0...0}"
    )


def test_rustfs_volumes_invalid_names_the_field(eng):
    with pytest.raises(AnsibleFilterError) as raised:
        volumes_plugin.rustfs_volumes(eng.tenant(pools=[eng.pool("p", 1, 1, persistence={"path": ""})]))
    assert "spec.pools[0].persistence.path: path must be not empty when specified" in str(raised.value)
