"""model.py: the typed view of a Tenant and the defaults it decides (tenant-api.md §2, §3)."""

from __future__ import annotations

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils.model import (
    as_dict,
    as_list,
    normalize_path,
    parse_pool,
    parse_tenant,
)


@pytest.mark.parametrize(
    ("value", "expected"), [(None, {}), ([], {}), ("x", {}), (3, {}), ({"a": 1}, {"a": 1})]
)
def test_as_dict_treats_non_mappings_as_empty(value, expected):
    assert as_dict(value) == expected


def test_as_dict_returns_a_copy():
    original = {"a": 1}
    copy = as_dict(original)
    copy["b"] = 2
    assert original == {"a": 1}


@pytest.mark.parametrize(
    ("value", "expected"), [(None, []), ({}, []), ("ab", []), ((1, 2), []), ([1, 2], [1, 2])]
)
def test_as_list_treats_non_lists_as_empty(value, expected):
    assert as_list(value) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/data", "/data"),
        ("/data/", "/data"),
        ("/data///", "/data"),
        ("/mnt/disks/", "/mnt/disks"),
        ("/", ""),
    ],
)
def test_trailing_slashes_of_a_path_are_ignored(path, expected):
    assert normalize_path(path) == expected


def test_pool_defaults(eng):
    pool = parse_pool(eng.pool("p", 3, 2))
    assert pool.name == "p"
    assert pool.servers == 3
    assert pool.persistence.volumes_per_server == 2
    assert pool.persistence.path == "/data"
    assert pool.persistence.claim_template is None
    assert pool.persistence.labels == {}
    assert pool.persistence.annotations == {}
    assert pool.volume_paths() == ["/data/rustfs0", "/data/rustfs1"]


def test_pool_persistence_fields(eng):
    template = {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "1Ti"}}}
    pool = parse_pool(
        eng.pool(
            "p",
            1,
            3,
            persistence={
                "path": "/mnt/disks/",
                "volumeClaimTemplate": template,
                "labels": {"tier": "hot"},
                "annotations": {"note": "x"},
            },
        )
    )
    assert pool.persistence.path == "/mnt/disks"
    assert pool.volume_paths() == ["/mnt/disks/rustfs0", "/mnt/disks/rustfs1", "/mnt/disks/rustfs2"]
    assert pool.persistence.claim_template == template
    assert pool.persistence.labels == {"tier": "hot"}
    assert pool.persistence.annotations == {"note": "x"}


def test_pool_keeps_its_raw_fields(eng):
    raw = eng.pool("p", 1, 1, nodeSelector={"disk": "ssd"})
    assert parse_pool(raw).spec["nodeSelector"] == {"disk": "ssd"}


def test_tenant_metadata(eng):
    doc = eng.tenant("t", "ns", uid="abc", annotations={"a": "b"})
    doc["metadata"]["generation"] = 7
    tenant = parse_tenant(doc)
    assert (tenant.name, tenant.namespace, tenant.uid, tenant.generation) == ("t", "ns", "abc", 7)
    assert tenant.annotations == {"a": "b"}
    assert [p.name for p in tenant.pools] == ["pool-0"]


def test_tenant_without_namespace_or_uid(eng):
    tenant = parse_tenant(eng.tenant("t", namespace=None))
    # The namespace defaults like `kubectl apply` would; no uid, no generation.
    assert tenant.namespace == "default"
    assert parse_tenant(eng.tenant("t", namespace=None), default_namespace="other").namespace == "other"
    assert tenant.uid is None
    assert tenant.generation is None


def test_empty_uid_and_non_integer_generation_are_absent(eng):
    doc = eng.tenant(uid="")
    doc["metadata"]["generation"] = "3"
    tenant = parse_tenant(doc)
    assert tenant.uid is None
    assert tenant.generation is None


def test_document_without_metadata_or_spec():
    tenant = parse_tenant({})
    assert tenant.name == ""
    assert tenant.pools == ()
    assert tenant.spec == {}


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (None, "rustfs/rustfs:1.0.0-beta.10"),
        ("", "rustfs/rustfs:1.0.0-beta.10"),
        ("registry.local/rustfs:x", "registry.local/rustfs:x"),
    ],
)
def test_image_falls_back_to_the_operator_default(eng, image, expected):
    doc = eng.tenant()
    if image is not None:
        doc["spec"]["image"] = image
    assert parse_tenant(doc).image == expected


def test_default_image_is_configurable(eng):
    assert parse_tenant(eng.tenant(), default_image="mirror/rustfs:1.0.0").image == "mirror/rustfs:1.0.0"
    assert parse_tenant(
        eng.tenant(image="rustfs/rustfs:1.0.1"), default_image="mirror/rustfs:1.0.0"
    ).image == ("rustfs/rustfs:1.0.1")


@pytest.mark.parametrize(
    ("tls", "enabled", "internode"),
    [
        (None, False, False),
        ({}, False, False),
        ({"mode": "disabled", "enableInternodeHttps": True}, False, False),
        ({"mode": "certManager"}, True, False),
        ({"mode": "certManager", "enableInternodeHttps": False}, True, False),
        ({"mode": "certManager", "enableInternodeHttps": True}, True, True),
        ({"mode": "external", "enableInternodeHttps": True}, True, True),
    ],
)
def test_tls_flags(eng, tls, enabled, internode):
    doc = eng.tenant() if tls is None else eng.tenant(tls=tls)
    tenant = parse_tenant(doc)
    assert tenant.tls_enabled is enabled
    assert tenant.internode_https is internode


def test_service_account_default(eng):
    assert parse_tenant(eng.tenant()).uses_default_service_account is True
    assert parse_tenant(eng.tenant(serviceAccountName="")).uses_default_service_account is True
    assert parse_tenant(eng.tenant(serviceAccountName="mine")).uses_default_service_account is False


def test_logging_mode_defaults_to_stdout(eng):
    assert parse_tenant(eng.tenant()).logging_mode == "stdout"
    assert parse_tenant(eng.tenant(logging={})).logging_mode == "stdout"
    assert parse_tenant(eng.tenant(logging={"mode": "emptydir"})).logging_mode == "emptydir"


def test_encryption_defaults_to_empty(eng):
    assert parse_tenant(eng.tenant()).encryption == {}
    assert parse_tenant(eng.tenant(encryption={"enabled": True})).encryption == {"enabled": True}
