# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Provisioning of spec.policies, spec.users and spec.buckets (spec 9.4), as pure decisions.

What the spec asks (Wants, read from ConfigMaps and Secrets by provisioning_run.py) against what
RustFS has (Live, read through its admin and S3 APIs) gives the writes to make (Actions) and each
item's state. Nothing here does I/O, so the rules are tested on their own.

The rules follow the RustFS operator's provisioning (rustfs/operator `src/reconcile/provisioning.rs`)
and its reasons, with two differences written down in docs/compatibility.md: a write is made only
when the server differs from the spec (a second reconcile writes nothing), and a user that exists
in RustFS is adopted only when the Secret's keys authenticate as it (else UserOwnershipConflict).

Nothing is ever deleted: an item removed from the spec is reported `Retained` and left in RustFS.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, as_dict, as_list

KINDS = ("policies", "users", "buckets")
POLICY_VERSION = "2012-10-17"
# Item states (the CRD's enum) and the reasons of the RustFS operator's provisioning.
READY, PENDING, FAILED, RETAINED = "Ready", "Pending", "Failed", "Retained"
CONFIGURED = "ProvisioningConfigured"
PROVISIONING_PENDING = "ProvisioningPending"
PROVISIONING_FAILED = "ProvisioningFailed"
PROVISIONING_UNSUPPORTED = "ProvisioningUnsupported"
POLICY_CONFIGMAP_NOT_FOUND = "PolicyDocumentConfigMapNotFound"
POLICY_KEY_NOT_FOUND = "PolicyDocumentKeyNotFound"
POLICY_APPLY_FAILED = "PolicyApplyFailed"
POLICY_CONFLICT = "PolicyConflict"
USER_SECRET_INVALID = "UserSecretInvalid"
USER_POLICY_NOT_FOUND = "UserPolicyNotFound"
USER_POLICY_SET_FAILED = "UserPolicySetFailed"
USER_OWNERSHIP_CONFLICT = "UserOwnershipConflict"
IMMUTABLE_FIELD_MODIFIED = "ImmutableFieldModified"
BUCKET_CREATE_FAILED = "BucketCreateFailed"
BUCKET_OBJECT_LOCK_CONFLICT = "BucketObjectLockConflict"
# Ours: RustFS did not answer at all (no HTTP response), so nothing is known; retried with backoff.
ADMIN_API_UNREACHABLE = "AdminApiUnreachable"
# The message of a Ready item, the same whether this run wrote it or found it so (a second run changes nothing).
VERIFIED = {
    "policies": "verified in RustFS: the policy document matches the spec",
    "users": "verified in RustFS: the user's Secret keys authenticate and its policies are attached",
    "buckets": "verified in RustFS: the bucket exists",
}
# The reason a failed write of each kind gets.
WRITE_FAILED = {"policies": POLICY_APPLY_FAILED, "users": USER_POLICY_SET_FAILED, "buckets": BUCKET_CREATE_FAILED}


def requested(spec: Mapping[str, Any]) -> bool:
    """Whether the spec asks for any provisioning at all (else the phase costs nothing)."""
    return any(as_list(spec.get(kind)) for kind in KINDS)


# ---------------------------------------------------------------------------------------------- policies


