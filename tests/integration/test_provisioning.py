"""Provisioning of spec.policies, spec.users and spec.buckets (spec 9.4) in playbook mode.

The real API server, pods simulated by KWOK (made Ready by `wait`), and a FAKE RustFS on 127.0.0.1
(tests/support/fake_rustfs.py) that follows RustFS 1.0.1's admin and S3 request and response
formats and checks every signature; it is not RustFS. The playbook reaches it through
`admin_endpoint`, as a user outside the cluster would through a port-forward.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import kube
import pytest
from kubernetes import client
from support.fake_rustfs import ACCESS, SECRET, FakeRustfs, serving
from support.playbook import PlaybookRun, run_playbook
from support.provisioning import tenant_for

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("crd")]

USER_SECRET = "planted-user-secret-Xq7#"
READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}],
}
WRITE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": ["arn:aws:s3:::*"]}],
}


def play(tenant: dict[str, Any], tmp_path: Path, url: str, *options: str) -> PlaybookRun:
    extra = {"tenant": tenant, "admin_endpoint": url, "wait": True, "wait_timeout": 120}
    return run_playbook("rustfs.operator.tenant", *options, extra_vars=extra, tmp_dir=tmp_path)


def secret(api: client.ApiClient, namespace: str, name: str, data: dict[str, str]) -> None:
    encoded = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    kube.apply(
        api, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": namespace}, "data": encoded}
    )


def policies_configmap(api: client.ApiClient, namespace: str, read: dict[str, Any]) -> None:
    data = {"read.json": json.dumps(read), "write.json": json.dumps(WRITE)}
    kube.apply(
        api,
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "prov-policies", "namespace": namespace},
            "data": data,
        },
    )


def status(api: client.ApiClient, namespace: str) -> dict[str, Any]:
    found = client.CustomObjectsApi(api).get_namespaced_custom_object(
        "rustfs.com", "v1alpha1", namespace, "tenants", "prov"
    )
    return dict(found.get("status") or {})


def condition(found: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in found["conditions"] if c["type"] == "ProvisioningReady")


def items(found: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {i["name"]: i for i in found["provisioning"].get(kind, [])}


def test_policies_users_and_buckets_are_provisioned_verified_kept_and_left_alone_when_done(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    secret(api, namespace, "prov-admin", {"accesskey": ACCESS, "secretkey": SECRET})
    secret(api, namespace, "reader-keys", {"accesskey": "reader-access", "secretkey": USER_SECRET})
    # MinIO's console keys are accepted too (the RustFS operator's compatibility).
    secret(api, namespace, "writer", {"CONSOLE_ACCESS_KEY": "writer-access", "CONSOLE_SECRET_KEY": "writer-secret-1"})
    policies_configmap(api, namespace, READ)
    tenant = tenant_for(namespace)
    fake = FakeRustfs(access=ACCESS, secret=SECRET)
    with serving(fake) as url:
        first = play(tenant, tmp_path, url)
        assert first.returncode == 0, first.output
        iam = fake.iam
        assert {"read-photos", "write-all"} <= set(iam.policies)
        assert iam.users["reader-access"]["policyName"] == "read-photos"
        assert sorted(iam.users["writer-access"]["policyName"].split(",")) == ["read-photos", "write-all"]
        assert iam.users["reader-access"]["secretKey"] == USER_SECRET
        assert set(iam.buckets) == {"photos", "logs", "vault"}
        assert iam.buckets["vault"]["objectLock"] and iam.buckets["logs"]["region"] == "eu-west-1"
        found = status(api, namespace)
        assert (condition(found)["status"], condition(found)["reason"]) == ("True", "ProvisioningConfigured")
        assert found["provisioning"]["phase"] == "Ready"
        assert {i["state"] for k in ("policies", "users", "buckets") for i in found["provisioning"][k]} == {"Ready"}
        assert USER_SECRET not in json.dumps(found) and USER_SECRET not in first.output

        # Nothing to do: no admin or S3 write, no change.
        writes = len(iam.writes)
        again = play(tenant, tmp_path, url)
        assert again.returncode == 0, again.output
        assert len(iam.writes) == writes, iam.writes[writes:]
        assert again.changed == 0, again.output

        # A policy's document changes: it is written again (this tenant applied it); a bucket leaves the
        # spec: it stays in RustFS and is reported Retained.
        policies_configmap(
            api,
            namespace,
            {**READ, "Statement": [{**READ["Statement"][0], "Action": ["s3:GetObject", "s3:ListBucket"]}]},
        )
        tenant["spec"]["buckets"] = [b for b in tenant["spec"]["buckets"] if b["name"] != "logs"]
        # Only this phase and the status (the plan always runs first).
        changed = play(tenant, tmp_path, url, "--tags", "provisioning,status")
        assert changed.returncode == 0, changed.output
        assert iam.policies["read-photos"]["Statement"][0]["Action"] == ["s3:GetObject", "s3:ListBucket"]
        assert "logs" in iam.buckets
        found = status(api, namespace)
        assert items(found, "buckets")["logs"]["state"] == "Retained"
        assert items(found, "policies")["read-photos"]["state"] == "Ready"
        assert condition(found)["status"] == "True"


def test_a_policy_hash_written_by_the_rustfs_operator_is_replaced_and_the_policy_stays_this_tenants(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    """After a switch the stored lastAppliedHash is the other operator's; a verified policy gets ours."""
    secret(api, namespace, "prov-admin", {"accesskey": ACCESS, "secretkey": SECRET})
    secret(api, namespace, "reader-keys", {"accesskey": "reader-access", "secretkey": USER_SECRET})
    secret(api, namespace, "writer", {"accesskey": "writer-access", "secretkey": "writer-secret-1"})
    policies_configmap(api, namespace, READ)
    tenant = tenant_for(namespace)
    fake = FakeRustfs(access=ACCESS, secret=SECRET)
    with serving(fake) as url:
        assert play(tenant, tmp_path, url).returncode == 0
        policies = status(api, namespace)["provisioning"]["policies"]
        ours = {i["name"]: i["lastAppliedHash"] for i in policies}
        foreign = [{**i, "lastAppliedHash": "sha256:" + "1" * 64} for i in policies]
        client.CustomObjectsApi(api).patch_namespaced_custom_object_status(
            "rustfs.com", "v1alpha1", namespace, "tenants", "prov", {"status": {"provisioning": {"policies": foreign}}}
        )

        stored = items(status(api, namespace), "policies")
        assert {i["lastAppliedHash"] for i in stored.values()} == {"sha256:" + "1" * 64}

        verified = play(tenant, tmp_path, url)
        assert verified.returncode == 0, verified.output
        assert {n: i["lastAppliedHash"] for n, i in items(status(api, namespace), "policies").items()} == ours

        # So an edit of the document is this tenant's to apply, not a conflict.
        policies_configmap(api, namespace, {**READ, "Statement": [{**READ["Statement"][0], "Action": ["s3:*"]}]})
        edited = play(tenant, tmp_path, url)
        assert edited.returncode == 0, edited.output
        assert fake.iam.policies["read-photos"]["Statement"][0]["Action"] == ["s3:*"]
        assert items(status(api, namespace), "policies")["read-photos"]["state"] == "Ready"


