"""validation.py: every rule a Tenant must pass, with its field, message and reason (tenant-api.md §4,
§5, §9.1, §9.3, §9.4)."""

from __future__ import annotations

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils.validation import validate_tenant


def _errors(eng, pools=None, **kwargs):
    return eng.errors(eng.tenant(pools=pools, **kwargs))


def test_valid_tenant_has_no_errors(eng):
    assert _errors(eng) == []


def test_every_error_is_three_strings(eng):
    errors = _errors(eng, name="Bad_Name", pools=[eng.pool("p", 0, 0)], env=[{"name": "RUSTFS_KMS_X"}])
    assert errors
    for error in errors:
        assert set(error) == {"field", "message", "reason"}
        assert all(isinstance(value, str) and value for value in error.values())


# --- document and identity ----------------------------------------------------------------------


@pytest.mark.parametrize("document", [None, [], "tenant", 3])
def test_non_mapping_document(eng, document):
    assert eng.errors(document) == [
        {"field": "<document>", "message": "a Tenant must be a mapping", "reason": "InvalidSpec"}
    ]


def test_api_version_and_kind(eng):
    doc = eng.tenant()
    doc["apiVersion"] = "rustfs.com/v1"
    doc["kind"] = "Tenants"
    assert eng.errors(doc) == [
        {"field": "apiVersion", "message": "must be rustfs.com/v1alpha1", "reason": "InvalidSpec"},
        {"field": "kind", "message": "must be Tenant", "reason": "InvalidSpec"},
    ]


@pytest.mark.parametrize("name", ["a", "t", "abc-123", "a" * 50, "x-y-z"])
def test_valid_tenant_names(eng, name):
    assert _errors(eng, name=name, pools=[eng.pool("p", 1, 1)]) == []


def test_a_55_character_name_is_a_valid_name_but_leaves_no_room_for_a_pool(eng):
    # The name rule allows 55; the StatefulSet {t}-{p} must still fit 52 for its pods to be created.
    errors = _errors(eng, name="a" * 55, pools=[eng.pool("p", 1, 1)])
    assert eng.fields(errors) == ["spec.pools[0].name"]
    assert "longer than 52" in errors[0]["message"]


def test_tenant_name_at_most_55_characters(eng):
    errors = _errors(eng, name="a" * 56, pools=[eng.pool("p", 1, 1)])
    assert errors[:1] == [
        {
            "field": "metadata.name",
            "message": "must be at most 55 characters (room for the -console suffix)",
            "reason": "InvalidTenantName",
        }
    ]


@pytest.mark.parametrize("name", ["1abc", "-abc", "abc-", "Abc", "a_b", "a.b", "ab c", "é"])
def test_tenant_name_must_be_a_dns_1035_label(eng, name):
    errors = _errors(eng, name=name, pools=[eng.pool("p", 1, 1)])
    assert eng.fields(errors) == ["metadata.name"]
    assert eng.reasons(errors) == {"InvalidTenantName"}
    assert "DNS-1035" in errors[0]["message"]


@pytest.mark.parametrize("name", ["", None, 5])
def test_tenant_name_is_required(eng, name):
    doc = eng.tenant()
    doc["metadata"]["name"] = name
    errors = eng.errors(doc)
    assert errors == [{"field": "metadata.name", "message": "is required", "reason": "InvalidTenantName"}]


def test_missing_metadata(eng):
    doc = eng.tenant()
    del doc["metadata"]
    assert eng.fields(eng.errors(doc)) == ["metadata.name"]


# --- pools (§4) -----------------------------------------------------------------------------------


def test_missing_spec_and_pools(eng):
    doc = eng.tenant()
    del doc["spec"]
    assert eng.errors(doc) == [{"field": "spec", "message": "is required", "reason": "InvalidSpec"}]
    doc["spec"] = {}
    assert eng.errors(doc) == [{"field": "spec.pools", "message": "is required", "reason": "InvalidPoolSpec"}]


def test_at_least_one_pool(eng):
    errors = _errors(eng, pools=[])
    assert eng.fields(errors) == ["spec.pools"]
    assert eng.reasons(errors) == {"InvalidPoolSpec"}


def test_at_most_32_pools(eng):
    errors = _errors(eng, pools=[eng.pool(f"p{i}", 1, 1) for i in range(33)])
    assert eng.fields(errors) == ["spec.pools"]
    assert _errors(eng, pools=[eng.pool(f"p{i}", 2, 1) for i in range(32)]) == []


