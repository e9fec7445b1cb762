"""Drop-in parity with the RustFS operator (issue 14): the four reference examples, field by field.

tests/fixtures/parity/<example>.yaml holds what the RustFS operator applies for each example,
written by hand from its source, one citation per field. Both operators apply with the same
server-side-apply field manager, so moving a Tenant from one to the other must not change a field
the other one set: a pod template field that differs would roll every pod of the pool, and a field
one operator sets and the other does not changes ownership on the next apply.

So, for every object of the golden file (found in ours by kind and name):

- every golden field is present in ours with the same value (lists element by element, in order:
  the env order is part of the pod template), except the few the API server stores alike whether
  sent or not (STORED_ALIKE, proven on the real API server by tests/integration/test_switch.py);
- ours carries no field the golden lacks, except the extras docs/compatibility.md documents
  (DOCUMENTED_EXTRA_FIELDS: none of them is in a pod template);
- ours renders no object the golden lacks, except the documented extra children
  (DOCUMENTED_EXTRA_OBJECTS).

Ours is taken as it is sent to the API server: the render, plus the applied-digest annotation
server_apply adds. StatefulSet partitions held during a rollout (day-2.md) are set by the rollout
at apply time, not by the render, so every partition here is the RustFS operator's 0.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.rustfs.operator.plugins.module_utils.server_apply import with_digest

PARITY_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "parity"
# Also in conftest.EXAMPLE_FILES; repeated because parametrize needs it at import time.
EXAMPLE_FILES = (
    "minimal-dev-tenant.yaml",
    "simple-tenant.yaml",
    "secret-credentials-tenant.yaml",
    "multi-pool-tenant.yaml",
)
# On a cluster the API server gives the Tenant a uid, and both operators copy it into every
# ownerReference; the golden files carry this one.
UID = "0b5c6a36-8a5e-4c4b-9a43-5c0f4c1e2d11"

FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class ExtraField:
    """A field ours may add to an object of KIND at PATTERN ("*" matches one step)."""

    kind: str
    pattern: tuple[str, ...]
    reason: str

    def matches(self, kind: str, path: FieldPath) -> bool:
        return (
            self.kind in ("*", kind)
            and len(path) == len(self.pattern)
            and all(p == "*" or p == str(step) for p, step in zip(self.pattern, path, strict=True))
        )


@dataclass(frozen=True)
class ExtraObject:
    """An object ours may render that the RustFS operator does not: KIND, named by NAMES(tenant)."""

    kind: str
    names: Callable[[Mapping[str, Any]], set[str]]
    reason: str


# The only fields ours may add, each documented in docs/compatibility.md. Nothing in a pod
# template is listed: any extra field there would roll the pods of a Tenant moved between the two.
DOCUMENTED_EXTRA_FIELDS = (
    ExtraField(
        "*",
        ("metadata", "annotations", "operator.rustfs.com/applied-digest"),
        "compatibility.md, row `operator.rustfs.com/applied-digest`: the digest of what was applied, on every "
        "applied object, so an unchanged object is never sent again",
    ),
)


@dataclass(frozen=True)
class StoredAlike:
    """A field the RustFS operator sends and ours leaves out, which the API server stores the same either
    way (tests/integration/test_switch.py applies both, on the real API server, and sees no change)."""

    kind: str
    pattern: tuple[str, ...]
    sent: Any  # what the RustFS operator sends there
    reason: str

    def matches(self, kind: str, path: FieldPath, value: Any) -> bool:
        return ExtraField(self.kind, self.pattern, self.reason).matches(kind, path) and value == self.sent


# Listed in docs/compatibility.md, row "Fields the API server stores alike".
STORED_ALIKE = (
    StoredAlike(
        "StatefulSet",
        ("spec", "template", "spec", "volumes"),
        [],
        "an empty list is not stored (Go's omitempty), so the pod template is the same without it",
    ),
    StoredAlike(
        "StatefulSet",
        ("spec", "volumeClaimTemplates", "*", "apiVersion"),
        "v1",
        "k8s-openapi writes apiVersion into every claim template; the stored template is the same",
    ),
    StoredAlike(
        "StatefulSet",
        ("spec", "volumeClaimTemplates", "*", "kind"),
        "PersistentVolumeClaim",
        "k8s-openapi writes kind into every claim template; the stored template is the same",
    ),
)


def _pool_names(tenant: Mapping[str, Any]) -> set[str]:
    return {f"{tenant['metadata']['name']}-{pool['name']}" for pool in tenant["spec"]["pools"]}


def _rbac_names(tenant: Mapping[str, Any]) -> set[str]:
    # Only with the opt-in flag (none of the four examples sets it); the RustFS operator ignores it.
    return {f"{tenant['metadata']['name']}-rustfs"} if tenant["spec"].get("createServiceAccountRbac") else set()


DOCUMENTED_EXTRA_OBJECTS = (
    ExtraObject(
        "PodDisruptionBudget",
        _pool_names,
        "compatibility.md, row `Extra children`: one PodDisruptionBudget per pool, so a voluntary eviction "
        "never takes more servers than the pool tolerates",
    ),
    ExtraObject(
        "ConfigMap",
        lambda tenant: {f"{tenant['metadata']['name']}-history"},
        "compatibility.md, row `Extra children`: the ConfigMap {t}-history, the last good spec for rollback",
    ),
    ExtraObject(
        "Role",
        _rbac_names,
        "compatibility.md, row `createServiceAccountRbac: true`: least-privilege Role, opt-in",
    ),
    ExtraObject(
        "RoleBinding",
        _rbac_names,
        "compatibility.md, row `createServiceAccountRbac: true`: binds that Role, opt-in",
    ),
)


def format_path(path: FieldPath, document: Any) -> str:
    """A readable path: list items show their `name` when they have one (env[4](RUST_LOG))."""
    parts: list[str] = []
    node = document
    for step in path:
        if isinstance(step, int):
            label = f"[{step}]"
            if isinstance(node, list) and step < len(node) and isinstance(node[step], Mapping):
                name = node[step].get("name")
                if isinstance(name, str):
                    label += f"({name})"
            parts.append(label)
        else:
            parts.append(("." if parts else "") + step)
        node = node[step] if isinstance(node, (list, Mapping)) and _has(node, step) else None
    return "".join(parts) or "(root)"


def _has(node: Any, step: str | int) -> bool:
    if isinstance(node, list):
        return isinstance(step, int) and step < len(node)
    return step in node


def differences(golden: Any, ours: Any, path: FieldPath = ()) -> Iterator[tuple[FieldPath, str]]:
    """Where OURS fails to hold GOLDEN (golden subset of ours), and how, in document order.

    Mappings: every golden key must be in ours with a matching value (ours may hold more keys; the
    extras are judged by undocumented_extras). Lists: same length, element by element, in order.
    Scalars: equal and of the same type (True is not 1, "true" is not True).
    """
    if isinstance(golden, Mapping):
        if not isinstance(ours, Mapping):
            yield path, f"the RustFS operator sets a mapping, ours has {ours!r}"
            return
        for field, value in golden.items():
            if field not in ours:
                yield (*path, field), f"missing in ours; the RustFS operator sets {value!r}"
            else:
                yield from differences(value, ours[field], (*path, field))
    elif isinstance(golden, list):
        if not isinstance(ours, list):
            yield path, f"the RustFS operator sets a list, ours has {ours!r}"
        elif len(golden) != len(ours):
            yield path, f"the RustFS operator sets {len(golden)} items, ours {len(ours)}: {golden!r} vs {ours!r}"
        else:
            for index, (want, got) in enumerate(zip(golden, ours, strict=True)):
                yield from differences(want, got, (*path, index))
    elif type(golden) is not type(ours) or golden != ours:
        yield path, f"the RustFS operator sets {golden!r}, ours {ours!r}"


def undocumented_extras(kind: str, golden: Any, ours: Any, path: FieldPath = ()) -> list[FieldPath]:
    """Fields of OURS the golden lacks and DOCUMENTED_EXTRA_FIELDS does not allow."""
    extras: list[FieldPath] = []
    if isinstance(golden, Mapping) and isinstance(ours, Mapping):
        for field, value in ours.items():
            here = (*path, field)
            if field in golden:
                extras += undocumented_extras(kind, golden[field], value, here)
            elif isinstance(value, Mapping) and value:
                # A whole mapping of ours only: judged leaf by leaf (metadata.annotations may be ours
                # only because of the documented applied-digest annotation).
                extras += undocumented_extras(kind, {}, value, here)
            elif not any(extra.matches(kind, here) for extra in DOCUMENTED_EXTRA_FIELDS):
                extras.append(here)
    elif isinstance(golden, list) and isinstance(ours, list):
        for index, (want, got) in enumerate(zip(golden, ours, strict=False)):
            extras += undocumented_extras(kind, want, got, (*path, index))
    return extras


def load_golden(filename: str) -> list[dict[str, Any]]:
    with (PARITY_DIR / filename).open(encoding="utf-8") as handle:
        objects: list[dict[str, Any]] = yaml.safe_load(handle)
    return objects


def key(obj: Mapping[str, Any]) -> tuple[str, str]:
    return obj["kind"], obj["metadata"]["name"]


def as_applied(eng: Any, tenant: dict[str, Any]) -> list[dict[str, Any]]:
    """Our objects as server_apply sends them: the render, each with its applied-digest annotation."""
    return [with_digest(obj) for obj in eng.render(tenant)]


def parity_failures(golden: Iterable[Mapping[str, Any]], ours: Iterable[Mapping[str, Any]]) -> list[str]:
    """One line per golden object ours lacks, and per golden field ours renders differently (first first)."""
    by_key = {key(obj): obj for obj in ours}
    failures: list[str] = []
    for want in golden:
        kind, name = key(want)
        got = by_key.get((kind, name))
        if got is None:
            failures.append(f"{kind} {name}: not rendered by ours")
            continue
        failures += [
            f"{kind} {name}: {format_path(path, want)}: {why}"
            for path, why in differences(want, got)
            if not any(alike.matches(kind, path, _at(want, path)) for alike in STORED_ALIKE)
        ]
    return failures


def _at(document: Any, path: FieldPath) -> Any:
    for step in path:
        document = document[step]
    return document


def extra_field_failures(golden: Iterable[Mapping[str, Any]], ours: Iterable[Mapping[str, Any]]) -> list[str]:
    by_key = {key(obj): obj for obj in ours}
    failures: list[str] = []
    for want in golden:
        got = by_key.get(key(want))
        if got is None:
            continue  # reported by parity_failures
        for path in undocumented_extras(want["kind"], want, got):
            failures.append(f"{want['kind']} {want['metadata']['name']}: {format_path(path, got)} is not documented")
    return failures


def extra_object_failures(
    tenant: Mapping[str, Any], golden: Iterable[Mapping[str, Any]], ours: Iterable[Mapping[str, Any]]
) -> list[str]:
    known = {key(obj) for obj in golden}
    failures: list[str] = []
    for obj in ours:
        kind, name = key(obj)
        if (kind, name) in known:
            continue
        if not any(extra.kind == kind and name in extra.names(tenant) for extra in DOCUMENTED_EXTRA_OBJECTS):
            failures.append(f"{kind} {name}: rendered by ours only, and not a documented extra child")
    return failures


@pytest.fixture()
def tenant_of(example: Any) -> Callable[[str], dict[str, Any]]:
    """An example Tenant as a cluster holds it: with a uid, so owner references are written."""

    def get(filename: str) -> dict[str, Any]:
        tenant: dict[str, Any] = example(filename)
        tenant["metadata"]["uid"] = UID
        return tenant

    return get


@pytest.mark.parametrize("filename", EXAMPLE_FILES)
def test_every_field_the_rustfs_operator_sets_is_rendered_the_same(eng, tenant_of, filename):
    failures = parity_failures(load_golden(filename), as_applied(eng, tenant_of(filename)))
    assert failures == [], "\n".join(["differs from the RustFS operator:", *failures])


@pytest.mark.parametrize("filename", EXAMPLE_FILES)
def test_ours_adds_only_documented_fields(eng, tenant_of, filename):
    failures = extra_field_failures(load_golden(filename), as_applied(eng, tenant_of(filename)))
    assert failures == [], "\n".join(["fields the RustFS operator does not set:", *failures])


@pytest.mark.parametrize("filename", EXAMPLE_FILES)
def test_ours_adds_only_documented_objects(eng, tenant_of, filename):
    tenant = tenant_of(filename)
    failures = extra_object_failures(tenant, load_golden(filename), as_applied(eng, tenant))
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("filename", EXAMPLE_FILES)
def test_golden_file_describes_this_example(tenant_of, filename):
    # Guards against a golden copied from another example: its owner is this Tenant.
    tenant = tenant_of(filename)
    for obj in load_golden(filename):
        assert obj["metadata"]["namespace"] == tenant["metadata"]["namespace"], key(obj)
        assert obj["metadata"]["ownerReferences"][0]["name"] == tenant["metadata"]["name"], key(obj)
        assert obj["metadata"]["labels"]["rustfs.tenant"] == tenant["metadata"]["name"], key(obj)


# The checks themselves must be able to fail: a changed golden value, a reordered env, an extra
# pod template field and an extra object are each reported, with their path.


def _statefulset(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return next(obj for obj in objects if obj["kind"] == "StatefulSet")


def test_a_changed_value_is_reported_with_its_path():
    golden = load_golden("simple-tenant.yaml")
    ours = copy.deepcopy(golden)
    _statefulset(ours)["spec"]["template"]["spec"]["containers"][0]["env"][4]["value"] = "debug"
    assert parity_failures(golden, ours) == [
        "StatefulSet example-tenant-primary: spec.template.spec.containers[0](rustfs).env[4](RUST_LOG).value: "
        "the RustFS operator sets 'info', ours 'debug'"
    ]


def test_the_env_order_is_compared():
    golden = load_golden("simple-tenant.yaml")
    ours = copy.deepcopy(golden)
    env = _statefulset(ours)["spec"]["template"]["spec"]["containers"][0]["env"]
    env[1], env[2] = env[2], env[1]
    failures = parity_failures(golden, ours)
    assert failures[0] == (
        "StatefulSet example-tenant-primary: spec.template.spec.containers[0](rustfs).env[1](RUSTFS_ADDRESS).name: "
        "the RustFS operator sets 'RUSTFS_ADDRESS', ours 'RUSTFS_CONSOLE_ADDRESS'"
    )


def test_an_undocumented_pod_template_field_is_reported():
    golden = load_golden("simple-tenant.yaml")
    ours = copy.deepcopy(golden)
    _statefulset(ours)["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "IfNotPresent"
    _statefulset(ours)["spec"]["template"]["metadata"]["annotations"] = {"operator.rustfs.com/applied-digest": "x"}
    assert extra_field_failures(golden, ours) == [
        "StatefulSet example-tenant-primary: "
        "spec.template.metadata.annotations.operator.rustfs.com/applied-digest is not documented",
        "StatefulSet example-tenant-primary: "
        "spec.template.spec.containers[0](rustfs).imagePullPolicy is not documented",
    ]


def test_an_undocumented_object_is_reported(tenant_of):
    tenant = tenant_of("simple-tenant.yaml")
    golden = load_golden("simple-tenant.yaml")
    pdb = {"kind": "PodDisruptionBudget", "metadata": {"name": "example-tenant-primary"}}
    role = {"kind": "Role", "metadata": {"name": "example-tenant-secrets"}}
    assert extra_object_failures(tenant, golden, [*golden, pdb, role]) == [
        "Role example-tenant-secrets: rendered by ours only, and not a documented extra child"
    ]


def test_the_opt_in_rbac_objects_are_documented_extras(eng, tenant_of):
    # The RustFS operator accepts createServiceAccountRbac and ignores it: the same golden holds,
    # and our Role and RoleBinding are the only additions.
    tenant = tenant_of("simple-tenant.yaml")
    tenant["spec"]["createServiceAccountRbac"] = True
    golden = load_golden("simple-tenant.yaml")
    ours = as_applied(eng, tenant)
    assert {key(obj) for obj in ours} >= {("Role", "example-tenant-rustfs"), ("RoleBinding", "example-tenant-rustfs")}
    assert extra_object_failures(tenant, golden, ours) == []
    assert extra_field_failures(golden, ours) == []


def test_a_stored_alike_field_is_excused_only_with_the_value_the_rustfs_operator_sends():
    golden = load_golden("simple-tenant.yaml")
    ours = copy.deepcopy(golden)
    del _statefulset(ours)["spec"]["template"]["spec"]["volumes"]
    assert parity_failures(golden, ours) == []
    _statefulset(golden)["spec"]["template"]["spec"]["volumes"] = [{"name": "logs", "emptyDir": {}}]
    assert len(parity_failures(golden, ours)) == 1
