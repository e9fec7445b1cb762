"""The collection's RustFS clients against the real server (issue 15): the admin API calls of
provisioning and pool decommission, and S3 as a provisioned user, on RustFS built from its crate.

No Kubernetes here: these pin the wire formats the fake (tests/support/fake_rustfs.py) imitates.
"""

from __future__ import annotations

import json
import time

import pytest
from support.real_rustfs import ROOT_ACCESS, ROOT_SECRET

from ansible_collections.rustfs.operator.plugins.module_utils import rustfs_iam, rustfs_s3
from ansible_collections.rustfs.operator.plugins.module_utils.rustfs_admin import (
    Credentials,
    RustfsAdminClient,
    RustfsAdminError,
)

pytestmark = pytest.mark.dataplane

READ_PHOTOS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}],
}


def root(url: str) -> RustfsAdminClient:
    return RustfsAdminClient(url, Credentials(ROOT_ACCESS, ROOT_SECRET))


def put(client: RustfsAdminClient, path: str, body: bytes, credentials: Credentials | None = None) -> None:
    client.request("PUT", path, f"put {path}", None, body, credentials=credentials)


def get(client: RustfsAdminClient, path: str, credentials: Credentials | None = None) -> bytes:
    return client.request("GET", path, f"get {path}", credentials=credentials)[1]


def test_policies_users_and_buckets_as_provisioning_makes_and_reads_them(rustfs: str) -> None:
    admin = root(rustfs)
    rustfs_iam.add_policy(admin, "read-photos", json.dumps(READ_PHOTOS).encode())
    assert "read-photos" in rustfs_iam.list_policies(admin)
    stored = rustfs_iam.policy_info(admin, "read-photos")
    assert stored["Statement"][0]["Effect"] == "Allow"
    assert "s3:GetObject" in json.dumps(stored["Statement"][0]["Action"])

    rustfs_iam.add_user(admin, "reader", "reader-secret-key-1")
    rustfs_iam.set_user_policies(admin, "reader", ["read-photos"])
    assert rustfs_iam.user_policies(rustfs_iam.list_users(admin)["reader"]) == ["read-photos"]

    rustfs_s3.create_bucket(admin, "photos", None, False)
    rustfs_s3.create_bucket(admin, "vault", None, True)
    assert {"photos", "vault"} <= rustfs_s3.list_buckets(admin)
    assert rustfs_s3.object_lock_enabled(admin, "vault")
    assert not rustfs_s3.object_lock_enabled(admin, "photos")

    # The user's keys are accepted, wrong ones are not; the policy allows what it says and no more.
    reader = Credentials("reader", "reader-secret-key-1")
    assert rustfs_s3.credentials_accepted(admin, reader)
    assert not rustfs_s3.credentials_accepted(admin, Credentials("reader", "not-the-secret-key"))
    put(admin, "/photos/cat.jpg", b"meow")
    assert get(admin, "/photos/cat.jpg", reader) == b"meow"
    with pytest.raises(RustfsAdminError) as refused:
        put(admin, "/photos/dog.jpg", b"woof", reader)
    assert refused.value.code == "AccessDenied"
    with pytest.raises(RustfsAdminError) as elsewhere:
        get(admin, "/vault/anything", reader)
    assert elsewhere.value.code == "AccessDenied"

    # Replacing the policy's document is what an edited ConfigMap does.
    widened = {
        **READ_PHOTOS,
        "Statement": [{**READ_PHOTOS["Statement"][0], "Action": ["s3:GetObject", "s3:PutObject"]}],
    }
    rustfs_iam.add_policy(admin, "read-photos", json.dumps(widened).encode())
    put(admin, "/photos/dog.jpg", b"woof", reader)
    assert get(admin, "/photos/dog.jpg") == b"woof"


def drain_fixture(admin: RustfsAdminClient, count: int, size: int) -> tuple[str, dict[str, bytes]]:
    """The second pool's command line, after writing COUNT objects of about SIZE bytes into a new bucket.

    Small objects only for a drain that must finish: RustFS keeps them inline in their metadata. Larger
    ones, on these tmpfs drives, left the drain stuck after a few objects (seen in four runs of four).
    """
    pools = admin.list_pools()
    assert len(pools) == 2, pools
    rustfs_s3.create_bucket(admin, "drain", None, False)
    objects = {f"/drain/object-{i}": f"payload {i:04}".encode() * (size // 12) for i in range(count)}
    for path, body in objects.items():
        put(admin, path, body)
    return str(pools[1]["cmdline"]), objects


def test_a_pool_is_decommissioned_and_its_data_stays_readable(rustfs: str) -> None:
    admin = root(rustfs)
    second, objects = drain_fixture(admin, 20, 1200)
    admin.start_decommission(second)
    deadline = time.monotonic() + 120
    progress = admin.pool_status(second)
    while not progress.complete:
        assert not progress.failed, progress
        assert time.monotonic() < deadline, f"decommission of {second} not complete in 120 s: {progress}"
        time.sleep(0.5)
        progress = admin.pool_status(second)
    assert progress.objects_failed == 0, progress
    for path, body in objects.items():
        assert get(admin, path) == body, f"{path} lost by the decommission"


def test_a_canceled_decommission_must_be_cleared_before_it_starts_again(rustfs: str) -> None:
    """What the engine's clear-before-start relies on (decommission.Action.clear_first)."""
    admin = root(rustfs)
    second, objects = drain_fixture(admin, 200, 60000)
    admin.start_decommission(second)
    assert admin.pool_status(second).running
    admin.cancel_decommission(second)
    canceled = admin.pool_status(second)
    assert canceled.canceled and not canceled.running, canceled
    with pytest.raises(RustfsAdminError) as blocked:
        admin.start_decommission(second)
    assert blocked.value.code == "InvalidArgument" and "clear failed or canceled" in str(blocked.value)
    admin.clear_decommission(second)
    assert not admin.pool_status(second).canceled
    admin.start_decommission(second)
    assert admin.pool_status(second).started
    # Canceled mid-way, every object is still readable.
    for path, body in objects.items():
        assert get(admin, path) == body, f"{path} lost by the canceled decommission"