@pytest.mark.parametrize("servers", [0, -1])
def test_servers_must_be_greater_than_zero(eng, servers):
    assert _errors(eng, pools=[eng.pool("p", servers, 1)]) == [
        {
            "field": "spec.pools[0].servers",
            "message": "servers must be greater than 0",
            "reason": "InvalidPoolSpec",
        }
    ]


@pytest.mark.parametrize("volumes", [0, -3])
def test_volumes_per_server_must_be_greater_than_zero(eng, volumes):
    assert _errors(eng, pools=[eng.pool("p", 1, volumes)]) == [
        {
            "field": "spec.pools[0].persistence.volumesPerServer",
            "message": "volumesPerServer must be greater than 0",
            "reason": "InvalidPoolSpec",
        }
    ]


def test_path_must_not_be_empty_when_given(eng):
    assert _errors(eng, pools=[eng.pool("p", 1, 1, persistence={"path": ""})]) == [
        {
            "field": "spec.pools[0].persistence.path",
            "message": "path must be not empty when specified",
            "reason": "InvalidPoolSpec",
        }
    ]
    assert _errors(eng, pools=[eng.pool("p", 1, 1, persistence={"path": None})]) == []


def test_pool_names_must_be_unique(eng):
    errors = _errors(eng, pools=[eng.pool("a"), eng.pool("b"), eng.pool("a")])
    assert errors == [
        {"field": "spec.pools[2].name", "message": "duplicates pool name a", "reason": "InvalidPoolSpec"}
    ]


@pytest.mark.parametrize("name", ["", "A", "-a", "a-", "a_b", "a.b", "p" * 64])
def test_pool_name_must_be_a_dns_label(eng, name):
    errors = _errors(eng, pools=[eng.pool(name, 1, 1)])
    assert "spec.pools[0].name" in eng.fields(errors)
    assert eng.reasons(errors) == {"InvalidPoolSpec"}


@pytest.mark.parametrize("name", ["0", "9pool", "p" * 40, "a-b-c"])
def test_valid_pool_names(eng, name):
    assert _errors(eng, name="t", pools=[eng.pool(name, 1, 1)]) == []


def test_peer_dns_label_limit(eng):
    # len(t)+1+len(p)+1+digits(S-1) <= 63: 40+1+21+1+1 = 64 with S=10 (t-p is 62, so the
    # StatefulSet rule below would refuse it too; the spec's rule is reported first).
    tenant, pool = "t" * 40, "p" * 21
    errors = _errors(eng, name=tenant, pools=[eng.pool(pool, 10, 1)])
    assert errors == [
        {
            "field": "spec.pools[0].name",
            "message": f"pod names {tenant}-{pool}-<ordinal> would be 64 characters; "
            "a peer DNS label allows 63: shorten the tenant or pool name",
            "reason": "InvalidPoolSpec",
        }
    ]


def test_peer_dns_label_limit_is_checked_per_pool(eng):
    errors = _errors(eng, name="t" * 40, pools=[eng.pool("ok", 2, 1), eng.pool("p" * 21, 2, 1)])
    assert eng.fields(errors) == ["spec.pools[1].name"]


def test_statefulset_name_limit_of_52(eng):
    # Measured: kube-apiserver refuses pods of a StatefulSet named longer than 52 characters.
    assert _errors(eng, name="t" * 40, pools=[eng.pool("p" * 11, 2, 1)]) == []
    errors = _errors(eng, name="t" * 40, pools=[eng.pool("p" * 12, 2, 1)])
    assert errors == [
        {
            "field": "spec.pools[0].name",
            "message": f"StatefulSet name {'t' * 40}-{'p' * 12} is 53 characters; Kubernetes cannot create the "
            "pods of a StatefulSet named longer than 52 (its pods' controller-revision-hash label adds 11): "
            "shorten the tenant or pool name",
            "reason": "InvalidPoolSpec",
        }
    ]


def test_peer_dns_label_not_checked_without_a_tenant_name(eng):
    doc = eng.tenant(pools=[eng.pool("p" * 63, 1, 1)])
    doc["metadata"]["name"] = ""
    assert eng.fields(eng.errors(doc)) == ["metadata.name"]


def test_semantic_rules_wait_for_a_well_formed_document(eng):
    # A type error stops the check before the pool rules (they assume the schema's shapes).
    errors = _errors(eng, pools=[eng.pool("a", "2", 1), eng.pool("a", 0, 1)])
    assert errors == [
        {"field": "spec.pools[0].servers", "message": "must be of type integer", "reason": "InvalidPoolSpec"}
    ]


