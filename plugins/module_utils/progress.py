# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""What the phases of one reconcile hand to each other.

The tenant role runs a reconcile as tasks (validate, credentials, TLS, shared
objects, each pool, lifecycle, status), and a task's only way to pass data on
is its result. The Tenant is parsed, read and planned once, in the first
phase; the later ones take this record of it, as plain JSON, from the task
before. It carries no Secret value (live.py keeps only verdicts on Secrets).

Most of the record travels packed (`Progress.as_dict`): Ansible templates a
task's arguments and copies a registered result value by value, which for the
record as nested data (30 KB for a tenant of two pools: the plan, the live
StatefulSets) cost each phase task about 30 ms; one compressed string costs
next to nothing.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.checks import ClusterFacts, StorageClass
from ansible_collections.rustfs.operator.plugins.module_utils.plan import Plan

# A record from another version of the collection is not trusted: the phase plans again.
PROGRESS_VERSION = 2


@dataclass(frozen=True)
class Request:
    definition: Mapping[str, Any]
    manage_resource: bool = False
    generate_credentials: bool = False
    cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN
    default_image: str = c.DEFAULT_IMAGE
    write_status: bool = True
    wait: bool = False
    wait_timeout: float = 300
    # The rustfs.operator.tls role's result (inputs, problems, status) for a TLS tenant.
    tls: Mapping[str, Any] | None = None
    check_mode: bool = False
    # Where the RustFS admin API answers, for a caller outside the cluster (pool_lifecycle.py).
    admin_endpoint: str | None = None


@dataclass
class Outcome:
    tenant: str
    problems: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, str]] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    status: dict[str, Any] = field(default_factory=dict)
    status_changed: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)
    kept_claims: list[str] = field(default_factory=list)
    diff: list[dict[str, Any]] = field(default_factory=list)
    writes: int = 0
    wait_timed_out: list[str] = field(default_factory=list)
    rolling: str | None = None
    held: list[str] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    # Seconds after which the caller should reconcile again although nothing changed (a pool draining).
    requeue_after: int | None = None
    # Provisioning waits (pods not Ready, RustFS not answering): reconcile again with a growing delay.
    requeue_backoff: bool = False

    @property
    def blocked(self) -> bool:
        return bool(self.problems)

    @property
    def changed(self) -> bool:
        return bool(self.changes) or self.status_changed

    def as_result(self) -> dict[str, Any]:
        return {
            "changed": self.changed,
            "tenant": self.tenant,
            "blocked": self.blocked,
            "problems": self.problems,
            "changes": self.changes,
            "applied": self.applied,
            "status": self.status,
            "events": self.events,
            "kept_claims": self.kept_claims,
            "writes": self.writes,
            "rollout": {"rolling": self.rolling, "held": self.held},
            "configuration_warnings": self.warnings,
            "requeue_after": self.requeue_after,
            "requeue_backoff": self.requeue_backoff,
        }


