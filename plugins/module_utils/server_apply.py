# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Server-side apply with one field manager, skipped when it would change nothing.

An apply that changes nothing still costs a write request, and a reconcile
of an unchanged tenant must cost none. Each applied object carries the digest
of what was applied (annotation operator.rustfs.com/applied-digest); an
object is sent again only when that digest differs (the desired state moved,
including a field we stopped setting, which only an apply can remove) or the
live object no longer shows every value we set (someone edited or the object
drifted). A false "differs" only costs a no-op apply, never a wrong skip.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.kube import get_or_none, plain

# Parts of a stored object that move without any change of ours.
_VOLATILE_METADATA = ("resourceVersion", "generation", "managedFields", "creationTimestamp", "uid", "selfLink")


@dataclass(frozen=True)
class Applied:
    kind: str
    name: str
    action: str  # created, updated, unchanged
    before: dict[str, Any] | None
    after: dict[str, Any]
    sent: bool  # whether an apply request went to the API server

    @property
    def changed(self) -> bool:
        return self.action != "unchanged"


def applied_digest(obj: Mapping[str, Any]) -> str:
    """Digest of OBJ as we would apply it, our own annotation left out."""
    body = copy.deepcopy(dict(obj))
    annotations = body.get("metadata", {}).get("annotations") or {}
    annotations.pop(c.ANNOTATION_APPLIED, None)
    if "annotations" in body.get("metadata", {}) and not annotations:
        del body["metadata"]["annotations"]
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:20]


def with_digest(obj: Mapping[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(dict(obj))
    metadata = body.setdefault("metadata", {})
    metadata["annotations"] = {**(metadata.get("annotations") or {}), c.ANNOTATION_APPLIED: applied_digest(obj)}
    return body


def covers(live: Any, desired: Any) -> bool:
    """Whether LIVE shows every value of DESIRED (maps may hold more keys: server defaults)."""
    if isinstance(desired, Mapping):
        return isinstance(live, Mapping) and all(k in live and covers(live[k], v) for k, v in desired.items())
    if isinstance(desired, list):
        return isinstance(live, list) and len(live) == len(desired) and all(map(covers, live, desired))
    return bool(live == desired)


def comparable(obj: Mapping[str, Any] | None) -> dict[str, Any]:
    """OBJ without what changes on its own (status, bookkeeping metadata): for change detection and diffs."""
    if not obj:
        return {}
    body = {k: copy.deepcopy(v) for k, v in obj.items() if k != "status"}
    metadata = body.get("metadata") or {}
    for key in _VOLATILE_METADATA:
        metadata.pop(key, None)
    return body


def is_current(live: Mapping[str, Any] | None, desired: Mapping[str, Any]) -> bool:
    if not live:
        return False
    annotations = (live.get("metadata") or {}).get("annotations") or {}
    return annotations.get(c.ANNOTATION_APPLIED) == applied_digest(desired) and covers(live, with_digest(desired))


def read(client: Any, obj: Mapping[str, Any]) -> dict[str, Any] | None:
    """The stored version of OBJ, or None."""
    metadata = obj["metadata"]
    return get_or_none(client, obj["kind"], obj["apiVersion"], metadata["name"], metadata.get("namespace"))


# A UTF-16 surrogate pair as json.dumps escapes a character beyond the BMP, not preceded by an escaping
# backslash (an even run of backslashes is literal ones).
_SURROGATE_PAIR = re.compile(r"(?<!\\)((?:\\\\)*)\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})")


def _yaml_escape(match: re.Match[str]) -> str:
    high, low = int(match.group(2), 16), int(match.group(3), 16)
    return f"{match.group(1)}\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08X}"


def apply_body(obj: Mapping[str, Any]) -> str:
    """OBJ as the body of an apply request, which the API server reads as YAML.

    The client would send json.dumps output, and YAML has no surrogate-pair
    escapes: an emoji in an env value made the API server refuse the apply.
    Every character stays escaped (raw U+0085 or U+2028 would be line breaks
    to a YAML reader); characters beyond the BMP use YAML's \\U form.
    """
    return _SURROGATE_PAIR.sub(_yaml_escape, json.dumps(obj, separators=(",", ":")))


def apply_object(client: Any, obj: Mapping[str, Any], live: Mapping[str, Any] | None, dry_run: bool) -> Applied:
    """Make OBJ true in the cluster; LIVE is the stored object (None when absent)."""
    kind, name = str(obj["kind"]), str(obj["metadata"]["name"])
    if live is not None and is_current(live, obj):
        return Applied(kind, name, "unchanged", dict(live), dict(live), sent=False)
    after: dict[str, Any] = plain(
        client.client.server_side_apply(
            client.resource(kind, obj["apiVersion"]),
            body=apply_body(with_digest(obj)),
            name=name,
            namespace=obj["metadata"].get("namespace"),
            field_manager=c.FIELD_MANAGER,
            force_conflicts=True,
            dry_run="All" if dry_run else None,
        )
    )
    if live is None:
        return Applied(kind, name, "created", None, after, sent=True)
    action = "updated" if comparable(live) != comparable(after) else "unchanged"
    return Applied(kind, name, action, dict(live), after, sent=True)