# --- env (§4) -------------------------------------------------------------------------------------


def test_kms_variables_in_env_are_refused(eng):
    errors = _errors(
        eng,
        env=[
            {"name": "RUST_LOG", "value": "info"},
            {"name": "RUSTFS_KMS_BACKEND", "value": "vault"},
            {"name": "RUSTFS_KMSX", "value": "not a KMS variable"},
            {"name": "RUSTFS_KMS_", "value": ""},
        ],
    )
    assert errors == [
        {
            "field": "spec.env[1].name",
            "message": "RUSTFS_KMS_BACKEND: KMS settings are managed through spec.encryption, not env",
            "reason": "KmsConfigInvalid",
        },
        {
            "field": "spec.env[3].name",
            "message": "RUSTFS_KMS_: KMS settings are managed through spec.encryption, not env",
            "reason": "KmsConfigInvalid",
        },
    ]


def test_other_operator_variables_in_env_are_allowed(eng):
    env = [
        {"name": n, "value": "x"}
        for n in ("RUSTFS_ADDRESS", "RUSTFS_ACCESS_KEY", "RUSTFS_RPC_SECRET", "A", "A")
    ]
    assert _errors(eng, env=env) == []


# --- secret references (§5) ---------------------------------------------------------------------


def test_creds_secret_name_must_not_be_empty(eng):
    for name in ("", "   "):
        assert _errors(eng, credsSecret={"name": name}) == [
            {
                "field": "spec.credsSecret.name",
                "message": "must not be empty",
                "reason": "CredentialSecretNotFound",
            }
        ]
    assert _errors(eng, credsSecret={"name": "admin"}) == []


def test_rpc_secret_reference_must_not_be_blank(eng):
    assert _errors(eng, rpcSecret={"name": " ", "key": "\t"}) == [
        {
            "field": "spec.rpcSecret.name",
            "message": "must not be blank",
            "reason": "RpcSecretInvalidReference",
        },
        {
            "field": "spec.rpcSecret.key",
            "message": "must not be blank",
            "reason": "RpcSecretInvalidReference",
        },
    ]
    assert _errors(eng, rpcSecret={"name": "rpc", "key": "token"}) == []


def test_rpc_secret_needs_both_fields(eng):
    # The schema's own rule: {name, key} both required and non-empty.
    assert {e["field"] for e in _errors(eng, rpcSecret={"name": "rpc"})} == {"spec.rpcSecret.key"}
    assert {e["field"] for e in _errors(eng, rpcSecret={"name": "", "key": "k"})} == {"spec.rpcSecret.name"}


# --- encryption (§9.3) --------------------------------------------------------------------------


def _single(eng, **spec):
    return eng.errors(eng.tenant(pools=[eng.pool("p", 1, 1)], **spec))


def test_encryption_disabled_is_not_checked(eng):
    assert _errors(eng, encryption={"enabled": False, "backend": "vault"}) == []
    assert _errors(eng, encryption={"backend": "local", "local": {"keyDirectory": "relative"}}) == []


def test_local_backend_needs_a_master_key_or_insecure_defaults(eng):
    # CEL: !enabled || backend != 'local' || (has(local) && (has(masterKeySecretRef) || allowInsecureDevDefaults))
    expected = [
        {
            "field": "spec.encryption.local",
            "message": "the local backend needs masterKeySecretRef or allowInsecureDevDefaults: true",
            "reason": "KmsConfigInvalid",
        }
    ]
    assert _single(eng, encryption={"enabled": True}) == expected
    assert _single(eng, encryption={"enabled": True, "backend": "local", "local": {}}) == expected
    assert (
        _single(eng, encryption={"enabled": True, "local": {"allowInsecureDevDefaults": False}}) == expected
    )
    assert _single(eng, encryption={"enabled": True, "local": {"allowInsecureDevDefaults": True}}) == []
    assert (
        _single(eng, encryption={"enabled": True, "local": {"masterKeySecretRef": {"name": "m", "key": "k"}}})
        == []
    )


def test_local_backend_master_key_reference_not_blank(eng):
    errors = _single(
        eng, encryption={"enabled": True, "local": {"masterKeySecretRef": {"name": " ", "key": "k"}}}
    )
    assert errors == [
        {
            "field": "spec.encryption.local.masterKeySecretRef",
            "message": "name and key must not be empty",
            "reason": "KmsConfigInvalid",
        }
    ]


