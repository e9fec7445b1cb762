# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Configuration checks against the cluster, before anything is applied (issue 7, item 5).

Why: a Tenant can be valid and still never run on this cluster. A StorageClass that does
not exist leaves every claim Pending; node selectors that match too few nodes, or requests
larger than any node, leave pods Pending; an unknown PriorityClass makes the API server
refuse the pods outright. Kubernetes reports each of these only on the pods, one at a
time, after the StatefulSets were applied; these checks say it on the Tenant, with the
field to change, before anything is written.

Pure: the caller reads the cluster (StorageClasses, Nodes, PriorityClasses, as the API
returns them) and builds ClusterFacts; nothing here talks to the API. Facts of a kind the
caller could not read (None: no RBAC to list Nodes in playbook mode, for example) skip the
checks that need them instead of refusing the tenant.

What is modelled of the scheduler (kube-scheduler's filters), per pool:
- NodeUnschedulable: a cordoned node counts only if the pod tolerates
  node.kubernetes.io/unschedulable:NoSchedule; a node whose Ready condition is not True
  does not count (the node lifecycle controller taints it).
- TaintToleration: every NoSchedule and NoExecute taint must be tolerated.
- NodeAffinity: nodeSelector, and the required node affinity terms (ORed; requirements
  of a term ANDed; In, NotIn, Exists, DoesNotExist, Gt, Lt; matchFields metadata.name).
- NodeResourcesFit: the container's requests (limits where a request is unset, as the
  API server defaults them) against a node's allocatable. This is the node's size, not
  its free capacity: other pods are not counted.
- InterPodAffinity: a required pod anti-affinity term that selects the pool's own pods
  spreads them over the values of its topologyKey (one node per pod for
  kubernetes.io/hostname), so the pool needs that many distinct values among the nodes
  that fit. Terms of other namespaces or a namespaceSelector are not evaluated.
Not modelled: topology spread constraints, preferred terms, volume topology, free capacity.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError, field_error
from ansible_collections.rustfs.operator.plugins.module_utils.exposure import exposure_checks
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Pool, Tenant, as_dict, as_list
from ansible_collections.rustfs.operator.plugins.module_utils.naming import pool_labels
from ansible_collections.rustfs.operator.plugins.module_utils.network_policy import network_policy_warnings
from ansible_collections.rustfs.operator.plugins.module_utils.quantity import parse_quantity
from ansible_collections.rustfs.operator.plugins.module_utils.quota import (
    REASON_LIMIT_RANGE,
    REASON_LIMIT_RANGE_DEFAULT,
    REASON_QUOTA_EXCEEDED,
    REASON_QUOTA_NEEDS_RESOURCES,
    LimitRange,
    NamespaceFacts,
    ResourceQuota,
    limit_range,
    quota_checks,
    resource_quota,
)

REASON_STORAGE_CLASS_NOT_FOUND = "StorageClassNotFound"
REASON_NO_DEFAULT_STORAGE_CLASS = "DefaultStorageClassMissing"
REASON_INSUFFICIENT_NODES = "InsufficientNodes"
REASON_RESOURCES_EXCEED_NODES = "ResourcesExceedNodeCapacity"
REASON_PRIORITY_CLASS_NOT_FOUND = "PriorityClassNotFound"
REASON_MIXED_STORAGE_CLASSES = "MixedStorageClasses"

# Reasons of problems (the tenant is refused, nothing applied); StorageClassNotFound is only a warning for a
# pool whose claims exist already. The other two reasons are warnings only.
PROBLEM_REASONS = (
    REASON_STORAGE_CLASS_NOT_FOUND,
    REASON_INSUFFICIENT_NODES,
    REASON_RESOURCES_EXCEED_NODES,
    REASON_PRIORITY_CLASS_NOT_FOUND,
    REASON_QUOTA_EXCEEDED,
    REASON_QUOTA_NEEDS_RESOURCES,
    REASON_LIMIT_RANGE,
)
# LimitRangeExceeded is a warning only for a pool whose running pods it would not refuse today (quota.py).
WARNING_REASONS = (
    REASON_NO_DEFAULT_STORAGE_CLASS,
    REASON_MIXED_STORAGE_CLASSES,
    REASON_LIMIT_RANGE_DEFAULT,
    "NetworkPolicyBlocksVault",
)

DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)
HOSTNAME_LABEL = "kubernetes.io/hostname"
UNSCHEDULABLE_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
# Always present in a cluster (created by the API server), so never reported missing.
BUILT_IN_PRIORITY_CLASSES = frozenset({"system-cluster-critical", "system-node-critical"})


@dataclass(frozen=True)
class StorageClass:
    name: str
    allow_volume_expansion: bool
    default: bool
    created: str  # metadata.creationTimestamp (RFC 3339 UTC, so it sorts as text)


@dataclass(frozen=True)
class Node:
    name: str
    labels: dict[str, str]
    taints: tuple[JSON, ...]
    unschedulable: bool
    ready: bool
    allocatable: dict[str, Decimal]
    allocatable_text: dict[str, str]  # as the node reports it, for messages


def _storage_class(item: Mapping[str, Any]) -> StorageClass:
    metadata = as_dict(item.get("metadata"))
    annotations = as_dict(metadata.get("annotations"))
    return StorageClass(
        name=str(metadata.get("name", "")),
        allow_volume_expansion=item.get("allowVolumeExpansion") is True,
        default=any(annotations.get(key) == "true" for key in DEFAULT_CLASS_ANNOTATIONS),
        created=str(metadata.get("creationTimestamp") or ""),
    )


def _quantities(values: Mapping[str, Any]) -> dict[str, tuple[Decimal, str]]:
    """Resource name -> (amount, text as written); a value that is not a quantity is left out."""
    parsed: dict[str, tuple[Decimal, str]] = {}
    for name, value in values.items():
        try:
            parsed[str(name)] = (parse_quantity(value), str(value))
        except ValueError:
            continue
    return parsed


def _node(item: Mapping[str, Any]) -> Node:
    metadata, spec, status = (as_dict(item.get(key)) for key in ("metadata", "spec", "status"))
    conditions = [as_dict(c) for c in as_list(status.get("conditions"))]
    ready = next((c.get("status") for c in conditions if c.get("type") == "Ready"), "True")
    reported = status.get("allocatable") if status.get("allocatable") is not None else status.get("capacity")
    allocatable = _quantities(as_dict(reported))
    return Node(
        name=str(metadata.get("name", "")),
        labels={str(k): str(v) for k, v in as_dict(metadata.get("labels")).items()},
        taints=tuple(as_dict(t) for t in as_list(spec.get("taints"))),
        unschedulable=spec.get("unschedulable") is True,
        ready=ready == "True",
        allocatable={name: amount for name, (amount, _text) in allocatable.items()},
        allocatable_text={name: text for name, (_amount, text) in allocatable.items()},
    )


