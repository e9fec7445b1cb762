# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Whether a tenant fits its namespace's ResourceQuotas and LimitRanges (issue 17, item 2).

Why: the API server enforces both only when the StatefulSet controller creates a pod or a claim.
A tenant that does not fit gets its StatefulSets applied, then some pods are never created, and
the reason is in the StatefulSet's events ("exceeded quota", "maximum memory usage per Container"),
one pod at a time. Checked here before any write, the refusal is on the Tenant, with the numbers.

What is modelled (the API server's admission, in its order):
1. Pod defaulting: a container request left unset takes its limit.
2. LimitRanger, mutating: a `Container` LimitRange item fills unset limits from `default` and unset
   requests from `defaultRequest` (the API server stores a LimitRange with `defaultRequest` defaulted
   from `default`, and `default` from `max`). Each filled value is a warning: RustFS then runs with a
   limit or request nobody wrote for it.
3. LimitRanger, validating: per `Container` and per `Pod` (one container here, so the same
   numbers): `max` needs a limit at most max, `min` a request at least min,
   `maxLimitRequestRatio` limit/request at most the ratio; per `PersistentVolumeClaim`: the claim's
   storage request between `min` and `max`.
4. ResourceQuota: per quota whose scopes match the pods (`Terminating`, `NotTerminating`,
   `BestEffort`, `NotBestEffort`, `PriorityClass` in `scopes` or `scopeSelector`; a scoped quota
   counts pods only), the resources it tracks: `pods`, `requests.*` (`cpu`, `memory`,
   `ephemeral-storage` as bare names too), `limits.*`, `persistentvolumeclaims`, `requests.storage`
   and the per-StorageClass `<class>.storageclass.storage.k8s.io/requests.storage` and
   `.../persistentvolumeclaims` (`count/pods` and `count/persistentvolumeclaims` as well). A quota
   on cpu or memory also needs every pod to state it (the API server refuses one that does not).

What the tenant needs is computed from its rendered StatefulSets (replicas x pod, replicas x claim
templates), and what it uses now from its live ones, by the same function; the namespace's use by
other objects is the quota's `status.used` minus the tenant's own. A resource the tenant does not
ask more of is never refused, so an unchanged tenant is never blocked by a quota, even one lowered
below what it runs on. Not modelled: pod overhead (RuntimeClass), Services and other object counts,
quotas on volume attributes classes, claims kept from decommissioned pools (they count as "other").
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError, field_error
from ansible_collections.rustfs.operator.plugins.module_utils.model import Tenant, as_dict, as_list
from ansible_collections.rustfs.operator.plugins.module_utils.quantity import parse_quantity
from ansible_collections.rustfs.operator.plugins.module_utils.workloads import statefulset

REASON_QUOTA_EXCEEDED = "ResourceQuotaExceeded"
REASON_QUOTA_NEEDS_RESOURCES = "ResourceQuotaRequiresResources"
REASON_LIMIT_RANGE = "LimitRangeExceeded"
REASON_LIMIT_RANGE_DEFAULT = "LimitRangeDefaultApplied"

# A quota on any of these makes the API server refuse a pod whose containers do not state it.
REQUIRED_BY_QUOTA = {
    "cpu": ("requests", "cpu"),
    "requests.cpu": ("requests", "cpu"),
    "memory": ("requests", "memory"),
    "requests.memory": ("requests", "memory"),
    "limits.cpu": ("limits", "cpu"),
    "limits.memory": ("limits", "memory"),
}
STANDARD_REQUESTS = ("cpu", "memory", "ephemeral-storage")
CLASS_SUFFIX = ".storageclass.storage.k8s.io/"


@dataclass(frozen=True)
class ResourceQuota:
    name: str
    hard: dict[str, Decimal]
    used: dict[str, Decimal]
    scopes: tuple[str, ...]
    # scopeSelector.matchExpressions: (scopeName, operator, values)
    selector: tuple[tuple[str, str, tuple[str, ...]], ...]

    @property
    def scoped(self) -> bool:
        return bool(self.scopes or self.selector)


@dataclass(frozen=True)
class LimitRange:
    name: str
    # spec.limits items: (type, {"max"|"min"|"default"|"defaultRequest"|"maxLimitRequestRatio": {resource: amount}})
    items: tuple[tuple[str, dict[str, dict[str, Decimal]]], ...]


def _amounts(values: Any) -> dict[str, Decimal]:
    parsed = {}
    for name, value in as_dict(values).items():
        try:
            parsed[str(name)] = parse_quantity(value)
        except ValueError:
            continue
    return parsed


def resource_quota(item: Mapping[str, Any]) -> ResourceQuota:
    spec, status = as_dict(item.get("spec")), as_dict(item.get("status"))
    expressions = as_list(as_dict(spec.get("scopeSelector")).get("matchExpressions"))
    return ResourceQuota(
        name=str(as_dict(item.get("metadata")).get("name", "")),
        hard=_amounts(spec.get("hard")),
        used=_amounts(status.get("used")),
        scopes=tuple(str(s) for s in as_list(spec.get("scopes"))),
        selector=tuple(
            (
                str(as_dict(e).get("scopeName")),
                str(as_dict(e).get("operator")),
                tuple(str(v) for v in as_list(as_dict(e).get("values"))),
            )
            for e in expressions
        ),
    )


def limit_range(item: Mapping[str, Any]) -> LimitRange:
    keys = ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio")
    items = tuple(
        (str(as_dict(limit).get("type", "")), {key: _amounts(as_dict(limit).get(key)) for key in keys})
        for limit in as_list(as_dict(item.get("spec")).get("limits"))
    )
    return LimitRange(name=str(as_dict(item.get("metadata")).get("name", "")), items=items)


# --- what a StatefulSet's pods and claims use --------------------------------------------------------


@dataclass
class Part:
    """What one pool uses: its pods (each alike) and its claims, in quota resource names."""

    pool: str
    pods: int
    requests: dict[str, Decimal] = field(default_factory=dict)
    limits: dict[str, Decimal] = field(default_factory=dict)
    priority_class: str = ""
    claims: list[tuple[str | None, Decimal]] = field(default_factory=list)  # (class, storage) per claim
    defaulted: list[str] = field(default_factory=list)  # what a LimitRange filled in, for warnings
    defaulted_limits: set[str] = field(default_factory=set)

    @property
    def best_effort(self) -> bool:
        return not any(self.requests.get(r) or self.limits.get(r) for r in ("cpu", "memory"))

    def pod_usage(self) -> dict[str, Decimal]:
        usage = {"pods": Decimal(1), "count/pods": Decimal(1)}
        for name, amount in self.requests.items():
            usage[f"requests.{name}"] = amount
            if name in STANDARD_REQUESTS:
                usage[name] = amount
        for name, amount in self.limits.items():
            usage[f"limits.{name}"] = amount
        return usage

    def claim_usage(self, default_class: str | None) -> dict[str, Decimal]:
        usage: dict[str, Decimal] = {}
        for class_name, size in self.claims:
            effective = default_class if class_name is None else class_name
            names = ["persistentvolumeclaims", "count/persistentvolumeclaims"]
            sized = ["requests.storage"]
            if effective:
                names.append(f"{effective}{CLASS_SUFFIX}persistentvolumeclaims")
                sized.append(f"{effective}{CLASS_SUFFIX}requests.storage")
            for name in names:
                usage[name] = usage.get(name, Decimal(0)) + self.pods
            for name in sized:
                usage[name] = usage.get(name, Decimal(0)) + self.pods * size
        return usage


def _defaults(ranges: Sequence[LimitRange]) -> tuple[dict[str, tuple[Decimal, str]], dict[str, tuple[Decimal, str]]]:
    """(default limits, default requests) of the Container items: resource -> (amount, LimitRange name)."""
    limits: dict[str, tuple[Decimal, str]] = {}
    requests: dict[str, tuple[Decimal, str]] = {}
    for item in ranges:
        for kind, values in item.items:
            if kind != "Container":
                continue
            for name, amount in values["default"].items():
                limits.setdefault(name, (amount, item.name))
            for name, amount in values["defaultRequest"].items():
                requests.setdefault(name, (amount, item.name))
    return limits, requests


def part_of(sts: Mapping[str, Any], ranges: Sequence[LimitRange]) -> Part:
    """The pool's use, as admission would leave its pods (defaulting, then the LimitRanges' defaults)."""
    metadata, spec = as_dict(sts.get("metadata")), as_dict(sts.get("spec"))
    pod = as_dict(as_dict(spec.get("template")).get("spec"))
    part = Part(
        pool=str(as_dict(metadata.get("labels")).get("rustfs.pool") or metadata.get("name")),
        pods=int(spec.get("replicas") or 0),
        priority_class=str(pod.get("priorityClassName") or ""),
    )
    default_limits, default_requests = _defaults(ranges)
    for container in as_list(pod.get("containers")):
        resources = as_dict(as_dict(container).get("resources"))
        limits = _amounts(resources.get("limits"))
        requests = {**limits, **_amounts(resources.get("requests"))}
        for name, (amount, source) in default_limits.items():
            if name not in limits:
                limits[name] = amount
                part.defaulted_limits.add(name)
                part.defaulted.append(f"{name} limit {format_amount(name, amount)} (LimitRange {source})")
        for name, (amount, source) in default_requests.items():
            if name not in requests:
                requests[name] = amount
                part.defaulted.append(f"{name} request {format_amount(name, amount)} (LimitRange {source})")
        for target, values in ((part.requests, requests), (part.limits, limits)):
            for name, amount in values.items():
                target[name] = target.get(name, Decimal(0)) + amount
    for template in as_list(spec.get("volumeClaimTemplates")):
        claim = as_dict(as_dict(template).get("spec"))
        size = _amounts(as_dict(claim.get("resources")).get("requests")).get("storage", Decimal(0))
        class_name = claim.get("storageClassName")
        part.claims.append((None if class_name is None else str(class_name), size))
    return part


# --- quantities in messages --------------------------------------------------------------------------


def format_amount(resource: str, amount: Decimal) -> str:
    """A quantity as a person would write it: 1500m, 2, 4Gi, 512Mi, 7 (counts)."""
    if amount == amount.to_integral_value():
        whole = int(amount)
        if resource.endswith(("memory", "storage")) and whole:
            units = (
                ("Ti", 2**40),
                ("Gi", 2**30),
                ("Mi", 2**20),
                ("T", 10**12),
                ("G", 10**9),
                ("M", 10**6),
                ("Ki", 2**10),
            )
            for suffix, size in units:
                if whole % size == 0:
                    return f"{whole // size}{suffix}"
        return str(whole)
    millis = amount * 1000
    if millis == millis.to_integral_value():
        return f"{int(millis)}m"
    return str(amount.normalize())


# --- the checks ----------------------------------------------------------------------------------------


def _scope_matches(scope: str, operator: str, values: Sequence[str], part: Part) -> bool:
    if scope == "NotTerminating":
        return True  # StatefulSet pods set no activeDeadlineSeconds
    if scope == "BestEffort":
        return part.best_effort
    if scope == "NotBestEffort":
        return not part.best_effort
    if scope == "PriorityClass":
        if operator == "In":
            return part.priority_class in values
        if operator == "NotIn":
            return part.priority_class not in values
        if operator == "Exists":
            return bool(part.priority_class)
        return operator == "DoesNotExist" and not part.priority_class
    return False  # Terminating, CrossNamespacePodAffinity, VolumeAttributesClass: not our pods


def _usage(quota: ResourceQuota, parts: Sequence[Part], default_class: str | None) -> dict[str, dict[str, Decimal]]:
    """Pool -> what it counts against QUOTA (a scoped quota counts matching pods only, and no claims)."""
    by_pool: dict[str, dict[str, Decimal]] = {}
    for part in parts:
        usage: dict[str, Decimal] = {}
        matches = all(_scope_matches(s, "Exists", (), part) for s in quota.scopes) and all(
            _scope_matches(s, o, v, part) for s, o, v in quota.selector
        )
        if matches:
            for name, amount in part.pod_usage().items():
                usage[name] = usage.get(name, Decimal(0)) + part.pods * amount
        if not quota.scoped:
            for name, amount in part.claim_usage(default_class).items():
                usage[name] = usage.get(name, Decimal(0)) + amount
        by_pool[part.pool] = usage
    return by_pool


def _total(by_pool: Mapping[str, Mapping[str, Decimal]], name: str) -> Decimal:
    return sum((usage.get(name, Decimal(0)) for usage in by_pool.values()), Decimal(0))


def _quota_problems(
    namespace: str,
    quota: ResourceQuota,
    wanted: Sequence[Part],
    current: Sequence[Part],
    default_class: str | None,
    unchanged: Collection[str],
) -> list[FieldError]:
    problems: list[FieldError] = []
    needed = _usage(quota, wanted, default_class)
    now = _usage(quota, current, default_class)
    for name, hard in sorted(quota.hard.items()):
        new, own = _total(needed, name), _total(now, name)
        if new <= own:
            continue  # the tenant asks for no more of it than it has: the quota cannot refuse that
        others = max(quota.used.get(name, Decimal(0)) - own, Decimal(0))
        if others + new <= hard:
            continue
        pools = ", ".join(
            f"pool {pool} {format_amount(name, usage[name])}" for pool, usage in needed.items() if usage.get(name)
        )
        problems.append(
            field_error(
                "spec.pools",
                f"ResourceQuota {quota.name} of namespace {namespace} allows {name} {format_amount(name, hard)}; other "
                f"objects use {format_amount(name, others)} of it, and the tenant needs {format_amount(name, new)} "
                f"({pools}), {format_amount(name, others + new - hard)} more than is left: the pods or claims beyond "
                "it would never be created. Lower the pools' requests or ask for a larger quota",
                REASON_QUOTA_EXCEEDED,
            )
        )
    for index, part in enumerate(wanted):
        scoped_out = not _usage(quota, [part], default_class)[part.pool].get("pods")
        if scoped_out or not part.pods or part.pool in unchanged:
            continue
        for name, (side, resource) in REQUIRED_BY_QUOTA.items():
            values = part.requests if side == "requests" else part.limits
            if name in quota.hard and not values.get(resource):
                problems.append(
                    field_error(
                        f"spec.pools[{index}].resources",
                        f"ResourceQuota {quota.name} of namespace {namespace} limits {name}, so the API server "
                        f"refuses every pod that does not set its {resource} {side[:-1]}, and pool {part.pool} sets "
                        f"none (nor does a LimitRange default): set resources.{side}.{resource}",
                        REASON_QUOTA_NEEDS_RESOURCES,
                    )
                )
    return problems


def _limit_problems(
    namespace: str, item: LimitRange, index: int, part: Part, claims_exist: bool
) -> list[tuple[str, str]]:
    """(field, message) for each way the pool's pods or new claims break one LimitRange."""
    found: list[tuple[str, str]] = []
    where = f"LimitRange {item.name} of namespace {namespace}"
    for kind, values in item.items:
        if kind in ("Container", "Pod"):
            per = "container" if kind == "Container" else "pod"
            path = f"spec.pools[{index}].resources"
            for name, bound in values["max"].items():
                limit = part.limits.get(name)
                if limit is None or limit > bound:
                    had = "sets no limit" if limit is None else f"has a limit of {format_amount(name, limit)}"
                    found.append(
                        (
                            path,
                            f"{where} allows at most {name} {format_amount(name, bound)} per {per}, and pool "
                            f"{part.pool} {had}",
                        )
                    )
            for name, bound in values["min"].items():
                request = part.requests.get(name)
                if request is None or request < bound:
                    had = "sets no request" if request is None else f"requests {format_amount(name, request)}"
                    found.append(
                        (
                            path,
                            f"{where} needs at least {name} {format_amount(name, bound)} per {per}, and pool "
                            f"{part.pool} {had}",
                        )
                    )
            for name, ratio in values["maxLimitRequestRatio"].items():
                limit, request = part.limits.get(name), part.requests.get(name)
                if limit is not None and request and limit / request > ratio:
                    found.append(
                        (
                            path,
                            f"{where} allows a {name} limit at most {ratio.normalize()} times the request, and "
                            f"pool {part.pool} has {format_amount(name, limit)} over {format_amount(name, request)}",
                        )
                    )
        elif kind == "PersistentVolumeClaim" and not claims_exist:
            path = f"spec.pools[{index}].persistence.volumeClaimTemplate"
            for size in sorted({size for _class_name, size in part.claims}):
                for name, bound in values["max"].items():
                    if name == "storage" and size > bound:
                        found.append(
                            (
                                path,
                                f"{where} allows claims of at most {format_amount(name, bound)}, and pool "
                                f"{part.pool} asks {format_amount(name, size)} per claim",
                            )
                        )
                for name, bound in values["min"].items():
                    if name == "storage" and size < bound:
                        found.append(
                            (
                                path,
                                f"{where} needs claims of at least {format_amount(name, bound)}, and pool "
                                f"{part.pool} asks {format_amount(name, size)} per claim",
                            )
                        )
    return found


@dataclass(frozen=True)
class NamespaceFacts:
    """The namespace's ResourceQuotas and LimitRanges; None for a kind that could not be read."""

    namespace: str
    quotas: tuple[ResourceQuota, ...] | None = None
    limit_ranges: tuple[LimitRange, ...] | None = None


def quota_checks(
    tenant: Tenant,
    facts: NamespaceFacts,
    live_statefulsets: Sequence[Mapping[str, Any]] = (),
    default_class: str | None = None,
) -> tuple[list[FieldError], list[FieldError]]:
    """(problems, warnings) of the tenant against its namespace's quotas and limit ranges.

    LIVE_STATEFULSETS: the tenant's StatefulSets as they are (what it uses now); DEFAULT_CLASS: the
    cluster's default StorageClass, which the claims without a class get.
    """
    if facts.namespace != tenant.namespace or (facts.quotas is None and facts.limit_ranges is None):
        return [], []
    ranges = facts.limit_ranges or ()
    wanted = [part_of(statefulset(tenant, index), ranges) for index in range(len(tenant.pools))]
    current = [part_of(sts, ranges) for sts in live_statefulsets]
    live_by_pool = {part.pool: part for part in current}
    unchanged = {
        part.pool
        for part in wanted
        if part.pool in live_by_pool
        and (live_by_pool[part.pool].requests, live_by_pool[part.pool].limits) == (part.requests, part.limits)
    }
    problems: list[FieldError] = []
    warnings: list[FieldError] = []
    for quota in facts.quotas or ():
        problems += _quota_problems(tenant.namespace, quota, wanted, current, default_class, unchanged)
    for index, part in enumerate(wanted):
        for item in ranges:
            for path, message in _limit_problems(tenant.namespace, item, index, part, part.pool in live_by_pool):
                if part.pool in unchanged:
                    # The running pods were admitted before the LimitRange: reported, not refused.
                    message += "; the running pods predate it, but a recreated pod (after a drain) would be refused"
                    warnings.append(field_error(path, message, REASON_LIMIT_RANGE))
                else:
                    problems.append(
                        field_error(path, message + ": the API server would refuse the pods", REASON_LIMIT_RANGE)
                    )
        for name in sorted(part.defaulted_limits):
            request, limit = part.requests.get(name, Decimal(0)), part.limits[name]
            if request > limit:
                # A pool running with these resources predates the LimitRange: reported, not refused.
                (warnings if part.pool in unchanged else problems).append(
                    field_error(
                        f"spec.pools[{index}].resources",
                        f"pool {part.pool} requests {name} {format_amount(name, request)}, more than the limit "
                        f"{format_amount(name, limit)} the namespace's LimitRange default gives it: the API server "
                        "refuses such pods; set the limit",
                        REASON_LIMIT_RANGE,
                    )
                )
        if part.defaulted:
            warnings.append(
                field_error(
                    f"spec.pools[{index}].resources",
                    f"pool {part.pool} leaves resources unset that the namespace's LimitRange fills in for each pod: "
                    f"{'; '.join(part.defaulted)}. RustFS then runs throttled or is killed at values nobody chose "
                    "for it: set the pool's resources explicitly",
                    REASON_LIMIT_RANGE_DEFAULT,
                )
            )
    return problems, warnings
