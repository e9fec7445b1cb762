"""Provisioning in playbook mode against the real RustFS (issue 15), not the fake.

The real API server, pods simulated by KWOK, and RustFS built from its crate
(tests/dataplane/build.sh) running on 127.0.0.1 with two server pools; the playbook reaches it
through `admin_endpoint`, as a user would through a port-forward. What the playbook did is checked on
the server: with the root keys, and with the created users' keys over S3 (their policies allow what
they say and refuse the rest). Marked `dataplane`: `make dataplane-test` runs it, `make integration`
does not (a cold build of RustFS takes hours).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kube
import pytest
from kubernetes import client
from support.playbook import PlaybookRun, run_playbook
from support.provisioning import tenant_for
from support.real_rustfs import ROOT_ACCESS, ROOT_SECRET, running

from ansible_collections.rustfs.operator.plugins.module_utils import rustfs_iam, rustfs_s3
from ansible_collections.rustfs.operator.plugins.module_utils.rustfs_admin import (
    Credentials,
    RustfsAdminClient,
    RustfsAdminError,
)

pytestmark = [pytest.mark.integration, pytest.mark.dataplane, pytest.mark.usefixtures("crd")]

READER_SECRET = "planted-user-secret-Xq7#"
WRITER_SECRET = "writer-secret-key-1"
READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::photos/*"]}],
}
WRITE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": ["arn:aws:s3:::*"]}],
}


@pytest.fixture(scope="module")
def rustfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running(tmp_path_factory.mktemp("rustfs"), ROOT_ACCESS, ROOT_SECRET) as url:
        yield url


def play(tenant: dict[str, Any], tmp_path: Path, url: str, *options: str) -> PlaybookRun:
    extra = {"tenant": tenant, "admin_endpoint": url, "wait": True, "wait_timeout": 120}
    return run_playbook("rustfs.operator.tenant", *options, extra_vars=extra, tmp_dir=tmp_path)


def apply(api: client.ApiClient, namespace: str, kind: str, name: str, data: dict[str, str]) -> None:
    if kind == "Secret":
        data = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    kube.apply(
        api, {"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "namespace": namespace}, "data": data}
    )


def provisioning(api: client.ApiClient, namespace: str) -> dict[str, Any]:
    found = client.CustomObjectsApi(api).get_namespaced_custom_object(
        "rustfs.com", "v1alpha1", namespace, "tenants", "prov"
    )
    status = dict(found.get("status") or {})
    ready = next(c for c in status["conditions"] if c["type"] == "ProvisioningReady")
    return {"ready": (ready["status"], ready["reason"]), **status["provisioning"]}


def refused(call: Any) -> str | None:
    """The S3 error code of CALL, or None when it succeeded."""
    try:
        call()
    except RustfsAdminError as error:
        return error.code
    return None


def test_policies_users_and_buckets_are_provisioned_in_rustfs_and_do_what_they_say(
    api: client.ApiClient, namespace: str, tmp_path: Path, rustfs: str
) -> None:
    apply(api, namespace, "Secret", "prov-admin", {"accesskey": ROOT_ACCESS, "secretkey": ROOT_SECRET})
    apply(api, namespace, "Secret", "reader-keys", {"accesskey": "reader-access", "secretkey": READER_SECRET})
    apply(api, namespace, "Secret", "writer", {"accesskey": "writer-access", "secretkey": WRITER_SECRET})
    apply(
        api, namespace, "ConfigMap", "prov-policies", {"read.json": json.dumps(READ), "write.json": json.dumps(WRITE)}
    )
    tenant = tenant_for(namespace)

    first = play(tenant, tmp_path, rustfs)
    assert first.returncode == 0, first.output
    assert READER_SECRET not in first.output and WRITER_SECRET not in first.output
    found = provisioning(api, namespace)
    assert found["ready"] == ("True", "ProvisioningConfigured"), found
    assert found["phase"] == "Ready"

    root = RustfsAdminClient(rustfs, Credentials(ROOT_ACCESS, ROOT_SECRET))
    assert {"read-photos", "write-all"} <= set(rustfs_iam.list_policies(root))
    users = rustfs_iam.list_users(root)
    assert rustfs_iam.user_policies(users["reader-access"]) == ["read-photos"]
    assert rustfs_iam.user_policies(users["writer-access"]) == ["read-photos", "write-all"]
    assert {"photos", "logs", "vault"} <= rustfs_s3.list_buckets(root)
    assert rustfs_s3.object_lock_enabled(root, "vault") and not rustfs_s3.object_lock_enabled(root, "photos")

    reader = Credentials("reader-access", READER_SECRET)
    writer = Credentials("writer-access", WRITER_SECRET)
    assert refused(lambda: root.request("PUT", "/photos/cat", "put", body=b"meow", credentials=writer)) is None
    assert root.request("GET", "/photos/cat", "get", credentials=reader)[1] == b"meow"
    assert (
        refused(lambda: root.request("PUT", "/photos/dog", "put", body=b"woof", credentials=reader)) == "AccessDenied"
    )
    assert refused(lambda: root.request("GET", "/logs/x", "get", credentials=reader)) in ("AccessDenied", "NoSuchKey")

    # A second run finds everything in place: nothing changes.
    again = play(tenant, tmp_path, rustfs)
    assert again.returncode == 0, again.output
    assert again.changed == 0, again.output

    # The policy changes in its ConfigMap: RustFS gets the new document. A bucket leaves the spec: kept.
    widened = {**READ, "Statement": [{**READ["Statement"][0], "Action": ["s3:GetObject", "s3:PutObject"]}]}
    apply(
        api,
        namespace,
        "ConfigMap",
        "prov-policies",
        {"read.json": json.dumps(widened), "write.json": json.dumps(WRITE)},
    )
    tenant["spec"]["buckets"] = [b for b in tenant["spec"]["buckets"] if b["name"] != "logs"]
    changed = play(tenant, tmp_path, rustfs)
    assert changed.returncode == 0, changed.output
    assert refused(lambda: root.request("PUT", "/photos/dog", "put", body=b"woof", credentials=reader)) is None
    assert "logs" in rustfs_s3.list_buckets(root)
    found = provisioning(api, namespace)
    assert {b["name"]: b["state"] for b in found["buckets"]}["logs"] == "Retained"
    assert found["ready"][0] == "True"


def test_a_wrong_creds_secret_is_named_and_that_user_is_not_created(
    api: client.ApiClient, namespace: str, tmp_path: Path, rustfs: str
) -> None:
    apply(api, namespace, "Secret", "prov-admin", {"accesskey": ROOT_ACCESS, "secretkey": ROOT_SECRET})
    apply(api, namespace, "Secret", "reader-keys", {"accesskey": "nokey-reader"})  # no secret key
    apply(
        api, namespace, "ConfigMap", "prov-policies", {"read.json": json.dumps(READ), "write.json": json.dumps(WRITE)}
    )
    tenant = tenant_for(namespace)
    # One RustFS serves the module: a policy of its own, as the first test's tenant made read-photos.
    tenant["spec"]["policies"] = [{**tenant["spec"]["policies"][0], "name": "second-read"}]
    tenant["spec"]["users"] = [{**tenant["spec"]["users"][0], "policies": ["second-read"]}]
    tenant["spec"]["buckets"] = [{"name": "wrong-secret-bucket"}]
    run = play(tenant, tmp_path, rustfs)
    assert run.returncode == 0, run.output
    found = provisioning(api, namespace)
    reader = {u["name"]: u for u in found["users"]}["reader"]
    assert (reader["state"], reader["reason"]) == ("Failed", "UserSecretInvalid")
    assert found["ready"] == ("False", "UserSecretInvalid")
    root = RustfsAdminClient(rustfs, Credentials(ROOT_ACCESS, ROOT_SECRET))
    assert "nokey-reader" not in rustfs_iam.list_users(root)
    # The rest was provisioned and verified.
    assert "second-read" in rustfs_iam.list_policies(root)
    assert "wrong-secret-bucket" in rustfs_s3.list_buckets(root)