@dataclass(frozen=True)
class ClusterFacts:
    """What the cluster has; None for a kind that could not be read (its checks are skipped)."""

    storage_classes: tuple[StorageClass, ...] | None = None
    nodes: tuple[Node, ...] | None = None
    priority_classes: frozenset[str] | None = None
    # Read only for a tenant whose spec.exposure names them (exposure_kube.with_exposure_facts).
    gateway_kinds: frozenset[str] | None = None
    ingress_classes: frozenset[str] | None = None
    # The ResourceQuotas and LimitRanges of one namespace (the tenant's); None: not read.
    namespace: NamespaceFacts | None = None

    @classmethod
    def from_api(
        cls,
        storage_classes: Sequence[Mapping[str, Any]] | None = None,
        nodes: Sequence[Mapping[str, Any]] | None = None,
        priority_classes: Sequence[Mapping[str, Any]] | None = None,
        namespace: str | None = None,
        resource_quotas: Sequence[Mapping[str, Any]] | None = None,
        limit_ranges: Sequence[Mapping[str, Any]] | None = None,
    ) -> ClusterFacts:
        """From the items of the lists the API returns (`storage.k8s.io/v1` StorageClass, `v1` Node,
        `scheduling.k8s.io/v1` PriorityClass; `v1` ResourceQuota and LimitRange of NAMESPACE), as plain
        dicts with the API's camelCase keys."""
        facts = cls(
            storage_classes=None if storage_classes is None else tuple(_storage_class(i) for i in storage_classes),
            nodes=None if nodes is None else tuple(_node(i) for i in nodes),
            priority_classes=None
            if priority_classes is None
            else frozenset(str(as_dict(i.get("metadata")).get("name", "")) for i in priority_classes),
        )
        return facts if namespace is None else facts.with_namespace(namespace, resource_quotas, limit_ranges)

    def with_namespace(
        self,
        namespace: str,
        resource_quotas: Sequence[Mapping[str, Any]] | None,
        limit_ranges: Sequence[Mapping[str, Any]] | None,
    ) -> ClusterFacts:
        """These facts with NAMESPACE's ResourceQuotas and LimitRanges (items of another namespace are
        left out; None: they could not be read, and their checks are skipped)."""

        def here(item: Mapping[str, Any]) -> bool:
            return as_dict(item.get("metadata")).get("namespace") in (None, namespace)

        quotas: tuple[ResourceQuota, ...] | None = None
        if resource_quotas is not None:
            quotas = tuple(resource_quota(i) for i in resource_quotas if here(i))
        ranges: tuple[LimitRange, ...] | None = None
        if limit_ranges is not None:
            ranges = tuple(limit_range(i) for i in limit_ranges if here(i))
        return replace(self, namespace=NamespaceFacts(namespace, quotas, ranges))

    def default_storage_class(self) -> str | None:
        """The class the API server gives a claim without one: the newest default (then by name)."""
        defaults = sorted((c for c in self.storage_classes or () if c.default), key=lambda c: c.name)
        if not defaults:
            return None
        return max(defaults, key=lambda c: c.created).name  # max keeps the first (lowest name) of a tie

    def storage_class(self, name: str) -> StorageClass | None:
        return next((c for c in self.storage_classes or () if c.name == name), None)

    def allows_expansion(self, class_name: str | None) -> bool | None:
        """Whether claims of this class may grow (`allowVolumeExpansion: true`).

        `class_name` None means the claim names no class (the default class applies); "" means
        no class at all (pre-created volumes), which never expands. None when unknown: the
        StorageClasses were not read, or the class (or a default) does not exist.
        """
        if self.storage_classes is None:
            return None
        if class_name == "":
            return False
        name = self.default_storage_class() if class_name is None else class_name
        found = self.storage_class(name) if name is not None else None
        return None if found is None else found.allow_volume_expansion


# --- storage ---------------------------------------------------------------------------------------


def claim_storage_class(pool: Pool) -> str | None:
    """The storageClassName of the pool's data claims: None when unset (the default class applies)."""
    template = pool.persistence.claim_template
    if template is None or template.get("storageClassName") is None:
        return None
    return str(template["storageClassName"])


def _class_field(index: int) -> str:
    return f"spec.pools[{index}].persistence.volumeClaimTemplate.storageClassName"


