# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Drift: which fields of a tenant's owned objects differ from what the engine would apply.

Only the fields the engine sets are compared (a server-side apply with our field manager
changes those and nothing else), so what the API server adds (defaults, status, bookkeeping
metadata) is never drift. The comparison walks the desired object:

* a map compares the keys the engine sets; more keys in the live map are someone else's;
* a list of maps whose items all carry a distinct key (`name`, `mountPath`, `containerPort`,
  `port`, `uid`) is matched item by item on that key, as server-side apply merges it, so a
  reordered `env` is no drift but a changed, missing or extra-valued item is;
* other lists (scalars, atomic lists such as `args`, RBAC `rules` and `subjects`) must match
  as a whole, item by item in order;
* quantities compare as numbers (`1Gi` equals `1024Mi`).

Pure functions of plain dicts: no API access, no Secret (Secrets are never compared or reported).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.quantity import parse_quantity

# Keys that identify the items of a list of maps, in the order they are tried.
LIST_KEYS = ("name", "mountPath", "containerPort", "port", "uid")
# Lists server-side apply replaces as a whole, whatever their items look like.
ATOMIC_LISTS = frozenset({"args", "command", "rules", "subjects", "tolerations", "accessModes"})
# Maps whose values are resource quantities.
QUANTITY_MAPS = frozenset({"requests", "limits", "capacity"})
# Kinds never compared or reported: their values are secret.
SECRET_KINDS = frozenset({"Secret"})
# Paths of bookkeeping the engine adds when it applies, not part of the desired state.
IGNORED_PATHS = frozenset({f"metadata.annotations.{c.ANNOTATION_APPLIED}"})

Skip = Callable[[str], bool]


def _empty(value: Any) -> bool:
    """A value the API server stores as absent (Go's omitempty): setting it is no drift when it is absent."""
    return value is None or (not isinstance(value, bool | int | float) and not value) or value is False


def _quantities_equal(desired: Any, live: Any) -> bool:
    try:
        return parse_quantity(desired) == parse_quantity(live)
    except ValueError:
        return False


def _list_key(items: Sequence[Any]) -> str | None:
    if not items or not all(isinstance(item, Mapping) for item in items):
        return None
    for key in LIST_KEYS:
        values = [item.get(key) for item in items]
        if all(v is not None for v in values) and len(set(map(str, values))) == len(values):
            return key
    return None


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def field_differences(desired: Any, live: Any, path: str = "", skip: Skip | None = None) -> list[dict[str, Any]]:
    """Each field DESIRED sets that LIVE does not show: {path, desired, live} (live None when absent).

    Paths read `spec.template.spec.containers[name=rustfs].env[name=RUSTFS_VOLUMES].value`.
    SKIP: paths not to compare (and what is below them).
    """
    if path in IGNORED_PATHS or (skip is not None and path and skip(path)):
        return []
    if isinstance(desired, Mapping):
        if not isinstance(live, Mapping):
            return [{"path": path, "desired": desired, "live": live}]
        found: list[dict[str, Any]] = []
        parent = path.rsplit(".", 1)[-1]
        for key, value in desired.items():
            sub = _child(path, str(key))
            if key not in live or live[key] is None:
                if _empty(value) or sub in IGNORED_PATHS or (skip is not None and skip(sub)):
                    continue
                found.append({"path": sub, "desired": value, "live": None})
            elif parent in QUANTITY_MAPS or key == "storage":
                if value != live[key] and not _quantities_equal(value, live[key]):
                    found.append({"path": sub, "desired": value, "live": live[key]})
            else:
                found += field_differences(value, live[key], sub, skip)
        return found
    if isinstance(desired, list):
        return _list_differences(desired, live, path, skip)
    if desired == live:
        return []
    return [{"path": path, "desired": desired, "live": live}]