@dataclass
class Progress:
    """One tenant's reconcile between two phases: what was read and planned, and what was done so far."""

    request: Request
    document: dict[str, Any]  # the Tenant as given, namespace defaulted, the stored uid added
    tenant: dict[str, Any] | None  # the stored Tenant (None before it exists)
    statefulsets: list[dict[str, Any]]  # the tenant's StatefulSets as last seen
    plan: Plan
    outcome: Outcome
    # This reconcile (a random id made by the plan) and how many phases ran: of two records of the same
    # run, the one with more steps is the later (the tenant and pool roles register one each).
    run: str = ""
    step: int = 1
    # The status the plan was made against: the stored one, or with this pass's decommission applied.
    plan_status: dict[str, Any] = field(default_factory=dict)
    storage_classes: list[dict[str, Any]] | None = None
    # The refusal a missing credentials Secret would be, until the credentials phase creates it.
    pending_credentials: dict[str, Any] | None = None
    lifecycle_items: list[dict[str, Any]] | None = None
    # The provisioning phase's `status.provisioning` (no secret in it), for the status phase.
    provisioning: dict[str, Any] | None = None
    # The rollout the pool phases follow: {"statefulsets": {name: object}, "rolling", "held"}.
    rollout: dict[str, Any] | None = None
    # Unix time after which the pool phases stop waiting (with request.wait).
    wait_deadline: float | None = None
    # In memory only: the decommission pass (it holds an admin client), for the lifecycle phase.
    lifecycle: Any = None

    @property
    def name(self) -> str:
        return str(self.document["metadata"]["name"])

    @property
    def namespace(self) -> str:
        return str(self.document["metadata"]["namespace"])

    @property
    def problems(self) -> list[dict[str, Any]]:
        """Everything that stops a write; a pending credentials Secret counts until it is created."""
        pending = [self.pending_credentials] if self.pending_credentials else []
        return self.outcome.problems + pending

    @property
    def blocked(self) -> bool:
        return bool(self.problems)

    def facts(self) -> ClusterFacts | None:
        """The cluster facts the plan needs again (StorageClasses, for claim expansion)."""
        if self.storage_classes is None:
            return None
        return ClusterFacts(storage_classes=tuple(StorageClass(**item) for item in self.storage_classes))

    def pools(self) -> list[str]:
        """The pools the plan applies, in spec order."""
        return [str(s["metadata"]["labels"][c.LABEL_POOL]) for s in self.plan["statefulsets"]]

    def as_dict(self) -> dict[str, Any]:
        """The record for the next phase: what the roles read in the open, the rest packed in `state`.

        `run` and `step` tell which of two records is the later, `document` is the Tenant the
        plan validated (the tls role makes its certificates for it), `stored` whether the
        Tenant resource exists.
        """
        request = {f.name: getattr(self.request, f.name) for f in dataclasses.fields(Request)}
        del request["definition"], request["check_mode"]
        open_fields = ("run", "step", "document")
        state = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in _NOT_PACKED}
        state.update(request=request, outcome=dataclasses.asdict(self.outcome))
        record = {name: getattr(self, name) for name in open_fields}
        record.update(version=PROGRESS_VERSION, stored=self.tenant is not None, state=_pack(state))
        return record

    @classmethod
    def from_dict(cls, record: Mapping[str, Any], check_mode: bool) -> Progress | None:
        """The record a phase returned; None for one this version cannot trust (then plan again)."""
        if not isinstance(record, Mapping) or record.get("version") != PROGRESS_VERSION:
            return None
        state = _unpack(record.get("state"))
        if state is None or not isinstance(record.get("document"), Mapping):
            return None
        fields = {f.name for f in dataclasses.fields(cls)} - _NOT_PACKED - {"request", "outcome"}
        document = dict(record["document"])
        request = Request(definition=document, check_mode=check_mode, **dict(state["request"]))
        return cls(
            request=request,
            document=document,
            run=str(record.get("run") or ""),
            step=int(record.get("step") or 1),
            outcome=Outcome(**dict(state["outcome"])),
            **{name: state[name] for name in fields if name in state},
        )


# Fields a record carries in the open (run, step, document) or not at all (lifecycle: in memory only).
_NOT_PACKED = frozenset({"run", "step", "document", "lifecycle"})


def _pack(state: Mapping[str, Any]) -> str:
    return base64.b64encode(zlib.compress(json.dumps(state, separators=(",", ":")).encode(), 6)).decode("ascii")


def _unpack(packed: Any) -> dict[str, Any] | None:
    """The state a record packed; None when it is not one (edited, truncated, from elsewhere)."""
    if not isinstance(packed, str):
        return None
    try:
        state = json.loads(zlib.decompress(base64.b64decode(packed.encode("ascii"), validate=True)))
    except (ValueError, UnicodeError, binascii.Error, zlib.error):
        return None
    return state if isinstance(state, dict) and {"request", "outcome"} <= state.keys() else None


def without_bookkeeping(obj: Mapping[str, Any]) -> dict[str, Any]:
    """OBJ without managedFields: a live object carried from phase to phase needs none, and they are large."""
    metadata = {k: v for k, v in (obj.get("metadata") or {}).items() if k != "managedFields"}
    return {**obj, "metadata": metadata}
