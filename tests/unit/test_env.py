"""env.py: the RustFS container environment, its order and override rules (tenant-api.md §6.5, §9.3)."""

from __future__ import annotations

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils.env import container_env, kms_env
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant

VOLUMES = "http://t-p-{0...1}.t-hl.n.svc.cluster.local:9000/data/rustfs{0...1}"
BASE = [
    {"name": "RUSTFS_VOLUMES", "value": VOLUMES},
    {"name": "RUSTFS_ADDRESS", "value": "0.0.0.0:9000"},
    {"name": "RUSTFS_CONSOLE_ADDRESS", "value": "0.0.0.0:9001"},
    {"name": "RUSTFS_CONSOLE_ENABLE", "value": "true"},
]
# `optional: false` on the credentials, as the RustFS operator renders them (issue 14: equal pod templates).
ACCESS = {
    "name": "RUSTFS_ACCESS_KEY",
    "valueFrom": {"secretKeyRef": {"name": "admin", "key": "accesskey", "optional": False}},
}
SECRET = {
    "name": "RUSTFS_SECRET_KEY",
    "valueFrom": {"secretKeyRef": {"name": "admin", "key": "secretkey", "optional": False}},
}
RPC = {"name": "RUSTFS_RPC_SECRET", "valueFrom": {"secretKeyRef": {"name": "rpc", "key": "token"}}}


def _tenant(eng, **spec):
    return eng.tenant("t", "n", pools=[eng.pool("p", 2, 2)], **spec)


def _env(eng, **spec):
    """The env of the rendered (validated) StatefulSet; the same list on every pool."""
    statefulsets = eng.statefulsets(eng.render(_tenant(eng, **spec)))
    assert len(statefulsets) == 1
    return eng.env(statefulsets[0])


def test_operator_variables_in_order(eng):
    assert _env(eng) == BASE


def test_credentials_secret_adds_both_keys_after_the_addresses(eng):
    assert _env(eng, credsSecret={"name": "admin"}) == [*BASE, ACCESS, SECRET]


def test_rpc_secret_after_the_credentials(eng):
    assert _env(eng, credsSecret={"name": "admin"}, rpcSecret={"name": "rpc", "key": "token"}) == [
        *BASE,
        ACCESS,
        SECRET,
        RPC,
    ]
    assert _env(eng, rpcSecret={"name": "rpc", "key": "token"}) == [*BASE, RPC]