def test_a_wrong_creds_secret_is_named_and_nothing_is_half_done_for_that_user(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    secret(api, namespace, "prov-admin", {"accesskey": ACCESS, "secretkey": SECRET})
    secret(api, namespace, "reader-keys", {"accesskey": "reader-access"})  # no secret key
    policies_configmap(api, namespace, READ)
    tenant = tenant_for(namespace)
    tenant["spec"]["users"] = tenant["spec"]["users"][:1]
    fake = FakeRustfs(access=ACCESS, secret=SECRET)
    with serving(fake) as url:
        run = play(tenant, tmp_path, url)
        assert run.returncode == 0, run.output
        assert "reader-access" not in fake.iam.users
        assert not [w for w in fake.iam.writes if "user" in w[1]]
        found = status(api, namespace)
        # Fixed, then provisioned on its own by rustfs.operator.provision against the stored Tenant.
        secret(api, namespace, "reader-keys", {"accesskey": "reader-access", "secretkey": USER_SECRET})
        extra = {"tenant_name": "prov", "tenant_namespace": namespace, "admin_endpoint": url}
        fixed = run_playbook("rustfs.operator.provision", extra_vars=extra, tmp_dir=tmp_path)
        assert fixed.returncode == 0, fixed.output
        assert fake.iam.users["reader-access"]["policyName"] == "read-photos"
        assert USER_SECRET not in fixed.output
        assert condition(status(api, namespace))["status"] == "True"
    reader = items(found, "users")["reader"]
    assert (reader["state"], reader["reason"]) == ("Failed", "UserSecretInvalid")
    assert "spec.users[0].credsSecret" in reader["message"] and "reader-keys" in reader["message"]
    assert (condition(found)["status"], condition(found)["reason"]) == ("False", "UserSecretInvalid")
    assert found["currentState"] == "Blocked"
    # The rest was provisioned and verified.
    assert items(found, "buckets")["photos"]["state"] == "Ready"


def test_rustfs_not_answering_leaves_provisioning_pending_with_a_reason(
    api: client.ApiClient, namespace: str, tmp_path: Path
) -> None:
    secret(api, namespace, "prov-admin", {"accesskey": ACCESS, "secretkey": SECRET})
    tenant = tenant_for(namespace)
    tenant["spec"].pop("users")
    tenant["spec"].pop("policies")
    run = play(tenant, tmp_path, "http://127.0.0.1:9")  # nothing listens on the discard port
    assert run.returncode == 0, run.output
    found = status(api, namespace)
    assert (condition(found)["status"], condition(found)["reason"]) == ("Unknown", "AdminApiUnreachable")
    assert found["provisioning"]["phase"] == "Pending"
