"""Checks of the Secrets a Tenant references (spec §5; issue 4 item 3).

Every verdict names the Secret and the key; no value ever leaves the module, so
the tests plant distinctive values and search every message for their bytes.
"""

from __future__ import annotations

import base64
import json

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils.credentials import (
    check_credentials_secret,
    check_rpc_secret,
)
from ansible_collections.rustfs.operator.plugins.module_utils.events import planned_events
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


# --- no value ever leaves the module --------------------------------------------------------------

PLANTED = [ACCESS, SECRET, SHORT, b"rustfsadmin", b"Rpc-Planted-Value-3K"]


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
    ]
    verdicts = [error for case in cases for error in case]
    assert len(verdicts) == 11  # every case above produced its verdicts
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