def _string_list(value: Any) -> Any:
    """Action/Resource as RustFS stores them: always a list (it serializes a single value as one), sorted."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return sorted(set(value))
    return value


def _statement(statement: Any) -> Any:
    if not isinstance(statement, Mapping):
        return statement
    normalized = dict(statement)
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if key in normalized:
            normalized[key] = _string_list(normalized[key])
    for key in ("Sid", "Condition"):
        if normalized.get(key) in ("", {}, None):
            normalized.pop(key, None)
    if isinstance(normalized.get("Condition"), Mapping):
        normalized["Condition"] = {
            operator: {k: _string_list(v) for k, v in as_dict(values).items()}
            for operator, values in normalized["Condition"].items()
        }
    return normalized


def canonical_policy(document: Any) -> str:
    """One text per meaning: the spec's document and RustFS's re-serialized copy compare equal.

    RustFS (rustfs-policy `Policy`) writes Action/Resource always as lists and drops an empty ID, Sid
    or Condition; statement order and list order carry no meaning. Keys are sorted, separators compact.
    """
    policy = dict(document) if isinstance(document, Mapping) else document
    if isinstance(policy, dict):
        if policy.get("ID") in ("", None):
            policy.pop("ID", None)
        statements = policy.get("Statement")
        if isinstance(statements, list):
            policy["Statement"] = sorted(
                (_statement(s) for s in statements), key=lambda s: json.dumps(s, sort_keys=True)
            )
        elif statements is not None:
            policy["Statement"] = [_statement(statements)]
    return json.dumps(policy, sort_keys=True, separators=(",", ":"))


def digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def policy_problem(raw: bytes) -> str | None:
    """Why RustFS would refuse RAW as a canned policy (rustfs-policy `Policy::parse_config`, and the
    add-canned-policy handler's `policy version is required`); None when it would take it."""
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        return f"the policy document is not JSON ({error.__class__.__name__})"
    if not isinstance(document, dict):
        return "the policy document must be a JSON object"
    if document.get("Version") != POLICY_VERSION:
        return f'the policy document needs "Version": "{POLICY_VERSION}"'
    statements = document.get("Statement")
    if not isinstance(statements, list) or not statements:
        return 'the policy document needs a non-empty "Statement" list'
    for index, statement in enumerate(statements):
        if not isinstance(statement, dict) or statement.get("Effect") not in ("Allow", "Deny"):
            return f'Statement[{index}] needs "Effect": "Allow" or "Deny"'
        if not (statement.get("Action") or statement.get("NotAction")):
            return f'Statement[{index}] needs "Action" or "NotAction"'
    return None


# ------------------------------------------------------------------------------------------- the inputs


@dataclass(frozen=True)
class PolicyWant:
    name: str
    # The document as given (sent as is) and its canonical text; None with a problem.
    raw: bytes | None = None
    canonical: str | None = None
    problem: tuple[str, str] | None = None  # (reason, message)


@dataclass(frozen=True)
class UserWant:
    name: str
    policies: tuple[str, ...] = ()
    access_key: str | None = None
    secret_key: str = field(default="", repr=False)
    problem: tuple[str, str] | None = None

    def __repr__(self) -> str:
        return f"UserWant(name={self.name!r}, policies={self.policies!r}, keys=<hidden>)"


@dataclass(frozen=True)
class BucketWant:
    name: str
    region: str | None = None
    object_lock: bool = False


@dataclass(frozen=True)
class Wants:
    policies: tuple[PolicyWant, ...] = ()
    users: tuple[UserWant, ...] = ()
    buckets: tuple[BucketWant, ...] = ()


@dataclass
class Live:
    """What RustFS has: canonical policy texts, users' mapped policies, buckets, and per-item checks."""

    policies: dict[str, str] = field(default_factory=dict)
    users: dict[str, list[str]] = field(default_factory=dict)
    buckets: set[str] = field(default_factory=set)
    # Bucket -> object lock enabled (read for buckets that ask for it).
    object_lock: dict[str, bool] = field(default_factory=dict)
    # Access key -> whether the Secret's keys authenticate as that user.
    accepted: dict[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class Action:
    """One write: AddPolicy, AddUser, SetUserPolicies or CreateBucket of the item KIND/NAME."""

    verb: str
    kind: str
    name: str


@dataclass
class Plan:
    actions: list[Action] = field(default_factory=list)
    # kind -> item name -> (state, reason, message) decided without a write (failures, nothing to do).
    settled: dict[str, dict[str, tuple[str, str, str]]] = field(default_factory=lambda: {k: {} for k in KINDS})


def _previous(previous: Mapping[str, Any], kind: str) -> dict[str, JSON]:
    return {str(as_dict(i).get("name")): as_dict(i) for i in as_list(as_dict(previous).get(kind))}


def key_digest(access_key: str) -> str:
    """What the status remembers of a user's access key: its digest, as the RustFS operator's
    `lastAppliedAccessKeyHash` (sha256 of the key), never the key."""
    return digest(access_key)


# ------------------------------------------------------------------------------------------- planning


def plan(wants: Wants, live: Live, previous: Mapping[str, Any]) -> Plan:
    """The writes that bring RustFS to the spec, and the items settled without one."""
    result = Plan()
    _plan_policies(wants, live, _previous(previous, "policies"), result)
    _plan_users(wants, live, _previous(previous, "users"), result)
    _plan_buckets(wants, live, result)
    return result


def _plan_policies(wants: Wants, live: Live, previous: Mapping[str, JSON], result: Plan) -> None:
    settled = result.settled["policies"]
    for want in wants.policies:
        if want.problem is not None or want.canonical is None:
            settled[want.name] = (FAILED, *(want.problem or (POLICY_APPLY_FAILED, "no policy document")))
            continue
        current = live.policies.get(want.name)
        applied = previous.get(want.name, {}).get("lastAppliedHash")
        if current is None:
            result.actions.append(Action("AddPolicy", "policies", want.name))
        elif current == want.canonical:
            settled[want.name] = (READY, CONFIGURED, VERIFIED["policies"])
        elif applied is None:
            settled[want.name] = (
                FAILED,
                POLICY_CONFLICT,
                "a RustFS policy of this name exists with another document and was not written by this "
                "tenant; it is left alone (delete or rename it in RustFS, or give the spec its document)",
            )
        elif applied != digest(current):
            settled[want.name] = (
                FAILED,
                POLICY_CONFLICT,
                "the RustFS policy was changed outside this tenant since it was last applied; it is left alone",
            )
        else:
            result.actions.append(Action("AddPolicy", "policies", want.name))


def _plan_users(wants: Wants, live: Live, previous: Mapping[str, JSON], result: Plan) -> None:
    settled = result.settled["users"]
    failed_policies = {n for n, s in result.settled["policies"].items() if s[0] == FAILED}
    known = set(live.policies) | {a.name for a in result.actions if a.kind == "policies"}
    for want in wants.users:
        before = previous.get(want.name, {})
        if want.problem is not None or want.access_key is None:
            settled[want.name] = (FAILED, *(want.problem or (USER_SECRET_INVALID, "no keys")))
            continue
        remembered = before.get("lastAppliedAccessKeyHash")
        if remembered and remembered != key_digest(want.access_key):
            settled[want.name] = (
                FAILED,
                IMMUTABLE_FIELD_MODIFIED,
                "the access key in the user's Secret changed after the user was created; a RustFS user keeps "
                "its access key: add a new entry to spec.users for the new key (the old user is kept)",
            )
            continue
        broken = [p for p in want.policies if p in failed_policies]
        missing = [p for p in want.policies if p not in known]
        if broken or missing:
            reason = USER_POLICY_SET_FAILED if broken else USER_POLICY_NOT_FOUND
            what = "is not ready" if broken else "does not exist in RustFS or in spec.policies"
            settled[want.name] = (FAILED, reason, f"policy {(broken or missing)[0]} {what}; the user was not written")
            continue
        mapped = live.users.get(want.access_key)
        if mapped is None:
            result.actions += [Action("AddUser", "users", want.name), Action("SetUserPolicies", "users", want.name)]
            continue
        if not live.accepted.get(want.access_key, False):
            if remembered != key_digest(want.access_key):
                settled[want.name] = (
                    FAILED,
                    USER_OWNERSHIP_CONFLICT,
                    "a RustFS user with this Secret's access key exists and its secret key differs: it was not "
                    "created by this tenant and is not taken over",
                )
                continue
            result.actions.append(Action("AddUser", "users", want.name))  # the Secret's secret key changed
        if sorted(mapped) != sorted(set(want.policies)):
            result.actions.append(Action("SetUserPolicies", "users", want.name))
        elif not any(a.name == want.name and a.kind == "users" for a in result.actions):
            settled[want.name] = (READY, CONFIGURED, VERIFIED["users"])


def _plan_buckets(wants: Wants, live: Live, result: Plan) -> None:
    settled = result.settled["buckets"]
    for want in wants.buckets:
        if want.name not in live.buckets:
            result.actions.append(Action("CreateBucket", "buckets", want.name))
        elif want.object_lock and not live.object_lock.get(want.name, False):
            settled[want.name] = (
                FAILED,
                BUCKET_OBJECT_LOCK_CONFLICT,
                "the bucket exists without object lock, which cannot be turned on for an existing bucket",
            )
        else:
            settled[want.name] = (READY, CONFIGURED, VERIFIED["buckets"])


# ------------------------------------------------------------------------------------------- verifying


def verify(
    wants: Wants, live: Live, item_plan: Plan, errors: Mapping[tuple[str, str], str]
) -> dict[str, dict[str, Any]]:
    """Each item's (state, reason, message) after the writes, from RustFS as read back (LIVE).

    ERRORS: (kind, name) -> the message of a write RustFS refused. An item is Ready only when what
    RustFS now holds is what the spec asks.
    """
    states: dict[str, dict[str, Any]] = {kind: dict(item_plan.settled[kind]) for kind in KINDS}
    acted = {(a.kind, a.name) for a in item_plan.actions}
    for kind, name in acted:
        if (kind, name) in errors:
            states[kind][name] = (FAILED, WRITE_FAILED[kind], errors[(kind, name)])
    done = acted - set(errors)
    for policy in wants.policies:
        if ("policies", policy.name) in done:
            ok = live.policies.get(policy.name) == policy.canonical
            states["policies"][policy.name] = _checked(ok, "policies")
    for user in wants.users:
        if ("users", user.name) in done:
            key = str(user.access_key)
            ok = sorted(live.users.get(key, ["\0"])) == sorted(set(user.policies)) and live.accepted.get(key, False)
            states["users"][user.name] = _checked(ok, "users")
    for bucket in wants.buckets:
        if ("buckets", bucket.name) in done:
            ok = bucket.name in live.buckets and (not bucket.object_lock or live.object_lock.get(bucket.name, False))
            states["buckets"][bucket.name] = _checked(ok, "buckets")
    return states


def _checked(ok: bool, kind: str) -> tuple[str, str, str]:
    if ok:
        return (READY, CONFIGURED, VERIFIED[kind])
    return (FAILED, WRITE_FAILED[kind], "RustFS accepted the write but does not show it when read back")


# ------------------------------------------------------------------------------------------- status


def status_block(
    wants: Wants,
    states: Mapping[str, Mapping[str, Any]],
    previous: Mapping[str, Any],
    generation: int | None,
    now: str,
    applied_hashes: Mapping[str, str] | None = None,
) -> JSON:
    """`status.provisioning`: phase, observedGeneration and one item per kind and name, sorted by name.

    Items that left the spec stay as Retained. `lastTransitionTime` moves only when an item's state,
    reason or message changes, so an unchanged run writes no status.
    """
    block: JSON = {}
    order = {"Failed": 0, "Pending": 1}
    worst = READY
    for kind in KINDS:
        before = _previous(previous, kind)
        items: list[JSON] = []
        for name, (state, reason, message) in states.get(kind, {}).items():
            item: JSON = {"name": name, "state": state, "reason": reason, "message": message}
            item.update(_extras(kind, name, wants, state, before.get(name, {}), applied_hashes or {}))
            items.append(_with_time(item, before.get(name), now))
            if order.get(state, 9) < order.get(worst, 9):
                worst = state
        for name, old in before.items():
            if name not in states.get(kind, {}):
                kept = {**old, "state": RETAINED, "reason": CONFIGURED}
                kept["message"] = "removed from the spec and retained in RustFS (never deleted)"
                items.append(_with_time(kept, old, now))
        if items:
            block[kind] = sorted(items, key=lambda i: str(i["name"]))
    if block:
        block["phase"] = worst
        if generation is not None:
            block["observedGeneration"] = generation
    return block


def _extras(
    kind: str, name: str, wants: Wants, state: str, before: Mapping[str, Any], applied: Mapping[str, str]
) -> JSON:
    """What a later run needs to remember: the hash last applied (policies), the access key's digest (users)."""
    if kind == "policies":
        value = applied.get(name) or before.get("lastAppliedHash")
        return {"lastAppliedHash": value} if value else {}
    if kind == "users":
        want = next((u for u in wants.users if u.name == name), None)
        extras: JSON = {"policies": list(want.policies)} if want else {}
        if state == READY and want is not None and want.access_key:
            extras["lastAppliedAccessKeyHash"] = key_digest(want.access_key)
        elif before.get("lastAppliedAccessKeyHash"):
            extras["lastAppliedAccessKeyHash"] = before["lastAppliedAccessKeyHash"]
        return extras
    want_bucket = next((b for b in wants.buckets if b.name == name), None)
    if want_bucket is None:
        return {}
    return {"objectLock": want_bucket.object_lock, **({"region": want_bucket.region} if want_bucket.region else {})}


def _with_time(item: JSON, before: Mapping[str, Any] | None, now: str) -> JSON:
    same = before is not None and all(before.get(k) == item.get(k) for k in ("state", "reason", "message"))
    item["lastTransitionTime"] = before.get("lastTransitionTime") if same and before else now
    if not item["lastTransitionTime"]:
        item["lastTransitionTime"] = now
    return item


def all_pending(wants: Wants, reason: str, message: str) -> dict[str, dict[str, Any]]:
    """Every requested item Pending for REASON (pods not Ready, RustFS unreachable): nothing was checked."""
    return {
        "policies": {w.name: (PENDING, reason, message) for w in wants.policies},
        "users": {w.name: (PENDING, reason, message) for w in wants.users},
        "buckets": {w.name: (PENDING, reason, message) for w in wants.buckets},
    }


def first_failure(block: Mapping[str, Any]) -> tuple[str, str] | None:
    """(reason, `<kind> <name>: message`) of the first Failed item, in kind order."""
    for kind in KINDS:
        for item in as_list(block.get(kind)):
            if as_dict(item).get("state") == FAILED:
                return str(
                    item["reason"]
                ), f"{kind[:-1] if kind != 'policies' else 'policy'} {item['name']}: {item['message']}"
    return None


def counts(block: Mapping[str, Any]) -> dict[str, int]:
    """How many items are in each state (for the condition's message)."""
    found: dict[str, int] = {}
    for kind in KINDS:
        for item in as_list(block.get(kind)):
            state = str(as_dict(item).get("state"))
            found[state] = found.get(state, 0) + 1
    return found


def summary(block: Mapping[str, Any]) -> str:
    numbers = counts(block)
    return ", ".join(f"{numbers[s]} {s.lower()}" for s in (READY, PENDING, FAILED, RETAINED) if numbers.get(s))


def condition_of(block: Mapping[str, Any]) -> tuple[str, str, str]:
    """ProvisioningReady (status, reason, message) from a `status.provisioning`: True only when every
    requested item was verified in RustFS; False with the first failure; Unknown while pending."""
    failure = first_failure(block)
    if failure is not None:
        return "False", failure[0], failure[1]
    pending = [as_dict(i) for kind in KINDS for i in as_list(block.get(kind)) if as_dict(i).get("state") == PENDING]
    if pending or not block:
        item = pending[0] if pending else {"reason": PROVISIONING_PENDING, "message": "not provisioned yet"}
        return "Unknown", str(item["reason"]), str(item["message"])
    return "True", CONFIGURED, f"verified in RustFS: {summary(block)}"
