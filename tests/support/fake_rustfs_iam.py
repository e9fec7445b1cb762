"""The IAM and bucket part of the fake RustFS (tests/support/fake_rustfs.py), following RustFS 1.0.1:

- admin routes under /rustfs/admin/v3 (rustfs `src/admin/handlers/policies.rs`, `user_lifecycle.rs`,
  `user.rs`), plain JSON bodies (RustFS encrypts only under /minio/admin), the same query names
  (`name`, `accessKey`, `policyName`, `userOrGroup`, `isGroup`) and answers: list-canned-policies a
  name -> policy map, info-canned-policy `{"policy_name", "policy"}` (madmin PolicyInfo, no rename),
  list-users an access key -> UserInfo map without secret keys, writes answer 200 with an empty body;
- a policy is stored re-serialized as rustfs-policy's `Policy` does (Action/Resource always lists,
  empty ID/Sid/Condition dropped) and refused without `"Version": "2012-10-17"`;
- S3 ListBuckets / CreateBucket (object lock header, LocationConstraint) / GetObjectLockConfiguration
  in the AWS XML formats, errors as S3 XML with the S3 codes.

It counts every write (`writes`), so a test can assert that a second reconcile made none.
"""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

ADMIN = "/rustfs/admin/v3"
XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"
BUILT_IN = {
    "readwrite": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": ["arn:aws:s3:::*"]}],
    },
    "readonly": {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:GetObject"], "Resource": ["arn:aws:s3:::*"]}
        ],
    },
}


def error(status: int, code: str, message: str) -> tuple[int, bytes]:
    return status, f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def reserialize(policy: dict[str, Any]) -> dict[str, Any]:
    """The policy as RustFS stores and returns it."""
    out: dict[str, Any] = {}
    if policy.get("ID"):
        out["ID"] = policy["ID"]
    out["Version"] = policy.get("Version", "")
    statements = []
    for statement in policy.get("Statement") or []:
        item: dict[str, Any] = {}
        if statement.get("Sid"):
            item["Sid"] = statement["Sid"]
        item["Effect"] = statement["Effect"]
        for key in ("Action", "NotAction", "Resource", "NotResource"):
            if statement.get(key):
                item[key] = _as_list(statement[key])
        if statement.get("Condition"):
            item["Condition"] = statement["Condition"]
        statements.append(item)
    out["Statement"] = statements
    return out


