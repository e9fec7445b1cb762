# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""The operator's Deployment with a user's options laid over the shipped one (operator/deploy).

The Helm chart (charts/rustfs-operator) and the deploy_operator playbook install the same operator;
a user moving from one to the other expects the same knobs to do the same thing. So the options
here are the chart's `operator.*` values under the playbook's snake_case names, and `settings`
becomes `RUSTFS_OPERATOR_<NAME>` exactly as the chart's `snakecase | upper` does.

Pure: no Ansible, no API; the filter plugin operator_deployment calls it, the unit tests pin it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from typing import Any

JSON = dict[str, Any]

SETTING_PREFIX = "RUSTFS_OPERATOR_"
# Settings the shipped Deployment already derives from other options, or that only make sense as
# they are set there: a `settings` entry for them would fight the option that owns them.
OWNED_SETTINGS = {
    "TENANT_SELECTOR": "tenant_selector",
    "WATCH_NAMESPACES": "watch_namespaces",
    "WORK_DIR": "(fixed: the emptyDir mounted at /tmp)",
    "LEASE_NAMESPACE": "(fixed: the pod's namespace)",
    "IDENTITY": "(fixed: the pod's name)",
}


class OperatorOptionError(ValueError):
    """An option the Deployment cannot take; the message names the option and the rule."""


def setting_env_name(key: str) -> str:
    """`batchSize`, `batch_size` and `batch-size` all name RUSTFS_OPERATOR_BATCH_SIZE (Helm's snakecase)."""
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).replace("-", "_")
    return SETTING_PREFIX + snake.upper()


def _setting_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value)
    return str(value)


def _require(option: str, value: Any, kind: type | tuple[type, ...], rule: str) -> None:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise OperatorOptionError(f"operator_{option}: {rule}, not {value!r}")


def _merged(base: Mapping[str, Any], over: Mapping[str, Any]) -> JSON:
    merged: JSON = copy.deepcopy(dict(base))
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _set_env(env: list[JSON], name: str, entry: JSON) -> None:
    """Replace a variable in place (its position stays), or add it at the end."""
    for index, existing in enumerate(env):
        if existing.get("name") == name:
            env[index] = entry
            return
    env.append(entry)


def _settings_env(settings: Any) -> list[JSON]:
    _require("settings", settings, Mapping, "must be a mapping of setting names to values")
    env: list[JSON] = []
    for key, value in settings.items():
        if value is None:  # As in the chart: a key set to null is left out.
            continue
        if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", key):
            raise OperatorOptionError(f"operator_settings: {key!r} is not a setting name (docs/operator-settings.md)")
        if isinstance(value, (Mapping, set)):
            raise OperatorOptionError(f"operator_settings.{key}: must be a string, number or boolean")
        name = setting_env_name(key)
        owner = OWNED_SETTINGS.get(name[len(SETTING_PREFIX) :])
        if owner is not None:
            raise OperatorOptionError(f"operator_settings.{key}: {name} is set by {owner}, not by a setting")
        env.append({"name": name, "value": _setting_value(value)})
    return env


def _pull_secrets(value: Any) -> list[JSON]:
    _require("image_pull_secrets", value, list, "must be a list of Secret names (or {name: ...})")
    secrets: list[JSON] = []
    for item in value:
        name = item.get("name") if isinstance(item, Mapping) else item
        if not isinstance(name, str) or not name:
            raise OperatorOptionError(f"operator_image_pull_secrets: each item must name a Secret, not {item!r}")
        secrets.append({"name": name})
    return secrets


def _string_map(option: str, value: Any) -> dict[str, str]:
    _require(option, value, Mapping, "must be a mapping of strings")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise OperatorOptionError(f"operator_{option}: keys and values must be strings (quote numbers and booleans)")
    return dict(value)