@pytest.mark.parametrize("pools", [[(2, 1)], [(1, 2), (1, 2)], [(1, 4), (3, 1)]])
def test_local_backend_needs_exactly_one_server(eng, pools):
    total = sum(s for s, _ in pools)
    doc = eng.tenant(
        pools=[eng.pool(f"p{i}", s, v) for i, (s, v) in enumerate(pools)],
        encryption={"enabled": True, "local": {"allowInsecureDevDefaults": True}},
    )
    assert eng.errors(doc) == [
        {
            "field": "spec.encryption.backend",
            "message": f"the local backend keeps keys on one server's disk; this tenant has {total} servers: use vault",
            "reason": "KmsConfigInvalid",
        }
    ]


def test_local_backend_with_one_server_and_several_disks(eng):
    doc = eng.tenant(
        pools=[eng.pool("p", 1, 4)], encryption={"enabled": True, "local": {"allowInsecureDevDefaults": True}}
    )
    assert eng.errors(doc) == []


def _key_dir(eng, directory, path=None, volumes=2):
    persistence = {} if path is None else {"path": path}
    return eng.errors(
        eng.tenant(
            pools=[eng.pool("p", 1, volumes, persistence=persistence)],
            encryption={
                "enabled": True,
                "local": {"allowInsecureDevDefaults": True, "keyDirectory": directory},
            },
        )
    )


@pytest.mark.parametrize(
    ("directory", "path"),
    [
        ("/data/rustfs0/.kms-keys", None),
        ("/data/rustfs1/keys/", None),
        ("/data/rustfs0/a/b", None),
        ("/mnt/x/rustfs0/keys", "/mnt/x/"),
    ],
)
def test_key_directory_inside_a_data_mount(eng, directory, path):
    assert _key_dir(eng, directory, path) == []


@pytest.mark.parametrize(
    ("directory", "message"),
    [
        ("keys", "must be absolute"),
        ("data/rustfs0/keys", "must be absolute"),
        ("/data/kms-keys", "must not be /data/kms-keys"),
        ("/data/kms-keys/", "must not be /data/kms-keys"),
        ("/data/rustfs0", "must be inside a data volume (/data/rustfs0, /data/rustfs1)"),
        ("/data/rustfs0/", "must be inside a data volume (/data/rustfs0, /data/rustfs1)"),
        ("/data/rustfs0/.", "must be inside a data volume (/data/rustfs0, /data/rustfs1)"),
        ("/data/rustfs00/keys", "must be inside a data volume (/data/rustfs0, /data/rustfs1)"),
        ("/data/rustfs2/keys", "must be inside a data volume (/data/rustfs0, /data/rustfs1)"),
        ("/data/rustfs0/../keys", "must be inside a data volume (/data/rustfs0, /data/rustfs1)"),
        ("/data/rustfs0/keys/../../etc", "must be inside a data volume (/data/rustfs0, /data/rustfs1)"),
        ("/var/keys", "must be inside a data volume (/data/rustfs0, /data/rustfs1)"),
    ],
)
def test_key_directory_rules(eng, directory, message):
    assert _key_dir(eng, directory) == [
        {"field": "spec.encryption.local.keyDirectory", "message": message, "reason": "KmsConfigInvalid"}
    ]


def test_vault_backend(eng):
    base = {"enabled": True, "backend": "vault"}
    good = {**base, "vault": {"endpoint": "https://vault:8200"}, "kmsSecret": {"name": "vault"}}
    # Vault has no single-server rule and ignores the local settings.
    assert (
        _errors(eng, pools=[eng.pool("p", 4, 2)], encryption={**good, "local": {"keyDirectory": "x"}}) == []
    )
    assert _errors(eng, encryption=base) == [
        {
            "field": "spec.encryption.vault.endpoint",
            "message": "must not be empty",
            "reason": "KmsConfigInvalid",
        },
        {
            "field": "spec.encryption.kmsSecret.name",
            "message": "is required for the vault backend: name a Secret with the key vault-token",
            "reason": "KmsConfigInvalid",
        },
    ]
    errors = _errors(eng, encryption={**good, "vault": {"endpoint": "  "}})
    assert eng.fields(errors) == ["spec.encryption.vault.endpoint"]
    # A blank name is no reference either.
    errors = _errors(eng, encryption={**good, "kmsSecret": {"name": " "}})
    assert [(e["field"], e["reason"]) for e in errors] == [("spec.encryption.kmsSecret.name", "KmsConfigInvalid")]


def test_unknown_backend_is_a_schema_error(eng):
    errors = _errors(eng, encryption={"enabled": True, "backend": "hsm"})
    assert errors == [
        {
            "field": "spec.encryption.backend",
            "message": "must be one of: local, vault",
            "reason": "InvalidSpec",
        }
    ]