def _storage_checks(
    tenant: Tenant, facts: ClusterFacts, existing: Collection[str]
) -> tuple[list[FieldError], list[FieldError]]:
    problems: list[FieldError] = []
    warnings: list[FieldError] = []
    if facts.storage_classes is None:
        return problems, warnings
    default = facts.default_storage_class()
    claims: list[tuple[str, str | None, str, bool]] = [
        (_class_field(i), claim_storage_class(p), f"pool {p.name}", p.name in existing)
        for i, p in enumerate(tenant.pools)
    ]
    logging = as_dict(tenant.spec.get("logging"))
    if tenant.logging_mode == "persistent":
        name = logging.get("storageClass")
        # The logs claim template is created with every pool: existing only when every pool exists.
        claims.append(
            ("spec.logging.storageClass", str(name) if name else None, "the logs volume", _all_exist(tenant, existing))
        )
    for path, name, what, exists in claims:
        if name == "":
            continue  # explicitly no class: binds to pre-created volumes, nothing to look up
        if name is None:
            if default is None:
                warnings.append(
                    field_error(
                        path,
                        f"{what} names no StorageClass and the cluster has no default one (annotation "
                        f'{DEFAULT_CLASS_ANNOTATIONS[0]}: "true"): its claims bind only to pre-created '
                        "PersistentVolumes without a class and otherwise stay Pending; set storageClassName",
                        REASON_NO_DEFAULT_STORAGE_CLASS,
                    )
                )
            continue
        if facts.storage_class(name) is not None:
            continue
        known = ", ".join(sorted(c.name for c in facts.storage_classes)) or "none"
        error = field_error(
            path,
            f"StorageClass {name} of {what} does not exist (the cluster has: {known}); "
            + (
                "the existing claims keep working, but no new claim can be provisioned"
                if exists
                else "its claims would stay Pending: create the StorageClass or name an existing one"
            ),
            REASON_STORAGE_CLASS_NOT_FOUND,
        )
        # An existing pool's claims are bound already (and their class is immutable): a warning only.
        (warnings if exists else problems).append(error)
    return problems, warnings


def _all_exist(tenant: Tenant, existing: Collection[str]) -> bool:
    return bool(tenant.pools) and all(p.name in existing for p in tenant.pools)


def _mixed_storage_classes(tenant: Tenant, facts: ClusterFacts) -> list[FieldError]:
    """An object is erasure-coded over the drives of one pool, picked by free space: the slowest class
    sets the tenant's worst case, and users cannot choose which objects land on it."""
    default = facts.default_storage_class()
    by_class: dict[str, list[str]] = {}
    for pool in tenant.pools:
        name = claim_storage_class(pool)
        effective = default if name is None else name
        if effective is not None:
            by_class.setdefault(effective, []).append(pool.name)
    if len(by_class) < 2:
        return []
    described = "; ".join(
        f"{'no class' if name == '' else name}: {', '.join(pools)}" for name, pools in sorted(by_class.items())
    )
    return [
        field_error(
            "spec.pools",
            f"pools use different StorageClasses ({described}); RustFS puts each object in one pool, chosen "
            "by free space and not by speed, and erasure-codes it over that pool's drives, so requests run at "
            "the pace of whichever class holds the object and the slowest class sets the tenant's worst case "
            "(moving data between pools too). Use one class for every pool unless the difference is intended",
            REASON_MIXED_STORAGE_CLASSES,
        )
    ]


# --- scheduling ------------------------------------------------------------------------------------


def _requirement_matches(values: Mapping[str, str], requirement: Mapping[str, Any]) -> bool:
    """One node selector requirement (matchExpressions or matchFields) against labels or fields."""
    key = str(requirement.get("key", ""))
    operator = requirement.get("operator")
    wanted = [str(v) for v in as_list(requirement.get("values"))]
    present = key in values
    if operator == "In":
        return present and values[key] in wanted
    if operator == "NotIn":
        return not present or values[key] not in wanted
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    if operator in ("Gt", "Lt") and present and len(wanted) == 1:
        try:
            actual, bound = int(values[key]), int(wanted[0])
        except ValueError:
            return False
        return actual > bound if operator == "Gt" else actual < bound
    return False


def _term_matches(node: Node, term: Mapping[str, Any]) -> bool:
    """A node selector term: every requirement holds; a term without any matches no node."""
    expressions = [as_dict(e) for e in as_list(term.get("matchExpressions"))]
    fields = [as_dict(f) for f in as_list(term.get("matchFields"))]
    if not expressions and not fields:
        return False
    node_fields = {"metadata.name": node.name}
    return all(_requirement_matches(node.labels, e) for e in expressions) and all(
        _requirement_matches(node_fields, f) for f in fields
    )


def _tolerates(tolerations: Sequence[JSON], taint: Mapping[str, Any]) -> bool:
    for toleration in tolerations:
        effect = toleration.get("effect")
        if effect and effect != taint.get("effect"):
            continue
        key = toleration.get("key")
        if toleration.get("operator") == "Exists":
            if not key or key == taint.get("key"):
                return True
        elif key == taint.get("key") and str(toleration.get("value") or "") == str(taint.get("value") or ""):
            return True
    return False