def test_user_variables_follow_in_order(eng):
    user = [
        {"name": "RUST_LOG", "value": "debug"},
        {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
        {"name": "EMPTY"},
    ]
    assert _env(eng, env=user) == [*BASE, *user]


def test_user_variable_replaces_an_operator_one_and_moves_to_the_end(eng):
    env = _env(eng, credsSecret={"name": "admin"}, env=[{"name": "RUSTFS_ADDRESS", "value": ":9100"}])
    assert env == [BASE[0], BASE[2], BASE[3], ACCESS, SECRET, {"name": "RUSTFS_ADDRESS", "value": ":9100"}]


def test_user_may_override_the_credential_variables(eng):
    own = {"name": "RUSTFS_ACCESS_KEY", "valueFrom": {"secretKeyRef": {"name": "other", "key": "ak"}}}
    env = _env(eng, credsSecret={"name": "admin"}, env=[own])
    assert env == [*BASE, SECRET, own]


def test_duplicate_user_variables_keep_the_last_one_at_its_position(eng):
    env = _env(
        eng,
        env=[
            {"name": "A", "value": "1"},
            {"name": "B", "value": "2"},
            {"name": "A", "value": "3"},
        ],
    )
    assert env == [*BASE, {"name": "B", "value": "2"}, {"name": "A", "value": "3"}]
    assert [v["name"] for v in env].count("A") == 1


def test_without_tls_a_user_may_set_rustfs_volumes_and_tls_variables(eng):
    env = _env(
        eng, env=[{"name": "RUSTFS_VOLUMES", "value": "/x"}, {"name": "RUSTFS_TLS_PATH", "value": "/t"}]
    )
    assert env == [
        *BASE[1:],
        {"name": "RUSTFS_VOLUMES", "value": "/x"},
        {"name": "RUSTFS_TLS_PATH", "value": "/t"},
    ]


def test_user_rpc_secret_is_kept_without_rpc_secret_and_dropped_with_it(eng):
    own = {"name": "RUSTFS_RPC_SECRET", "value": "from-env"}
    assert _env(eng, env=[own]) == [*BASE, own]
    assert _env(eng, rpcSecret={"name": "rpc", "key": "token"}, env=[own]) == [*BASE, RPC]


def test_user_kms_variables_are_dropped(eng):
    # Validation refuses them (test_validation); the renderer drops them as well (§6.5 item 6).
    doc = _tenant(eng, env=[{"name": "RUSTFS_KMS_ENABLE", "value": "true"}, {"name": "KEEP", "value": "1"}])
    env = container_env(parse_tenant(doc))
    assert env == [*BASE, {"name": "KEEP", "value": "1"}]


def test_with_tls_the_user_cannot_set_volumes_or_tls_variables(eng):
    names = [
        "RUSTFS_VOLUMES",
        "RUSTFS_TLS_PATH",
        "RUSTFS_TRUST_SYSTEM_CA",
        "RUSTFS_TRUST_LEAF_CERT_AS_CA",
        "RUSTFS_SERVER_MTLS_ENABLE",
    ]
    user = [{"name": name, "value": "x"} for name in names] + [{"name": "RUSTFS_ADDRESS", "value": ":1"}]
    env = _env(eng, tls={"mode": "certManager", "certManager": {"secretName": "tls"}}, env=user)
    tls_path = {"name": "RUSTFS_TLS_PATH", "value": "/var/run/rustfs/tls"}
    assert env == [BASE[0], tls_path, BASE[2], BASE[3], {"name": "RUSTFS_ADDRESS", "value": ":1"}]


def test_env_does_not_modify_the_spec(eng):
    user = [{"name": "A", "value": "1"}]
    doc = _tenant(eng, env=user)
    env = container_env(parse_tenant(doc))
    env[-1]["value"] = "changed"
    assert user == [{"name": "A", "value": "1"}]


# --- KMS (§9.3): appended after the user's variables -----------------------------------------


def test_no_kms_variables_unless_enabled(eng):
    assert kms_env(parse_tenant(_tenant(eng))) == []
    assert kms_env(parse_tenant(_tenant(eng, encryption={"enabled": False, "backend": "vault"}))) == []


def test_vault_backend(eng):
    env = _env(
        eng,
        env=[{"name": "RUST_LOG", "value": "info"}],
        encryption={
            "enabled": True,
            "backend": "vault",
            "vault": {"endpoint": "https://vault:8200"},
            "kmsSecret": {"name": "vault-creds"},
            "defaultKeyId": "key-1",
        },
    )
    assert env == [
        *BASE,
        {"name": "RUST_LOG", "value": "info"},
        {"name": "RUSTFS_KMS_ENABLE", "value": "true"},
        {"name": "RUSTFS_KMS_BACKEND", "value": "vault"},
        {"name": "RUSTFS_KMS_VAULT_ADDRESS", "value": "https://vault:8200"},
        {
            "name": "RUSTFS_KMS_VAULT_TOKEN",
            "valueFrom": {"secretKeyRef": {"name": "vault-creds", "key": "vault-token"}},
        },
        {"name": "RUSTFS_KMS_DEFAULT_KEY_ID", "value": "key-1"},
    ]


def test_vault_backend_without_token_secret_renders_no_token(eng):
    # Validation refuses this tenant (KmsConfigInvalid); the builder still does not invent a Secret.
    doc = _tenant(eng, encryption={"enabled": True, "backend": "vault", "vault": {"endpoint": "https://v"}})
    assert kms_env(parse_tenant(doc)) == [
        {"name": "RUSTFS_KMS_ENABLE", "value": "true"},
        {"name": "RUSTFS_KMS_BACKEND", "value": "vault"},
        {"name": "RUSTFS_KMS_VAULT_ADDRESS", "value": "https://v"},
    ]


def _single(eng, **spec):
    return eng.tenant("t", "n", pools=[eng.pool("p", 1, 1, **spec.pop("pool", {}))], **spec)


def test_local_backend_with_master_key(eng):
    doc = _single(
        eng,
        encryption={"enabled": True, "local": {"masterKeySecretRef": {"name": "mk", "key": "master"}}},
    )
    env = eng.env(eng.statefulsets(eng.render(doc))[0])
    assert env[-4:] == [
        {"name": "RUSTFS_KMS_ENABLE", "value": "true"},
        {"name": "RUSTFS_KMS_BACKEND", "value": "local"},
        # Default key directory: <first pool path>/rustfs0/.kms-keys.
        {"name": "RUSTFS_KMS_KEY_DIR", "value": "/data/rustfs0/.kms-keys"},
        {
            "name": "RUSTFS_KMS_LOCAL_MASTER_KEY",
            "valueFrom": {"secretKeyRef": {"name": "mk", "key": "master"}},
        },
    ]


def test_local_backend_insecure_dev_defaults_and_custom_directory(eng):
    doc = _single(
        eng,
        pool={"persistence": {"path": "/mnt/"}},
        encryption={
            "enabled": True,
            "backend": "local",
            "local": {"allowInsecureDevDefaults": True, "keyDirectory": "/mnt/rustfs0/keys"},
            "defaultKeyId": "k",
        },
    )
    assert kms_env(parse_tenant(doc)) == [
        {"name": "RUSTFS_KMS_ENABLE", "value": "true"},
        {"name": "RUSTFS_KMS_BACKEND", "value": "local"},
        {"name": "RUSTFS_KMS_KEY_DIR", "value": "/mnt/rustfs0/keys"},
        {"name": "RUSTFS_KMS_ALLOW_INSECURE_DEV_DEFAULTS", "value": "true"},
        {"name": "RUSTFS_KMS_DEFAULT_KEY_ID", "value": "k"},
    ]


def test_default_key_directory_follows_the_first_pool_path(eng):
    doc = _single(
        eng,
        pool={"persistence": {"path": "/srv/"}},
        encryption={"enabled": True, "local": {"allowInsecureDevDefaults": True}},
    )
    env = kms_env(parse_tenant(doc))
    assert {"name": "RUSTFS_KMS_KEY_DIR", "value": "/srv/rustfs0/.kms-keys"} in env


@pytest.mark.parametrize("allowed", [False, "true"])
def test_insecure_dev_defaults_only_when_literally_true(eng, allowed):
    doc = _single(
        eng,
        encryption={
            "enabled": True,
            "local": {"allowInsecureDevDefaults": allowed, "masterKeySecretRef": {"name": "mk", "key": "k"}},
        },
    )
    names = [v["name"] for v in kms_env(parse_tenant(doc))]
    assert "RUSTFS_KMS_ALLOW_INSECURE_DEV_DEFAULTS" not in names
