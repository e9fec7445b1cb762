# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""The RustFS admin API calls of provisioning: canned policies, users and their policy mapping.

Routes and formats as RustFS 1.0.1 registers and answers them (rustfs `src/admin/handlers/policies.rs`,
`user_lifecycle.rs`, `user.rs`; types from `rustfs-madmin` 1.0.1):

    GET /rustfs/admin/v3/list-canned-policies         {"<name>": <policy document>, ...}
    GET /rustfs/admin/v3/info-canned-policy?name=N    {"policy_name": N, "policy": <document>, ...}
    PUT /rustfs/admin/v3/add-canned-policy?name=N     body: the policy JSON; 200, empty body
    GET /rustfs/admin/v3/list-users                   {"<access key>": UserInfo, ...}
    PUT /rustfs/admin/v3/add-user?accessKey=A         body: {"secretKey", "status": "enabled"}; 200
    PUT /rustfs/admin/v3/set-user-or-group-policy?policyName=P1,P2&userOrGroup=A&isGroup=false

UserInfo is `{"policyName": "p1,p2", "status": "enabled"|"disabled", "memberOf", "updatedAt"}`:
RustFS never returns a secret key. Bodies under `/rustfs/admin` are plain JSON: RustFS encrypts
them (madmin's argon2id/AES-GCM format) only under MinIO's `/minio/admin` prefix
(`src/admin/utils.rs`, `read_compatible_admin_body` and `encode_compatible_admin_payload`), which
this client does not use.

Every call goes through RustfsAdminClient.request(), the collection's one SigV4 implementation.
A secret key travels only in the add-user body; it is never part of an error or a repr, and neither
is a user's access key (the caller names the user by its spec item).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils.rustfs_admin import (
    ADMIN_PREFIX,
    RustfsAdminClient,
    RustfsAdminError,
)

JSON_HEADERS = {"content-type": "application/json"}


def _json_object(body: bytes, operation: str) -> dict[str, Any]:
    try:
        document = json.loads(body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError) as error:
        raise RustfsAdminError(operation, None, f"the answer is not JSON ({error.__class__.__name__})") from None
    if document is None:
        return {}  # RustFS answers `null` for an empty map
    if not isinstance(document, dict):
        raise RustfsAdminError(operation, None, "the answer is not a JSON object")
    return document


def list_policies(admin: RustfsAdminClient) -> dict[str, Any]:
    """Every canned policy, built-in ones included: name -> document."""
    operation = "list canned policies"
    return _json_object(admin.request("GET", f"{ADMIN_PREFIX}/list-canned-policies", operation)[1], operation)


def policy_info(admin: RustfsAdminClient, name: str) -> Any:
    """One canned policy's document as RustFS stores it (re-serialized: Action and Resource as lists)."""
    operation = f"read policy {name}"
    answer = _json_object(
        admin.request("GET", f"{ADMIN_PREFIX}/info-canned-policy", operation, {"name": name})[1], operation
    )
    return answer.get("policy")


def add_policy(admin: RustfsAdminClient, name: str, document: bytes) -> None:
    """Create or replace the canned policy NAME (RustFS validates it: Version 2012-10-17, statements)."""
    admin.request(
        "PUT", f"{ADMIN_PREFIX}/add-canned-policy", f"write policy {name}", {"name": name}, document, JSON_HEADERS
    )


def list_users(admin: RustfsAdminClient) -> dict[str, dict[str, Any]]:
    """Every regular user: access key -> UserInfo (no secret key)."""
    operation = "list users"
    users = _json_object(admin.request("GET", f"{ADMIN_PREFIX}/list-users", operation)[1], operation)
    return {str(key): value if isinstance(value, dict) else {} for key, value in users.items()}


def add_user(admin: RustfsAdminClient, access_key: str, secret_key: str) -> None:
    """Create the user ACCESS_KEY, or set its secret key when it exists (madmin AddOrUpdateUserReq)."""
    body = json.dumps({"secretKey": secret_key, "status": "enabled"}).encode()
    admin.request("PUT", f"{ADMIN_PREFIX}/add-user", "write a user", {"accessKey": access_key}, body, JSON_HEADERS)


def set_user_policies(admin: RustfsAdminClient, access_key: str, policies: Sequence[str]) -> None:
    """Map exactly POLICIES to the user (RustFS replaces the user's mapping with this list)."""
    query = {"policyName": ",".join(policies), "userOrGroup": access_key, "isGroup": "false"}
    admin.request("PUT", f"{ADMIN_PREFIX}/set-user-or-group-policy", "attach policies to a user", query)


def user_policies(info: dict[str, Any]) -> list[str]:
    """The policies a UserInfo says are mapped to the user, sorted."""
    return sorted({p.strip() for p in str(info.get("policyName") or "").split(",") if p.strip()})
