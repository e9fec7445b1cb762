# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""One provisioning pass of a tenant (spec 9.4): read, ask RustFS, write what differs, read back.

provisioning.py decides; this is the I/O around it: the policy documents (ConfigMaps) and user keys
(Secrets) in the cluster, and RustFS's admin API and S3 API at the admin endpoint (pool_lifecycle.py's
address, credentials and TLS trust, the same as pool decommission's). It runs only once every pod is
Ready; while they are not, or while RustFS does not answer, each item is Pending and the caller
retries with backoff.

User secret keys and the admin credentials live only in memory here: they are sent to RustFS
(the add-user body, the signatures) and never put in a message, the status or a result.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import provisioning as p
from ansible_collections.rustfs.operator.plugins.module_utils import rustfs_iam as iam
from ansible_collections.rustfs.operator.plugins.module_utils import rustfs_s3 as s3
from ansible_collections.rustfs.operator.plugins.module_utils.credentials import secret_data
from ansible_collections.rustfs.operator.plugins.module_utils.kube import get_or_none
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Tenant, as_dict, as_list
from ansible_collections.rustfs.operator.plugins.module_utils.pool_lifecycle import (
    admin_credentials,
    admin_trust,
    admin_url,
)
from ansible_collections.rustfs.operator.plugins.module_utils.rustfs_admin import (
    Credentials,
    RustfsAdminClient,
    RustfsAdminError,
)

AdminFactory = Callable[[str, Credentials, "ssl.SSLContext | None"], RustfsAdminClient]
# User Secret keys: the RustFS operator's, then MinIO's console keys (both accepted; they must agree).
USER_KEYS = (("accesskey", "CONSOLE_ACCESS_KEY"), ("secretkey", "CONSOLE_SECRET_KEY"))


def _admin(base_url: str, credentials: Credentials, context: ssl.SSLContext | None) -> RustfsAdminClient:
    return RustfsAdminClient(base_url, credentials, ssl_context=context)


@dataclass
class Provisioned:
    """A pass's result: `status.provisioning`, the ProvisioningReady condition, and what it wrote."""

    block: JSON
    condition: tuple[str, str, str]  # status, reason, message
    # A Failed item: the spec or RustFS must change (user-fixable, the tenant is Blocked).
    failed: bool = False
    # Nothing could be checked yet (pods, RustFS): retried with backoff.
    pending: bool = False
    writes: int = 0
    changes: list[dict[str, str]] = field(default_factory=list)


# ------------------------------------------------------------------------------------------- reading


def _policy_want(client: Any, namespace: str, index: int, item: Mapping[str, Any]) -> p.PolicyWant:
    name = str(item.get("name"))
    ref = as_dict(as_dict(item.get("document")).get("configMapKeyRef"))
    where = f"spec.policies[{index}].document.configMapKeyRef"
    configmap = get_or_none(client, "ConfigMap", "v1", str(ref.get("name")), namespace)
    if configmap is None:
        return p.PolicyWant(
            name, problem=(p.POLICY_CONFIGMAP_NOT_FOUND, f"{where}: ConfigMap {ref.get('name')} not found")
        )
    raw = as_dict(configmap.get("data")).get(str(ref.get("key")))
    if raw is None:
        message = f"{where}: ConfigMap {ref.get('name')} has no key {ref.get('key')}"
        return p.PolicyWant(name, problem=(p.POLICY_KEY_NOT_FOUND, message))
    body = str(raw).encode()
    problem = p.policy_problem(body)
    if problem is not None:
        return p.PolicyWant(name, problem=(p.POLICY_APPLY_FAILED, f"{where}: {problem}"))
    return p.PolicyWant(name, raw=body, canonical=p.canonical_policy(json.loads(body)))


def _user_keys(secret: Mapping[str, Any], secret_name: str, where: str) -> tuple[str, str] | str:
    """(access key, secret key) of a user Secret, or why it cannot be used (no value in the text)."""
    values = []
    for native, console in USER_KEYS:
        found = []
        for key in (native, console):
            raw = secret_data(secret, key)
            if raw is None:
                continue
            try:
                found.append(raw.decode("utf-8").strip())
            except UnicodeDecodeError:
                return f"{where}: key {key} of Secret {secret_name} is not UTF-8"
        if not found:
            return f"{where}: Secret {secret_name} has neither key {native} nor {console}"
        if len(set(found)) > 1:
            return f"{where}: keys {native} and {console} of Secret {secret_name} differ"
        values.append(found[0])
    access, secret_key = values
    if len(access) < 8 or any(ch.isspace() for ch in access) or "=" in access or "," in access:
        return (
            f"{where}: the access key of Secret {secret_name} must have at least 8 characters, "
            "no whitespace, '=' or ','"
        )
    if len(secret_key) < 8:
        return f"{where}: the secret key of Secret {secret_name} must have at least 8 characters"
    return access, secret_key