# --- provisioning (§9.4) ------------------------------------------------------------------------


def test_users_need_a_policy(eng):
    errors = _errors(eng, users=[{"name": "alice", "policies": ["readwrite"]}, {"name": "bob"}])
    assert errors == [
        {
            "field": "spec.users[1].policies",
            "message": "every user needs at least one policy",
            "reason": "InvalidSpec",
        }
    ]
    # An empty list is refused by the schema (minItems 1).
    assert eng.fields(_errors(eng, users=[{"name": "bob", "policies": []}])) == ["spec.users[0].policies"]


def test_users_need_their_own_secret(eng):
    users = [
        {"name": "alice", "policies": ["p"]},
        {"name": "bob", "policies": ["p"], "credsSecret": {"name": "alice"}},
        {"name": "carol", "policies": ["p"], "credsSecret": {"name": "carol-keys"}},
    ]
    errors = _errors(eng, users=users)
    assert errors == [
        {
            "field": f"spec.users[{i}].credsSecret",
            "message": "Secret alice is used by more than one user",
            "reason": "InvalidSpec",
        }
        for i in (0, 1)
    ]


def test_distinct_user_secrets(eng):
    users = [
        {"name": "alice", "policies": ["p"]},
        {"name": "bob", "policies": ["p"], "credsSecret": {"name": "bob-keys"}},
    ]
    assert _errors(eng, users=users, policies=[]) == []


@pytest.mark.parametrize("name", ["rustfs", "192.168.1.1", "10.0.0.255", "a..b", "a.-b", "a-.b"])
def test_bucket_name_cel_rules(eng, name):
    errors = _errors(eng, buckets=[{"name": "fine-bucket"}, {"name": name}])
    assert eng.fields(errors) == ["spec.buckets[1].name"]
    assert eng.reasons(errors) == {"InvalidSpec"}
    assert "valid S3 bucket name" in errors[0]["message"]


@pytest.mark.parametrize("name", ["ab", "-ab", "Abc", "a_b", "a" * 64])
def test_bucket_name_schema_rules(eng, name):
    errors = _errors(eng, buckets=[{"name": name}])
    # Possibly two messages (length and pattern), always on the one field.
    assert set(eng.fields(errors)) == {"spec.buckets[0].name"}


@pytest.mark.parametrize("name", ["abc", "my-bucket.data", "1.2.3", "rustfs-data", "a" * 63, "192.168.1.1a"])
def test_valid_bucket_names(eng, name):
    assert _errors(eng, buckets=[{"name": name, "objectLock": True}]) == []


# --- TLS (§9.1): the rules themselves are in test_tls_validation.py --------------------------------


def test_tls_external_mode_is_reserved(eng):
    errors = _errors(eng, tls={"mode": "external"})
    assert eng.fields(errors) == ["spec.tls.mode"]
    assert eng.reasons(errors) == {"CertificateSecretNotFound"}


def test_tls_cert_manager_mode_with_a_secret_is_accepted(eng):
    assert _errors(eng, tls={"mode": "certManager", "certManager": {"secretName": "tls"}}) == []


def test_disabled_tls_is_accepted(eng):
    assert _errors(eng, tls={"mode": "disabled", "enableInternodeHttps": True}) == []
    assert _errors(eng, tls={}) == []


# --- several rules at once -----------------------------------------------------------------------


def test_errors_of_every_rule_are_reported_together(eng):
    doc = eng.tenant(
        "t",
        pools=[eng.pool("p", 0, 1), eng.pool("p", 1, 1)],
        env=[{"name": "RUSTFS_KMS_X", "value": "1"}],
        credsSecret={"name": ""},
        buckets=[{"name": "rustfs"}],
        tls={"mode": "external"},
        image="rustfs/rustfs:1.0.0-beta.1",
    )
    assert eng.fields(eng.errors(doc)) == [
        "spec.pools[0].servers",
        "spec.pools[1].name",
        "spec.env[0].name",
        "spec.credsSecret.name",
        "spec.buckets[0].name",
        "spec.tls.mode",
        "spec.image",
    ]


def test_null_fields_are_ignored(eng):
    doc = eng.tenant(image=None, env=None, credsSecret=None, encryption=None)
    assert eng.errors(doc) == []


def test_validation_does_not_modify_the_document(eng):
    doc = eng.tenant(image=None, pools=[eng.pool("p", 0, 1)])
    before = repr(doc)
    validate_tenant(doc)
    assert repr(doc) == before
