# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Checks of the Secrets a Tenant references (spec 5).

A pod started with a missing or malformed credential crash-loops with a
message only visible in its logs; checking first turns that into a clear,
named refusal. Only verdicts leave this module: never a value, not even a
length, so the results are safe to log and to put in status.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError, field_error
from ansible_collections.rustfs.operator.plugins.module_utils.model import as_dict

CREDENTIAL_KEYS = ("accesskey", "secretkey")
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