def operator_deployment(deployment: Mapping[str, Any], options: Mapping[str, Any]) -> JSON:
    """The shipped Deployment with `options` applied; options that are None keep the shipped value."""
    result: JSON = copy.deepcopy(dict(deployment))
    pod: JSON = result["spec"]["template"]["spec"]
    template_meta: JSON = result["spec"]["template"].setdefault("metadata", {})
    container: JSON = pod["containers"][0]
    env: list[JSON] = container.setdefault("env", [])
    known = {
        "image",
        "image_pull_policy",
        "replicas",
        "image_pull_secrets",
        "resources",
        "node_selector",
        "tolerations",
        "affinity",
        "priority_class_name",
        "settings",
        "tenant_selector",
        "watch_namespaces",
        "env",
        "pod_labels",
        "pod_annotations",
    }
    unknown = sorted(set(options) - known)
    if unknown:
        raise OperatorOptionError(f"unknown operator option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    given = {key: value for key, value in options.items() if value is not None}

    def take(key: str, apply: Callable[[Any], None]) -> None:
        if key in given:
            apply(given[key])

    def image(value: Any) -> None:
        _require("image", value, str, "must be an image reference")
        container["image"] = value

    def pull_policy(value: Any) -> None:
        if value not in ("Always", "IfNotPresent", "Never"):
            raise OperatorOptionError(
                f"operator_image_pull_policy: must be Always, IfNotPresent or Never, not {value!r}"
            )
        container["imagePullPolicy"] = value

    def replicas(value: Any) -> None:
        if isinstance(value, str) and value.strip().isdigit():  # -e operator_replicas=2 is a string
            value = int(value)
        _require("replicas", value, int, "must be a whole number")
        if value < 0:
            raise OperatorOptionError(f"operator_replicas: must be 0 or more, not {value}")
        result["spec"]["replicas"] = value

    def resources(value: Any) -> None:
        _require("resources", value, Mapping, "must be a mapping with requests and/or limits")
        extra = set(value) - {"requests", "limits", "claims"}
        if extra:
            raise OperatorOptionError(f"operator_resources: unknown key(s) {', '.join(sorted(extra))}")
        # Merged over the shipped requests and limits, as Helm merges a user's values over the chart's.
        container["resources"] = _merged(container.get("resources") or {}, value)

    def tolerations(value: Any) -> None:
        _require("tolerations", value, list, "must be a list of tolerations")
        pod["tolerations"] = copy.deepcopy(value)

    def affinity(value: Any) -> None:
        _require("affinity", value, Mapping, "must be a mapping (nodeAffinity, podAffinity, podAntiAffinity)")
        pod["affinity"] = copy.deepcopy(dict(value))

    def priority(value: Any) -> None:
        _require("priority_class_name", value, str, "must be a PriorityClass name")
        pod["priorityClassName"] = value

    def selector(value: Any) -> None:
        _require("tenant_selector", value, str, "must be a label selector, e.g. rustfs.com/operator=blue")
        _set_env(env, SETTING_PREFIX + "TENANT_SELECTOR", {"name": SETTING_PREFIX + "TENANT_SELECTOR", "value": value})

    def namespaces(value: Any) -> None:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        _require("watch_namespaces", value, list, "must be a list of namespace names")
        name = SETTING_PREFIX + "WATCH_NAMESPACES"
        _set_env(env, name, {"name": name, "value": ",".join(str(item) for item in value)})

    def settings(value: Any) -> None:
        for entry in _settings_env(value):
            _set_env(env, entry["name"], entry)

    def extra_env(value: Any) -> None:
        _require("env", value, list, "must be a list of container environment variables")
        for entry in value:
            if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
                raise OperatorOptionError(f"operator_env: each item needs a name, not {entry!r}")
            _set_env(env, entry["name"], copy.deepcopy(dict(entry)))

    def labels(value: Any) -> None:
        wanted = _string_map("pod_labels", value)
        selector_labels = dict(result["spec"].get("selector", {}).get("matchLabels") or {})
        for key, label in wanted.items():
            if key in selector_labels and label != selector_labels[key]:
                raise OperatorOptionError(
                    f"operator_pod_labels.{key}: in the Deployment's selector ({selector_labels[key]}); fixed"
                )
        template_meta.setdefault("labels", {}).update(wanted)

    def annotations(value: Any) -> None:
        template_meta.setdefault("annotations", {}).update(_string_map("pod_annotations", value))

    take("image", image)
    take("image_pull_policy", pull_policy)
    take("replicas", replicas)
    take("image_pull_secrets", lambda value: pod.__setitem__("imagePullSecrets", _pull_secrets(value)))
    take("resources", resources)
    take("node_selector", lambda value: pod.__setitem__("nodeSelector", _string_map("node_selector", value)))
    take("tolerations", tolerations)
    take("affinity", affinity)
    take("priority_class_name", priority)
    take("tenant_selector", selector)
    take("watch_namespaces", namespaces)
    take("settings", settings)
    # Last, as in the chart: a user's own variable wins over every derived one.
    take("env", extra_env)
    take("pod_labels", labels)
    take("pod_annotations", annotations)
    return result
