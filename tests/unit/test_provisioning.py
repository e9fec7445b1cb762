"""Provisioning (spec 9.4): the pure planning of provisioning.py, and the request formats of
rustfs_iam.py / rustfs_s3.py against the fake RustFS, which follows RustFS 1.0.1's formats."""

from __future__ import annotations

import json

from support.fake_rustfs import ACCESS, SECRET, FakeRustfs, serving
from support.fake_rustfs_iam import reserialize

from ansible_collections.rustfs.operator.plugins.module_utils import provisioning as p
from ansible_collections.rustfs.operator.plugins.module_utils import rustfs_iam as iam
from ansible_collections.rustfs.operator.plugins.module_utils import rustfs_s3 as s3
from ansible_collections.rustfs.operator.plugins.module_utils.rustfs_admin import Credentials, RustfsAdminClient

DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a/*"}],
}


def policy_want(name: str, doc: dict[str, object] = DOC) -> p.PolicyWant:
    raw = json.dumps(doc).encode()
    return p.PolicyWant(name, raw=raw, canonical=p.canonical_policy(doc))


def user_want(name: str = "app", policies: tuple[str, ...] = ("read",)) -> p.UserWant:
    return p.UserWant(name, policies, access_key=f"{name}-access", secret_key="user-secret-key-1")


def test_the_canonical_form_equals_rustfs_reserialized_copy() -> None:
    """RustFS stores Action/Resource as lists: the spec's document and the read-back compare equal."""
    assert p.canonical_policy(DOC) == p.canonical_policy(reserialize(DOC))
    other = {**DOC, "Statement": [{**DOC["Statement"][0], "Action": ["s3:PutObject"]}]}  # type: ignore[dict-item]
    assert p.canonical_policy(DOC) != p.canonical_policy(other)


def test_policy_documents_rustfs_would_refuse_are_named() -> None:
    assert p.policy_problem(b"{") is not None
    assert "Version" in str(p.policy_problem(b'{"Statement": []}'))
    assert p.policy_problem(json.dumps(DOC).encode()) is None


def test_a_new_tenant_plans_every_write_in_dependency_order() -> None:
    wants = p.Wants((policy_want("read"),), (user_want(),), (p.BucketWant("data", None, True),))
    verbs = [(a.verb, a.name) for a in p.plan(wants, p.Live(), {}).actions]
    assert verbs == [("AddPolicy", "read"), ("AddUser", "app"), ("SetUserPolicies", "app"), ("CreateBucket", "data")]


def test_nothing_to_write_when_rustfs_matches() -> None:
    wants = p.Wants((policy_want("read"),), (user_want(),), (p.BucketWant("data"),))
    live = p.Live(
        policies={"read": p.canonical_policy(reserialize(DOC))},
        users={"app-access": ["read"]},
        buckets={"data"},
        accepted={"app-access": True},
    )
    result = p.plan(wants, live, {})
    assert result.actions == []
    assert {s[0] for kind in p.KINDS for s in result.settled[kind].values()} == {p.READY}


def test_a_foreign_user_and_a_foreign_policy_are_not_taken_over() -> None:
    other = {**DOC, "Statement": [{"Effect": "Deny", "Action": ["s3:*"], "Resource": ["*"]}]}
    wants = p.Wants((policy_want("read"),), (user_want(policies=("readwrite",)),))
    live = p.Live(policies={"read": p.canonical_policy(other), "readwrite": "{}"}, users={"app-access": []})
    result = p.plan(wants, live, {})
    assert result.actions == []
    assert result.settled["policies"]["read"][1] == p.POLICY_CONFLICT
    assert result.settled["users"]["app"][1] == p.USER_OWNERSHIP_CONFLICT


def test_a_policy_this_tenant_applied_is_updated_when_the_spec_changes() -> None:
    old = {**DOC, "Statement": [{"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::a"]}]}
    live = p.Live(policies={"read": p.canonical_policy(old)})
    previous = {"policies": [{"name": "read", "lastAppliedHash": p.digest(p.canonical_policy(old))}]}
    result = p.plan(p.Wants((policy_want("read"),)), live, previous)
    assert [(a.verb, a.name) for a in result.actions] == [("AddPolicy", "read")]


def test_a_bad_secret_fails_its_user_only_and_writes_nothing_for_it() -> None:
    bad = p.UserWant("bad", ("read",), problem=(p.USER_SECRET_INVALID, "spec.users[1].credsSecret: Secret x not found"))
    wants = p.Wants((policy_want("read"),), (user_want(), bad))
    result = p.plan(wants, p.Live(), {})
    assert all(a.name != "bad" for a in result.actions)
    assert result.settled["users"]["bad"][:2] == (p.FAILED, p.USER_SECRET_INVALID)


def test_items_removed_from_the_spec_are_retained_and_the_status_is_stable() -> None:
    wants = p.Wants(buckets=(p.BucketWant("kept"),))
    states = {"policies": {}, "users": {}, "buckets": {"kept": (p.READY, p.CONFIGURED, p.VERIFIED["buckets"])}}
    previous = {"buckets": [{"name": "gone", "state": "Ready", "reason": p.CONFIGURED, "message": "x"}]}
    block = p.status_block(wants, states, previous, 3, "2026-01-01T00:00:00Z")
    assert [(i["name"], i["state"]) for i in block["buckets"]] == [("gone", "Retained"), ("kept", "Ready")]
    assert (block["phase"], block["observedGeneration"]) == ("Ready", 3)
    again = p.status_block(wants, states, block, 3, "2026-01-02T00:00:00Z")
    assert again == block
    assert p.condition_of(block)[0] == "True"


def test_request_formats_follow_rustfs() -> None:
    """Routes, query names and bodies as RustFS 1.0.1 reads them (the fake checks the signature)."""
    fake = FakeRustfs(access=ACCESS, secret=SECRET)
    with serving(fake) as url:
        admin = RustfsAdminClient(url, Credentials(ACCESS, SECRET))
        iam.add_policy(admin, "read", json.dumps(DOC).encode())
        iam.add_user(admin, "app-access", "user-secret-key-1")
        iam.set_user_policies(admin, "app-access", ["read", "readonly"])
        s3.create_bucket(admin, "locked", "eu-west-1", True)
        assert p.canonical_policy(iam.list_policies(admin)["read"]) == p.canonical_policy(DOC)
        assert iam.user_policies(iam.list_users(admin)["app-access"]) == ["read", "readonly"]
        assert s3.list_buckets(admin) == {"locked"}
        assert s3.object_lock_enabled(admin, "locked")
        assert s3.credentials_accepted(admin, Credentials("app-access", "user-secret-key-1"))
        assert not s3.credentials_accepted(admin, Credentials("app-access", "wrong-secret-key"))
    requests = [(m, path, q) for m, path, q, _b in fake.iam.requests]
    assert requests[:4] == [
        ("PUT", "/rustfs/admin/v3/add-canned-policy", {"name": "read"}),
        ("PUT", "/rustfs/admin/v3/add-user", {"accessKey": "app-access"}),
        (
            "PUT",
            "/rustfs/admin/v3/set-user-or-group-policy",
            {"policyName": "read,readonly", "userOrGroup": "app-access", "isGroup": "false"},
        ),
        ("PUT", "/locked", {}),
    ]
    add_user_body = json.loads(fake.iam.requests[1][3])
    assert add_user_body == {"secretKey": "user-secret-key-1", "status": "enabled"}  # madmin AddOrUpdateUserReq
    assert b"<LocationConstraint>eu-west-1</LocationConstraint>" in fake.iam.requests[3][3]
    assert fake.iam.buckets["locked"] == {"objectLock": True, "region": "eu-west-1"}


def test_a_region_is_data_in_the_create_bucket_body() -> None:
    """A region is user data: escaped in the XML body, never markup."""
    body, headers = s3.create_bucket_request("</LocationConstraint><x>&", False)
    assert b"&lt;/LocationConstraint&gt;&lt;x&gt;&amp;" in body
    assert headers == {"content-type": "application/xml"}
    assert s3.create_bucket_request(None, True) == (b"", {"x-amz-bucket-object-lock-enabled": "true"})
