# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Objects to a multi-document YAML manifest, as `kubectl apply -f` and GitOps tools read it."""

from __future__ import annotations

import json
from typing import Any

try:
    import yaml
except ImportError:  # pragma: no cover - the import sanity test runs without it
    yaml = None  # type: ignore[assignment]


def to_manifest(objects: list[Any]) -> str:
    """Key order is kept (it follows the API's own order), so diffs in review stay small.

    The JSON round trip turns Ansible's tagged strings and shared references into
    plain values that the safe dumper can write without tags or anchors.
    """
    if yaml is None:  # pragma: no cover - installed wherever tests run
        raise RuntimeError("to_manifest needs the Python library PyYAML on the Ansible controller")
    plain = json.loads(json.dumps(list(objects)))
    return yaml.safe_dump_all(plain, sort_keys=False, explicit_start=True, default_flow_style=False, width=10000)
