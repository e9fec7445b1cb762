# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""The S3 calls of bucket provisioning, on the tenant's S3 endpoint (the admin API's address).

    GET  /                    ListBuckets: <ListAllMyBucketsResult><Buckets><Bucket><Name>..
    PUT  /<bucket>            CreateBucket; header `x-amz-bucket-object-lock-enabled: true` for object
                              lock, body <CreateBucketConfiguration><LocationConstraint> for a region
    GET  /<bucket>?object-lock GetObjectLockConfiguration: <ObjectLockEnabled>Enabled</ObjectLockEnabled>

These are the AWS S3 REST formats, which RustFS serves through the `s3s` crate. The requests are
signed by RustfsAdminClient.request(), the collection's one SigV4 implementation (botocore is not
a dependency; the S3 surface used here is three calls).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from ansible_collections.rustfs.operator.plugins.module_utils.rustfs_admin import (
    Credentials,
    RustfsAdminClient,
    RustfsAdminError,
)

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
# The answers that mean "these keys are not RustFS's": anything else authenticated the caller.
REJECTED_CREDENTIALS = frozenset({"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessKeyDisabled"})
NO_OBJECT_LOCK = frozenset({"ObjectLockConfigurationNotFoundError", "ObjectLockConfigurationNotFound"})


def _texts(body: bytes, tag: str, operation: str) -> list[str]:
    """Every TAG element's text, with or without the S3 namespace."""
    try:
        root = ET.fromstring(body.decode("utf-8"))
    except (UnicodeDecodeError, ET.ParseError) as error:
        raise RustfsAdminError(operation, None, f"the answer is not XML ({error.__class__.__name__})") from None
    found = root.iter(f"{{{S3_NS}}}{tag}") if root.tag.startswith("{") else root.iter(tag)
    return [(element.text or "").strip() for element in found]


def list_buckets(s3: RustfsAdminClient) -> set[str]:
    operation = "list buckets"
    return set(_texts(s3.request("GET", "/", operation)[1], "Name", operation))


def create_bucket_request(region: str | None, object_lock: bool) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a CreateBucket with these options (AWS S3 CreateBucket)."""
    headers = {"x-amz-bucket-object-lock-enabled": "true"} if object_lock else {}
    if not region:
        return b"", headers
    body = (
        f'<CreateBucketConfiguration xmlns="{S3_NS}"><LocationConstraint>{escape(region)}</LocationConstraint>'
        "</CreateBucketConfiguration>"
    ).encode()
    return body, {**headers, "content-type": "application/xml"}


def create_bucket(s3: RustfsAdminClient, name: str, region: str | None, object_lock: bool) -> None:
    body, headers = create_bucket_request(region, object_lock)
    s3.request("PUT", f"/{name}", f"create bucket {name}", None, body, headers)


def object_lock_enabled(s3: RustfsAdminClient, name: str) -> bool:
    operation = f"read the object lock of bucket {name}"
    try:
        body = s3.request("GET", f"/{name}", operation, {"object-lock": ""})[1]
    except RustfsAdminError as error:
        if error.code in NO_OBJECT_LOCK:
            return False
        raise
    return "Enabled" in _texts(body, "ObjectLockEnabled", operation)


def credentials_accepted(s3: RustfsAdminClient, credentials: Credentials) -> bool:
    """Whether RustFS authenticates CREDENTIALS (a signed ListBuckets as that user).

    RustFS never returns a user's secret key, so this is how provisioning tells that a user's
    Secret still matches the user in RustFS, and that an existing user is the one the Secret describes.
    An authenticated caller without the right to list is still authenticated (AccessDenied).
    """
    try:
        s3.request("GET", "/", "check a user's keys", credentials=credentials)
    except RustfsAdminError as error:
        if error.code in REJECTED_CREDENTIALS:
            return False
        if error.code == "AccessDenied":
            return True
        raise
    return True