def _user_want(client: Any, namespace: str, index: int, item: Mapping[str, Any]) -> p.UserWant:
    name = str(item.get("name"))
    policies = tuple(str(x) for x in as_list(item.get("policies")))
    secret_name = str(as_dict(item.get("credsSecret")).get("name") or name)
    where = f"spec.users[{index}].credsSecret"
    secret = get_or_none(client, "Secret", "v1", secret_name, namespace)
    if secret is None:
        return p.UserWant(name, policies, problem=(p.USER_SECRET_INVALID, f"{where}: Secret {secret_name} not found"))
    keys = _user_keys(secret, secret_name, where)
    if isinstance(keys, str):
        return p.UserWant(name, policies, problem=(p.USER_SECRET_INVALID, keys))
    return p.UserWant(name, policies, access_key=keys[0], secret_key=keys[1])


def read_wants(client: Any, tenant: Tenant) -> p.Wants:
    spec, namespace = tenant.spec, tenant.namespace
    return p.Wants(
        policies=tuple(
            _policy_want(client, namespace, i, as_dict(x)) for i, x in enumerate(as_list(spec.get("policies")))
        ),
        users=tuple(_user_want(client, namespace, i, as_dict(x)) for i, x in enumerate(as_list(spec.get("users")))),
        buckets=tuple(
            p.BucketWant(str(b.get("name")), b.get("region") or None, bool(b.get("objectLock")))
            for b in (as_dict(x) for x in as_list(spec.get("buckets")))
        ),
    )


def pods_ready(statefulsets: Sequence[Mapping[str, Any]], expected: int) -> tuple[bool, str]:
    """Whether every pool's pods are Ready (`<ready>/<total> pods ready`, as the Ready condition says)."""
    total = sum(int(as_dict(s.get("spec")).get("replicas") or 0) for s in statefulsets)
    ready = sum(int(as_dict(s.get("status")).get("readyReplicas") or 0) for s in statefulsets)
    done = len(statefulsets) >= expected > 0 and total > 0 and ready >= total
    return done, f"{ready}/{total} pods ready"


def observe(admin: RustfsAdminClient, wants: p.Wants) -> p.Live:
    """What RustFS holds of what the spec asks: reads only."""
    live = p.Live()
    if wants.policies or wants.users:
        live.policies = {name: p.canonical_policy(doc) for name, doc in iam.list_policies(admin).items()}
    if wants.users:
        users = iam.list_users(admin)
        live.users = {key: iam.user_policies(info) for key, info in users.items()}
        for want in wants.users:
            if want.access_key and want.access_key in users:
                live.accepted[want.access_key] = s3.credentials_accepted(
                    admin, Credentials(want.access_key, want.secret_key)
                )
    if wants.buckets:
        live.buckets = s3.list_buckets(admin)
        for bucket in wants.buckets:
            if bucket.object_lock and bucket.name in live.buckets:
                live.object_lock[bucket.name] = s3.object_lock_enabled(admin, bucket.name)
    return live


# ------------------------------------------------------------------------------------------- writing


def _write(admin: RustfsAdminClient, wants: p.Wants, action: p.Action) -> None:
    if action.kind == "policies":
        policy = next(w for w in wants.policies if w.name == action.name)
        iam.add_policy(admin, action.name, policy.raw or b"")
        return
    if action.kind == "users":
        user = next(w for w in wants.users if w.name == action.name)
        if action.verb == "AddUser":
            iam.add_user(admin, str(user.access_key), user.secret_key)
        else:
            iam.set_user_policies(admin, str(user.access_key), sorted(set(user.policies)))
        return
    bucket = next(w for w in wants.buckets if w.name == action.name)
    s3.create_bucket(admin, bucket.name, bucket.region, bucket.object_lock)


def carry_out(
    admin: RustfsAdminClient, wants: p.Wants, plan: p.Plan
) -> tuple[dict[tuple[str, str], str], list[dict[str, str]]]:
    """Make PLAN's writes in order; (refused writes by item, changes made). A refused write skips the
    rest of its item (a user whose creation failed gets no policy mapping)."""
    errors: dict[tuple[str, str], str] = {}
    changes: list[dict[str, str]] = []
    for action in plan.actions:
        if (action.kind, action.name) in errors:
            continue
        try:
            _write(admin, wants, action)
        except RustfsAdminError as error:
            if error.unreachable:
                raise
            errors[(action.kind, action.name)] = str(error)
            continue
        changes.append({"kind": _KIND_NAMES[action.kind], "name": action.name, "action": _VERBS[action.verb]})
    return errors, changes


