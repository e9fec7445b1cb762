"""Checks of the Secrets a Tenant references (spec §5; issue 4 item 3).

Every verdict names the Secret and the key; no value ever leaves the module, so
the tests plant distinctive values and search every message for their bytes.
"""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace
from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import NotFoundError

from ansible_collections.rustfs.operator.plugins.module_utils.credentials import (
    KmsSecretRef,
    check_credentials_secret,
    check_kms_secret,
    check_rpc_secret,
    kms_secret_ref,
)
from ansible_collections.rustfs.operator.plugins.module_utils.events import planned_events
from ansible_collections.rustfs.operator.plugins.module_utils.live import read_state
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.status import tenant_status

ACCESS = b"Acc3ss-Planted-Value-7Q"
SECRET = b"S3cr3t-Planted-Value-9Z"
SHORT = b"Zq9#xW"  # 6 bytes


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def secret(**data: bytes | str | None) -> dict:
    """A Secret as the API returns it: values base64-encoded under `data`; str values are taken as already encoded."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "creds", "namespace": "ns"},
        "data": {k: (b64(v) if isinstance(v, bytes) else v) for k, v in data.items()},
    }


# --- credsSecret ----------------------------------------------------------------------------------


def test_valid_credentials_pass():
    assert check_credentials_secret("creds", secret(accesskey=ACCESS, secretkey=SECRET)) == []


def test_exactly_eight_bytes_is_enough():
    assert check_credentials_secret("creds", secret(accesskey=b"12345678", secretkey=b"abcdefgh")) == []


def test_length_is_counted_in_bytes_not_characters():
    # "éééé" is 4 characters but 8 UTF-8 bytes: long enough; "ééé" is 6 bytes: too short.
    assert check_credentials_secret("creds", secret(accesskey="éééé".encode(), secretkey=SECRET)) == []
    errors = check_credentials_secret("creds", secret(accesskey="ééé".encode(), secretkey=SECRET))
    assert [e["reason"] for e in errors] == ["CredentialSecretTooShort"]


def test_extra_keys_are_ignored():
    assert check_credentials_secret("creds", secret(accesskey=ACCESS, secretkey=SECRET, other=b"x")) == []


def test_missing_secret():
    assert check_credentials_secret("creds", None) == [
        {
            "field": "spec.credsSecret",
            "message": "Secret creds not found in the tenant's namespace",
            "reason": "CredentialSecretNotFound",
        }
    ]


@pytest.mark.parametrize(
    ("data", "missing"),
    [
        ({"secretkey": SECRET}, ["accesskey"]),
        ({"accesskey": ACCESS}, ["secretkey"]),
        ({}, ["accesskey", "secretkey"]),
        ({"AccessKey": ACCESS, "SECRETKEY": SECRET}, ["accesskey", "secretkey"]),  # key names are exact
    ],
)
def test_missing_key_names_the_secret_and_the_key(data, missing):
    errors = check_credentials_secret("creds", secret(**data))
    assert [e["reason"] for e in errors] == ["CredentialSecretMissingKey"] * len(missing)
    assert [e["field"] for e in errors] == ["spec.credsSecret"] * len(missing)
    for error, key in zip(errors, missing, strict=True):
        assert "creds" in error["message"]
        assert key in error["message"]


def test_secret_without_data_misses_both_keys():
    errors = check_credentials_secret("creds", {"metadata": {"name": "creds"}})
    assert [e["reason"] for e in errors] == ["CredentialSecretMissingKey", "CredentialSecretMissingKey"]


@pytest.mark.parametrize("raw", [b"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", b"abcdefgh\x80"])
def test_invalid_utf8(raw):
    errors = check_credentials_secret("creds", secret(accesskey=ACCESS, secretkey=raw))
    assert len(errors) == 1
    assert errors[0]["reason"] == "CredentialSecretInvalidEncoding"
    assert errors[0]["field"] == "spec.credsSecret"
    assert "creds" in errors[0]["message"] and "secretkey" in errors[0]["message"]


def test_undecodable_base64_is_an_encoding_problem():
    errors = check_credentials_secret("creds", secret(accesskey="not base64 !!", secretkey=b64(SECRET)))
    assert [(e["reason"], "accesskey" in e["message"]) for e in errors] == [("CredentialSecretInvalidEncoding", True)]


@pytest.mark.parametrize("raw", [b"", b"1234567", SHORT])
def test_too_short(raw):
    errors = check_credentials_secret("creds", secret(accesskey=raw, secretkey=SECRET))
    assert len(errors) == 1
    assert errors[0]["reason"] == "CredentialSecretTooShort"
    assert errors[0]["field"] == "spec.credsSecret"
    assert "creds" in errors[0]["message"] and "accesskey" in errors[0]["message"]
    assert "8" in errors[0]["message"]  # says what is required


def test_null_value_is_too_short():
    errors = check_credentials_secret("creds", secret(accesskey=None, secretkey=b64(SECRET)))
    assert [e["reason"] for e in errors] == ["CredentialSecretTooShort"]


def test_each_key_reported_once_with_its_own_problem():
    errors = check_credentials_secret("creds", secret(accesskey=SHORT))
    assert [(e["reason"], e["message"].split(" key ")[-1].split()[0]) for e in errors] == [
        ("CredentialSecretTooShort", "accesskey"),
        ("CredentialSecretMissingKey", "secretkey"),
    ]


def test_too_short_message_does_not_reveal_the_length():
    # "Not even a length": two different short values give the same message.
    one = check_credentials_secret("creds", secret(accesskey=b"a", secretkey=SECRET))
    five = check_credentials_secret("creds", secret(accesskey=b"abcde", secretkey=SECRET))
    assert one == five


# --- rpcSecret ------------------------------------------------------------------------------------


def rpc(value: bytes | str | None, key: str = "internode-key") -> dict:
    return secret(**{key: value})


def test_valid_rpc_secret_passes():
    assert check_rpc_secret("rpc-auth", "internode-key", rpc(b"a-strong-internode-secret")) == []
    # Any non-blank value other than the default passes (no minimum length in spec §5).
    assert check_rpc_secret("rpc-auth", "internode-key", rpc(b"x")) == []
    assert check_rpc_secret("rpc-auth", "internode-key", rpc(b"rustfsadmin2")) == []


def test_rpc_secret_not_found():
    assert check_rpc_secret("rpc-auth", "internode-key", None) == [
        {
            "field": "spec.rpcSecret",
            "message": "Secret rpc-auth not found in the tenant's namespace",
            "reason": "RpcSecretNotFound",
        }
    ]


def test_rpc_secret_missing_key():
    errors = check_rpc_secret("rpc-auth", "token", rpc(b"a-strong-internode-secret"))
    assert [(e["field"], e["reason"]) for e in errors] == [("spec.rpcSecret", "RpcSecretMissingKey")]
    assert "rpc-auth" in errors[0]["message"] and "token" in errors[0]["message"]


@pytest.mark.parametrize("value", [b"\xff\xfe-internode", "%%%not-base64"])
def test_rpc_secret_invalid_encoding(value):
    errors = check_rpc_secret("rpc-auth", "internode-key", rpc(value))
    assert [(e["field"], e["reason"]) for e in errors] == [("spec.rpcSecret", "RpcSecretInvalidEncoding")]
    assert "rpc-auth" in errors[0]["message"] and "internode-key" in errors[0]["message"]


@pytest.mark.parametrize(
    "value",
    [b"", b"   ", b"\t\n", b"secret\x00value", b"rustfsadmin", b"  rustfsadmin\n"],
)
def test_rpc_secret_invalid_value(value):
    errors = check_rpc_secret("rpc-auth", "internode-key", rpc(value))
    assert [(e["field"], e["reason"]) for e in errors] == [("spec.rpcSecret", "RpcSecretInvalidValue")]
    assert "rpc-auth" in errors[0]["message"] and "internode-key" in errors[0]["message"]


# --- the KMS Secrets of spec.encryption (spec 9.3) -------------------------------------------------

VAULT = KmsSecretRef("spec.encryption.kmsSecret", "vault-kms", "vault-token", value_checked=False)
MASTER = KmsSecretRef("spec.encryption.local.masterKeySecretRef", "local-kms", "master-key", value_checked=True)
TOKEN = b"Vault-Planted-Token-5M"
MASTER_KEY = b"Master-Planted-Key-8P"


@pytest.mark.parametrize(
    ("encryption", "expected"),
    [
        (None, None),
        ({"enabled": False, "backend": "vault", "kmsSecret": {"name": "vault-kms"}}, None),
        ({"enabled": True, "backend": "vault", "kmsSecret": {"name": "vault-kms"}}, VAULT),
        # Without a usable reference there is nothing to read: validation refuses it (KmsConfigInvalid).
        ({"enabled": True, "backend": "vault"}, None),
        ({"enabled": True, "backend": "vault", "kmsSecret": {"name": " "}}, None),
        ({"enabled": True, "local": {"masterKeySecretRef": {"name": "local-kms", "key": "master-key"}}}, MASTER),
        (
            {
                "enabled": True,
                "backend": "local",
                "local": {"masterKeySecretRef": {"name": "local-kms", "key": "master-key"}},
            },
            MASTER,
        ),
        ({"enabled": True, "local": {"masterKeySecretRef": {"name": "local-kms", "key": " "}}}, None),
        ({"enabled": True, "local": {"allowInsecureDevDefaults": True}}, None),
        # The local backend ignores kmsSecret; the vault backend ignores the local master key.
        ({"enabled": True, "kmsSecret": {"name": "vault-kms"}, "local": {"allowInsecureDevDefaults": True}}, None),
        (
            {"enabled": True, "backend": "vault", "local": {"masterKeySecretRef": {"name": "local-kms", "key": "k"}}},
            None,
        ),
    ],
)
def test_the_kms_secret_the_spec_references(encryption, expected):
    assert kms_secret_ref({} if encryption is None else {"encryption": encryption}) == expected


def test_valid_kms_secrets_pass():
    assert check_kms_secret(VAULT, secret(**{"vault-token": TOKEN})) == []
    # The vault token is only required to be there, as the RustFS operator checks it.
    assert check_kms_secret(VAULT, secret(**{"vault-token": b""})) == []
    assert check_kms_secret(MASTER, secret(**{"master-key": MASTER_KEY, "other": b"\xff"})) == []


@pytest.mark.parametrize("reference", [VAULT, MASTER])
def test_kms_secret_not_found(reference):
    assert check_kms_secret(reference, None) == [
        {
            "field": reference.field,
            "message": f"Secret {reference.name} not found in the tenant's namespace",
            "reason": "KmsSecretNotFound",
        }
    ]


@pytest.mark.parametrize("reference", [VAULT, MASTER])
def test_kms_secret_missing_key(reference):
    for found in (secret(other=TOKEN), {"metadata": {"name": reference.name}}):
        assert check_kms_secret(reference, found) == [
            {
                "field": reference.field,
                "message": f"Secret {reference.name} has no key {reference.key}",
                "reason": "KmsSecretMissingKey",
            }
        ]


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (b"\xff" + MASTER_KEY, "is not valid UTF-8"),
        ("%%%not-base64", "is not valid UTF-8"),
        (b" \n\t", "must not be blank"),
    ],
)
def test_a_master_key_must_be_utf8_and_not_blank(value, rule):
    assert check_kms_secret(MASTER, secret(**{"master-key": value})) == [
        {
            "field": "spec.encryption.local.masterKeySecretRef",
            "message": f"Secret local-kms key master-key {rule}",
            "reason": "KmsConfigInvalid",
        }
    ]


class Cluster:
    """The reads of read_state(): lists (empty), the Tenant (absent) and Secrets by name, each get recorded."""

    def __init__(self, *secrets: dict[str, Any]) -> None:
        self.secrets = {s["metadata"]["name"]: s for s in secrets}
        self.read: list[str] = []

    def resource(self, kind: str, api_version: str) -> Any:
        return SimpleNamespace(kind=kind)

    def get(self, resource: Any, name: str | None = None, namespace: str | None = None, **_: Any) -> Any:
        if name is None:
            return {"items": []}
        self.read.append(f"{resource.kind}/{name}")
        if resource.kind == "Secret" and name in self.secrets:
            return self.secrets[name]
        raise NotFoundError(ApiException(status=404))


def named(name: str, **data: bytes) -> dict[str, Any]:
    return {**secret(**data), "metadata": {"name": name, "namespace": "ns"}}


def test_the_reconcile_reads_the_kms_secret_and_returns_only_its_verdict():
    cluster = Cluster(named("local-kms", other=MASTER_KEY))
    state = read_state(cluster, "t", "ns", kms_secret=MASTER)
    assert "Secret/local-kms" in cluster.read
    assert state["problems"] == [
        {
            "field": "spec.encryption.local.masterKeySecretRef",
            "message": "Secret local-kms has no key master-key",
            "reason": "KmsSecretMissingKey",
        }
    ]
    assert MASTER_KEY.decode() not in json.dumps(state) and b64(MASTER_KEY) not in json.dumps(state)
    assert read_state(Cluster(), "t", "ns", kms_secret=VAULT)["problems"][0]["reason"] == "KmsSecretNotFound"
    assert (
        read_state(Cluster(named("vault-kms", **{"vault-token": TOKEN})), "t", "ns", kms_secret=VAULT)["problems"] == []
    )
    # No reference, no read.
    quiet = Cluster()
    assert read_state(quiet, "t", "ns")["problems"] == [] and not any(r.startswith("Secret/") for r in quiet.read)


# --- no value ever leaves the module --------------------------------------------------------------

PLANTED = [ACCESS, SECRET, SHORT, b"rustfsadmin", b"Rpc-Planted-Value-3K", TOKEN, MASTER_KEY]


def _all_verdicts() -> list[dict]:
    cases = [
        check_credentials_secret("creds", secret(accesskey=ACCESS, secretkey=SHORT)),
        check_credentials_secret("creds", secret(accesskey=SHORT)),
        check_credentials_secret("creds", secret(accesskey=b"\xff" + ACCESS, secretkey=SECRET + b"\xff")),
        check_credentials_secret("creds", secret(accesskey=b64(SECRET) + "!", secretkey=SHORT)),
        check_rpc_secret("rpc-auth", "internode-key", rpc(b"rustfsadmin")),
        check_rpc_secret("rpc-auth", "internode-key", rpc(b"Rpc-Planted-Value-3K\x00")),
        check_rpc_secret("rpc-auth", "internode-key", rpc(b"\xffRpc-Planted-Value-3K")),
        check_rpc_secret("rpc-auth", "other", rpc(b"Rpc-Planted-Value-3K")),
        check_kms_secret(VAULT, secret(other=TOKEN)),
        check_kms_secret(MASTER, secret(**{"master-key": b"\xff" + MASTER_KEY})),
        check_kms_secret(MASTER, secret(**{"other-key": MASTER_KEY})),
    ]
    verdicts = [error for case in cases for error in case]
    assert len(verdicts) == 14  # every case above produced its verdicts
    return verdicts


def test_no_secret_bytes_in_any_verdict():
    text = json.dumps(_all_verdicts())
    for value in PLANTED:
        assert value.decode("latin-1") not in text
        assert b64(value) not in text
        assert b64(value).rstrip("=")[:8] not in text  # not even a base64 prefix


def test_no_secret_bytes_in_the_status_or_events_built_from_them():
    problems = _all_verdicts()
    tenant = {
        "metadata": {"name": "t", "namespace": "ns", "generation": 1},
        "spec": {
            "credsSecret": {"name": "creds"},
            "rpcSecret": {"name": "rpc-auth", "key": "internode-key"},
            "encryption": {"enabled": True, "backend": "vault", "kmsSecret": {"name": "vault-kms"}},
            "pools": [{"name": "p", "servers": 2, "persistence": {"volumesPerServer": 1}}],
        },
    }
    status = tenant_status(parse_tenant(tenant), [], problems, None, "2025-01-01T00:00:00Z")
    events = planned_events({}, status, problems, [])
    assert status["currentState"] == "Blocked"
    assert len(events) == len(problems)
    text = json.dumps([status, events])
    for value in PLANTED:
        assert value.decode("latin-1") not in text
        assert b64(value) not in text