class FakeIam:
    def __init__(self) -> None:
        self.policies: dict[str, dict[str, Any]] = {k: dict(v) for k, v in BUILT_IN.items()}
        self.users: dict[str, dict[str, str]] = {}
        self.buckets: dict[str, dict[str, Any]] = {}
        self.writes: list[tuple[str, str]] = []
        # Seconds each write takes, so a test can catch a reconcile in the middle of provisioning.
        self.write_delay = 0.0
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []

    def route(self, handler: BaseHTTPRequestHandler, body: bytes) -> tuple[int, bytes] | None:
        """The answer to an admin-signed request this part knows; None for the others (pools)."""
        raw = urlsplit(handler.path)
        query = dict(parse_qsl(raw.query, keep_blank_values=True))
        method, path = handler.command, raw.path
        if path.startswith(f"{ADMIN}/pools/"):
            return None
        self.requests.append((method, path, query, body))
        if method in ("PUT", "POST", "DELETE"):
            self.writes.append((method, path))
            time.sleep(self.write_delay)
        if path.startswith(ADMIN):
            return self._admin(method, path[len(ADMIN) :], query, body)
        return self._s3(method, path, query, body, handler)

    def _admin(self, method: str, route: str, query: dict[str, str], body: bytes) -> tuple[int, bytes]:
        if (method, route) == ("GET", "/list-canned-policies"):
            return 200, json.dumps(self.policies).encode()
        if (method, route) == ("GET", "/info-canned-policy"):
            if query.get("name") not in self.policies:
                return error(404, "NoSuchResource", "policy does not exist")
            return 200, json.dumps({"policy_name": query["name"], "policy": self.policies[query["name"]]}).encode()
        if (method, route) == ("PUT", "/add-canned-policy"):
            name = query.get("name", "")
            if not name or any(ch.isspace() for ch in name):
                return error(400, "InvalidArgument", "policy name is required")
            try:
                policy = json.loads(body)
            except ValueError as failure:
                return error(400, "InvalidRequest", str(failure))
            if not policy.get("Version"):
                return error(400, "InvalidArgument", "policy version is required")
            if policy["Version"] != "2012-10-17":
                return error(400, "InvalidRequest", "invalid version")
            self.policies[name] = reserialize(policy)
            return 200, b""
        if (method, route) == ("GET", "/list-users"):
            users = {k: {"policyName": v["policyName"], "status": v["status"]} for k, v in self.users.items()}
            return 200, json.dumps({k: {kk: vv for kk, vv in v.items() if vv} for k, v in users.items()}).encode()
        if (method, route) == ("PUT", "/add-user"):
            access = query.get("accessKey", "")
            if not access:
                return error(400, "InvalidArgument", "access key is empty")
            args = json.loads(body)
            if not args.get("secretKey"):
                return error(400, "InvalidArgument", "secret key is required")
            entry = self.users.setdefault(access, {"policyName": "", "status": "enabled"})
            entry.update(secretKey=args["secretKey"], status=args.get("status") or "disabled")
            return 200, b""
        if (method, route) == ("PUT", "/set-user-or-group-policy"):
            user = query.get("userOrGroup", "")
            if not user:
                return error(400, "InvalidArgument", "user or group is required")
            if user not in self.users:
                return error(400, "InvalidArgument", "user not found")
            names = [n for n in query.get("policyName", "").split(",") if n]
            if any(n not in self.policies for n in names):
                return error(500, "InternalError", "policy not found")
            self.users[user]["policyName"] = ",".join(names)
            return 200, b""
        return error(404, "NotFound", "no such admin route")

    def _s3(
        self, method: str, path: str, query: dict[str, str], body: bytes, handler: BaseHTTPRequestHandler
    ) -> tuple[int, bytes]:
        if (method, path) == ("GET", "/"):
            return 200, self._list()
        name = path.strip("/")
        if method == "PUT" and "/" not in name:
            if name in self.buckets:
                return error(409, "BucketAlreadyOwnedByYou", "bucket exists")
            text = body.decode()
            region = text.split("<LocationConstraint>")[1].split("<")[0] if "<LocationConstraint>" in text else None
            lock = handler.headers.get("x-amz-bucket-object-lock-enabled", "").lower() == "true"
            self.buckets[name] = {"objectLock": lock, "region": region}
            return 200, b""
        if method == "GET" and "object-lock" in query:
            if name not in self.buckets:
                return error(404, "NoSuchBucket", "no such bucket")
            if not self.buckets[name]["objectLock"]:
                return error(404, "ObjectLockConfigurationNotFoundError", "object lock not configured")
            return 200, (
                f'<ObjectLockConfiguration xmlns="{XMLNS}"><ObjectLockEnabled>Enabled</ObjectLockEnabled>'
                "</ObjectLockConfiguration>"
            ).encode()
        return error(404, "NotFound", "no such S3 route")

    def _list(self) -> bytes:
        names = "".join(f"<Bucket><Name>{n}</Name></Bucket>" for n in sorted(self.buckets))
        return f'<ListAllMyBucketsResult xmlns="{XMLNS}"><Buckets>{names}</Buckets></ListAllMyBucketsResult>'.encode()

    def as_user(self, handler: BaseHTTPRequestHandler) -> tuple[int, bytes]:
        """A request signed by a provisioned user: ListBuckets only."""
        if (handler.command, urlsplit(handler.path).path) == ("GET", "/"):
            return 200, self._list()
        return error(403, "AccessDenied", "access denied")