_KIND_NAMES = {"policies": "RustfsPolicy", "users": "RustfsUser", "buckets": "RustfsBucket"}
_VERBS = {
    "AddPolicy": "written",
    "AddUser": "written",
    "SetUserPolicies": "policies-attached",
    "CreateBucket": "created",
}


# ------------------------------------------------------------------------------------------- the pass


def _result(block: JSON, writes: int = 0, changes: list[dict[str, str]] | None = None) -> Provisioned:
    condition = p.condition_of(block)
    return Provisioned(
        block=block,
        condition=condition,
        failed=condition[0] == "False",
        pending=condition[0] == "Unknown",
        writes=writes,
        changes=changes or [],
    )


def provision(
    client: Any,
    tenant: Tenant,
    previous: Mapping[str, Any],
    statefulsets: Sequence[Mapping[str, Any]],
    cluster_domain: str,
    endpoint: str | None,
    now: str,
    check_mode: bool = False,
    admin_factory: AdminFactory = _admin,
) -> Provisioned:
    """One pass: nothing is written unless every pod is Ready and RustFS answers.

    PREVIOUS: the stored `status.provisioning` (what this tenant applied before, and Retained items).
    """
    wants = read_wants(client, tenant)

    def settle(
        states: Mapping[str, Mapping[str, tuple[str, str, str]]], live: p.Live | None = None, **kw: Any
    ) -> Provisioned:
        # A Ready policy remembers the document RustFS holds: a later change outside the tenant is a conflict.
        hashes = {
            name: p.digest(live.policies[name])
            for name, state in states.get("policies", {}).items()
            if live is not None and state[0] == p.READY and name in live.policies
        }
        return _result(p.status_block(wants, states, previous, tenant.generation, now, hashes), **kw)

    if not as_dict(tenant.spec.get("credsSecret")).get("name"):
        message = "spec.credsSecret is required for provisioning: the RustFS admin API needs the tenant's credentials"
        return settle(_failed(wants, p.PROVISIONING_UNSUPPORTED, message))
    ready, counted = pods_ready(statefulsets, len(tenant.pools))
    if not ready:
        return settle(p.all_pending(wants, p.PROVISIONING_PENDING, f"waiting for the pods: {counted}"))
    url = admin_url(tenant, cluster_domain, endpoint)
    try:
        admin = admin_factory(url, admin_credentials(client, tenant), admin_trust(client, tenant))
        live = observe(admin, wants)
        item_plan = p.plan(wants, live, previous)
        if check_mode or not item_plan.actions:
            states = p.verify(wants, live, item_plan, {}) if not item_plan.actions else _would(item_plan)
            return settle(states, live)
        errors, changes = carry_out(admin, wants, item_plan)
        after = observe(admin, wants)
    except RustfsAdminError as error:
        if error.unreachable or (error.status or 0) >= 500:
            message = f"RustFS at {url} did not answer ({error.detail}); retried with backoff"
            return settle(p.all_pending(wants, p.ADMIN_API_UNREACHABLE, message))
        return settle(_failed(wants, p.PROVISIONING_FAILED, f"the RustFS admin API refused a request: {error}"))
    except KeyError as error:
        return settle(_failed(wants, p.PROVISIONING_FAILED, f"spec.credsSecret: {error.args[0]}"))
    writes = len(changes) + len(errors)
    return settle(p.verify(wants, after, item_plan, errors), after, writes=writes, changes=changes)


def _would(item_plan: p.Plan) -> dict[str, dict[str, Any]]:
    states: dict[str, dict[str, Any]] = {kind: dict(item_plan.settled[kind]) for kind in p.KINDS}
    for action in item_plan.actions:
        states[action.kind][action.name] = (p.PENDING, p.PROVISIONING_PENDING, "would be written (check mode)")
    return states


def _failed(wants: p.Wants, reason: str, message: str) -> dict[str, dict[str, Any]]:
    return {
        "policies": {w.name: (p.FAILED, reason, message) for w in wants.policies},
        "users": {w.name: (p.FAILED, reason, message) for w in wants.users},
        "buckets": {w.name: (p.FAILED, reason, message) for w in wants.buckets},
    }