def node_matches(pool: Pool, node: Node) -> bool:
    """Whether the scheduler could place one of the pool's pods on this node, resources aside."""
    tolerations = [as_dict(t) for t in as_list(pool.spec.get("tolerations"))]
    if not node.ready:
        return False
    if node.unschedulable and not _tolerates(tolerations, UNSCHEDULABLE_TAINT):
        return False
    for taint in node.taints:
        if taint.get("effect") in ("NoSchedule", "NoExecute") and not _tolerates(tolerations, taint):
            return False
    selector = {str(k): str(v) for k, v in as_dict(pool.spec.get("nodeSelector")).items()}
    if any(node.labels.get(k) != v for k, v in selector.items()):
        return False
    node_affinity = as_dict(as_dict(pool.spec.get("affinity")).get("nodeAffinity"))
    required = as_dict(node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution"))
    if "nodeSelectorTerms" in required:
        return any(_term_matches(node, as_dict(term)) for term in as_list(required["nodeSelectorTerms"]))
    return True


def pod_requests(pool: Pool) -> dict[str, tuple[Decimal, str]]:
    """The container's requests (amount, text), a limit standing in for an unset request (API defaulting)."""
    resources = as_dict(pool.spec.get("resources"))
    merged = {**as_dict(resources.get("limits")), **as_dict(resources.get("requests"))}
    return {name: value for name, value in _quantities(merged).items() if value[0] > 0}


def fits(requests: Mapping[str, tuple[Decimal, str]], node: Node) -> bool:
    return all(node.allocatable.get(name, Decimal(0)) >= amount for name, (amount, _text) in requests.items())


def _selector_matches(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """A metav1.LabelSelector; an empty selector matches everything."""
    match_labels = {str(k): str(v) for k, v in as_dict(selector.get("matchLabels")).items()}
    if any(labels.get(k) != v for k, v in match_labels.items()):
        return False
    return all(_requirement_matches(labels, as_dict(e)) for e in as_list(selector.get("matchExpressions")))


def spreading_keys(tenant: Tenant, pool: Pool) -> list[str]:
    """topologyKeys of the required anti-affinity terms that select the pool's own pods."""
    anti = as_dict(as_dict(pool.spec.get("affinity")).get("podAntiAffinity"))
    labels = pool_labels(tenant.name, pool.name)
    keys = []
    for term in (as_dict(t) for t in as_list(anti.get("requiredDuringSchedulingIgnoredDuringExecution"))):
        namespaces = [str(n) for n in as_list(term.get("namespaces"))]
        if term.get("labelSelector") is None or term.get("namespaceSelector") is not None:
            continue  # selects no pod, or pods of namespaces we cannot see
        if namespaces and tenant.namespace not in namespaces:
            continue
        if _selector_matches(as_dict(term["labelSelector"]), labels) and term.get("topologyKey"):
            keys.append(str(term["topologyKey"]))
    return keys


def _describe(values: Mapping[str, str]) -> str:
    return ", ".join(f"{name} {value}" for name, value in sorted(values.items()))


def _scheduling_checks(tenant: Tenant, facts: ClusterFacts) -> list[FieldError]:
    if facts.nodes is None:
        return []
    problems: list[FieldError] = []
    for index, pool in enumerate(tenant.pools):
        path = f"spec.pools[{index}]"
        matching = [node for node in facts.nodes if node_matches(pool, node)]
        if not matching:
            problems.append(
                field_error(
                    path,
                    f"no schedulable node of the cluster's {len(facts.nodes)} matches pool {pool.name}'s nodeSelector, "
                    "required node affinity and tolerations (cordoned and NotReady nodes do not count): its pods "
                    "would stay Pending",
                    REASON_INSUFFICIENT_NODES,
                )
            )
            continue
        requests = pod_requests(pool)
        fitting = [node for node in matching if fits(requests, node)]
        if not fitting:
            # The node closest to fitting: most requests met, then the most of each resource.
            largest = max(
                matching,
                key=lambda n: (
                    sum(n.allocatable.get(r, Decimal(0)) >= a for r, (a, _text) in requests.items()),
                    tuple(n.allocatable.get(r, Decimal(0)) for r in sorted(requests)),
                ),
            )
            offered = {name: largest.allocatable_text.get(name, "0") for name in requests}
            asked = {name: text for name, (_amount, text) in requests.items()}
            problems.append(
                field_error(
                    f"{path}.resources",
                    f"pool {pool.name} requests {_describe(asked)} per pod, more than any of the "
                    f"{len(matching)} nodes it may run on can allocate (the largest, {largest.name}, has "
                    f"{_describe(offered)}): lower the requests or add larger nodes",
                    REASON_RESOURCES_EXCEED_NODES,
                )
            )
            continue
        for key in spreading_keys(tenant, pool):
            if any(key not in node.labels for node in fitting):
                continue  # a node without the key takes any number of the pods
            domains = {node.labels[key] for node in fitting}
            if len(domains) >= pool.servers:
                continue
            where = "nodes" if key == HOSTNAME_LABEL else f"distinct {key} values"
            problems.append(
                field_error(
                    path,
                    f"pool {pool.name} has {pool.servers} servers and a required pod anti-affinity on {key}, so it "
                    f"needs {pool.servers} {where}, but only {len(domains)} of the schedulable nodes matching its "
                    "scheduling fields and requests provide them: the remaining pods would stay Pending; add nodes, "
                    "relax the selectors, or make the anti-affinity preferred",
                    REASON_INSUFFICIENT_NODES,
                )
            )
            break
    return problems


# --- priority --------------------------------------------------------------------------------------


def _priority_checks(tenant: Tenant, facts: ClusterFacts) -> list[FieldError]:
    if facts.priority_classes is None:
        return []
    known = facts.priority_classes | BUILT_IN_PRIORITY_CLASSES
    problems: list[FieldError] = []
    tenant_class = tenant.spec.get("priorityClassName")
    used_by_tenant = False
    for index, pool in enumerate(tenant.pools):
        own = pool.spec.get("priorityClassName")
        if own:
            if str(own) not in known:
                problems.append(_missing_priority(f"spec.pools[{index}].priorityClassName", str(own)))
        elif tenant_class:
            used_by_tenant = True
    if used_by_tenant and str(tenant_class) not in known:
        problems.append(_missing_priority("spec.priorityClassName", str(tenant_class)))
    return problems


def _missing_priority(path: str, name: str) -> FieldError:
    return field_error(
        path,
        f"PriorityClass {name} does not exist: the API server refuses every pod that names it; create it or "
        "name an existing one",
        REASON_PRIORITY_CLASS_NOT_FOUND,
    )


# --- entry point -----------------------------------------------------------------------------------


def configuration_problems(
    tenant: Tenant,
    facts: ClusterFacts,
    existing_pools: Collection[str] = (),
    live_statefulsets: Sequence[Mapping[str, Any]] = (),
) -> tuple[list[FieldError], list[FieldError]]:
    """(problems, warnings) of a validated Tenant on the cluster the facts describe.

    Problems block the tenant (nothing applied); warnings are reported and applied anyway.
    `existing_pools`: names of pools whose StatefulSet exists; their claims are bound already, so
    a StorageClass missing since is a warning for them, not a refusal. `live_statefulsets`: the
    tenant's StatefulSets as they run, whose use the quota check does not count twice (quota.py).
    """
    problems, warnings = _storage_checks(tenant, facts, existing_pools)
    problems += _scheduling_checks(tenant, facts)
    problems += _priority_checks(tenant, facts)
    warnings += _mixed_storage_classes(tenant, facts)
    if facts.namespace is not None:
        found, cautions = quota_checks(tenant, facts.namespace, live_statefulsets, facts.default_storage_class())
        problems += found
        warnings += cautions
    warnings += network_policy_warnings(tenant)
    exposure_problems, exposure_warnings = exposure_checks(tenant, facts.gateway_kinds, facts.ingress_classes)
    return problems + exposure_problems, warnings + exposure_warnings