def _list_differences(desired: list[Any], live: Any, path: str, skip: Skip | None) -> list[dict[str, Any]]:
    if not isinstance(live, list):
        return [{"path": path, "desired": desired, "live": live}]
    name = path.rsplit(".", 1)[-1].split("[", 1)[0]
    key = None if name in ATOMIC_LISTS else _list_key(desired)
    if key is None:
        # As a whole: a change anywhere (or another length) reports the list.
        same = len(desired) == len(live) and not any(
            field_differences(d, v, f"{path}[{index}]", skip)
            for index, (d, v) in enumerate(zip(desired, live, strict=True))
        )
        return [] if same else [{"path": path, "desired": desired, "live": live}]
    by_key = {str(item.get(key)): item for item in live if isinstance(item, Mapping) and item.get(key) is not None}
    found: list[dict[str, Any]] = []
    for item in desired:
        sub = f"{path}[{key}={item[key]}]"
        match = by_key.get(str(item[key]))
        if match is None:
            if not (skip is not None and skip(sub)):
                found.append({"path": sub, "desired": item, "live": None})
        else:
            found += field_differences(item, match, sub, skip)
    return found


def object_ref(obj: Mapping[str, Any]) -> tuple[str, str]:
    return str(obj.get("kind")), str((obj.get("metadata") or {}).get("name"))


def object_drift(
    desired: Mapping[str, Any], live: Mapping[str, Any] | None, skip: Skip | None = None
) -> dict[str, Any]:
    """One object's entry: {kind, name, state (in-sync, missing, differs), fields}."""
    kind, name = object_ref(desired)
    if kind in SECRET_KINDS:
        return {"kind": kind, "name": name, "state": "in-sync", "fields": []}
    if live is None:
        return {"kind": kind, "name": name, "state": "missing", "fields": []}
    # The identity is how the object was found; kind and apiVersion name its type.
    body = {k: v for k, v in desired.items() if k not in ("apiVersion", "kind")}
    fields = field_differences(body, live, "", skip)
    return {"kind": kind, "name": name, "state": "differs" if fields else "in-sync", "fields": fields}


def drift_report(
    desired: Iterable[Mapping[str, Any]],
    live: Mapping[tuple[str, str], Mapping[str, Any] | None],
    owned: Iterable[Mapping[str, Any]] = (),
    skip: Skip | None = None,
) -> list[dict[str, Any]]:
    """Every object that is not as the engine would apply it, in DESIRED's order, then the extra ones.

    LIVE: the stored object of each desired (kind, name), None when absent. OWNED: the live objects
    the tenant owns (by label or owner reference); those the engine would not produce are
    `unmanaged-extra` (no fields: nothing of ours to compare). Secrets are never listed.
    """
    report: list[dict[str, Any]] = []
    wanted = set()
    for obj in desired:
        ref = object_ref(obj)
        wanted.add(ref)
        entry = object_drift(obj, live.get(ref), skip)
        if entry["state"] != "in-sync":
            report.append(entry)
    for obj in owned:
        ref = object_ref(obj)
        if ref not in wanted and ref[0] not in SECRET_KINDS:
            wanted.add(ref)
            report.append({"kind": ref[0], "name": ref[1], "state": "unmanaged-extra", "fields": []})
    return report


def _short(value: Any, limit: int = 120) -> str:
    text = "(absent)" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def summary_lines(tenant: str, report: Sequence[Mapping[str, Any]]) -> list[str]:
    """The report for a reader: one line per object, one per differing field."""
    if not report:
        return [f"tenant {tenant}: no drift, every owned object is as the engine would apply it"]
    lines = [f"tenant {tenant}: {len(report)} object(s) drifted"]
    for entry in report:
        lines.append(f"{entry['kind']}/{entry['name']}: {entry['state']}")
        for diff in entry.get("fields") or []:
            lines.append(f"  {diff['path']}: desired {_short(diff['desired'])}, live {_short(diff['live'])}")
    return lines
