# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Checks of the Secrets a Tenant references (spec 5, and the KMS Secrets of spec 9.3).

A pod started with a missing or malformed credential crash-loops with a
message only visible in its logs; checking first turns that into a clear,
named refusal. Only verdicts leave this module: never a value, not even a
length, so the results are safe to log and to put in status.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError, field_error
from ansible_collections.rustfs.operator.plugins.module_utils.model import as_dict

CREDENTIAL_KEYS = ("accesskey", "secretkey")
# The key of the vault backend's kmsSecret (RUSTFS_KMS_VAULT_TOKEN).
VAULT_TOKEN_KEY = "vault-token"
MIN_CREDENTIAL_BYTES = 8
RUSTFS_DEFAULT_SECRET = "rustfsadmin"


def _decode(secret: Mapping[str, Any], key: str) -> bytes | None:
    data = as_dict(secret.get("data"))
    if key not in data:
        return None
    try:
        return base64.b64decode(str(data[key] or ""), validate=True)
    except (binascii.Error, ValueError):
        return b"\xff"  # undecodable base64 is reported like undecodable UTF-8


def secret_data(secret: Mapping[str, Any] | None, key: str) -> bytes | None:
    """A Secret value as bytes (None when absent or not base64)."""
    value = as_dict(as_dict(secret).get("data")).get(key)
    if value is None:
        return None
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        return None


def check_credentials_secret(name: str, secret: Mapping[str, Any] | None) -> list[FieldError]:
    field = "spec.credsSecret"
    if secret is None:
        return [field_error(field, f"Secret {name} not found in the tenant's namespace", "CredentialSecretNotFound")]
    errors: list[FieldError] = []
    for key in CREDENTIAL_KEYS:
        raw = _decode(secret, key)
        if raw is None:
            errors.append(field_error(field, f"Secret {name} has no key {key}", "CredentialSecretMissingKey"))
            continue
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            errors.append(
                field_error(field, f"Secret {name} key {key} is not valid UTF-8", "CredentialSecretInvalidEncoding")
            )
            continue
        if len(raw) < MIN_CREDENTIAL_BYTES:
            errors.append(
                field_error(
                    field,
                    f"Secret {name} key {key} must be at least {MIN_CREDENTIAL_BYTES} bytes long",
                    "CredentialSecretTooShort",
                )
            )
    return errors


def check_rpc_secret(name: str, key: str, secret: Mapping[str, Any] | None) -> list[FieldError]:
    field = "spec.rpcSecret"
    if secret is None:
        return [field_error(field, f"Secret {name} not found in the tenant's namespace", "RpcSecretNotFound")]
    raw = _decode(secret, key)
    if raw is None:
        return [field_error(field, f"Secret {name} has no key {key}", "RpcSecretMissingKey")]
    try:
        value = raw.decode("utf-8")
    except UnicodeDecodeError:
        return [field_error(field, f"Secret {name} key {key} is not valid UTF-8", "RpcSecretInvalidEncoding")]
    if not value.strip() or "\x00" in value or value.strip() == RUSTFS_DEFAULT_SECRET:
        return [
            field_error(
                field,
                f"Secret {name} key {key} must be non-blank, contain no NUL byte and not be the RustFS default",
                "RpcSecretInvalidValue",
            )
        ]
    return []


@dataclass(frozen=True)
class KmsSecretRef:
    """The Secret key spec.encryption needs: FIELD names it, VALUE_CHECKED says whether its value must be
    UTF-8 and non-blank (the local master key, spec 9.3) or only present (the vault token, as the RustFS
    operator checks it)."""

    field: str
    name: str
    key: str
    value_checked: bool


def kms_secret_ref(spec: Mapping[str, Any] | None) -> KmsSecretRef | None:
    """The KMS Secret key an enabled spec.encryption references, or None (disabled, or no usable reference:
    validation.validate_encryption refuses a missing or blank one with KmsConfigInvalid)."""
    encryption = as_dict(as_dict(spec).get("encryption"))
    if encryption.get("enabled") is not True:
        return None
    if (encryption.get("backend") or "local") == "vault":
        name = as_dict(encryption.get("kmsSecret")).get("name")
        if not isinstance(name, str) or not name.strip():
            return None
        return KmsSecretRef("spec.encryption.kmsSecret", name, VAULT_TOKEN_KEY, value_checked=False)
    reference = as_dict(as_dict(encryption.get("local")).get("masterKeySecretRef"))
    name, key = reference.get("name"), reference.get("key")
    if not (isinstance(name, str) and name.strip() and isinstance(key, str) and key.strip()):
        return None
    return KmsSecretRef("spec.encryption.local.masterKeySecretRef", name, key, value_checked=True)


def check_kms_secret(reference: KmsSecretRef, secret: Mapping[str, Any] | None) -> list[FieldError]:
    """KmsSecretNotFound, KmsSecretMissingKey, or KmsConfigInvalid for a master key that is not UTF-8
    or blank: the RustFS operator's reasons (condition KmsReady)."""
    field, name, key = reference.field, reference.name, reference.key
    if secret is None:
        return [field_error(field, f"Secret {name} not found in the tenant's namespace", "KmsSecretNotFound")]
    raw = _decode(secret, key)
    if raw is None:
        return [field_error(field, f"Secret {name} has no key {key}", "KmsSecretMissingKey")]
    if not reference.value_checked:
        return []
    try:
        value = raw.decode("utf-8")
    except UnicodeDecodeError:
        return [field_error(field, f"Secret {name} key {key} is not valid UTF-8", "KmsConfigInvalid")]
    if not value.strip():
        return [field_error(field, f"Secret {name} key {key} must not be blank", "KmsConfigInvalid")]
    return []
