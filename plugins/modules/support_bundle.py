#!/usr/bin/python
# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Module support_bundle: one redacted archive of everything a bug report about a tenant needs."""

from __future__ import annotations

DOCUMENTATION = r"""
module: support_bundle
short_description: Write a redacted support bundle (tar.gz) of a RustFS tenant
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
requirements:
  - PyYAML >=6.0 (YAML documents, on the Ansible controller)
  - jsonschema >=4.17 (the Tenant schema, on the Ansible controller)
  - kubernetes >=24.2.0 (the Kubernetes API client, on the Ansible controller)
description:
  - Writes one archive, C(rustfs-support-<namespace>-<name>.tar.gz) in O(dest), holding what a bug report
    about a tenant needs - the Tenant and its status, its history (the ConfigMap C(<name>-history)),
    every object the collection made for it (StatefulSets, Services, ServiceAccount, Role, RoleBinding,
    PodDisruptionBudgets, PersistentVolumeClaims, pods, ConfigMaps), its Secrets listed by name, type and
    keys, the namespace's Events about all of them, the erasure layout and the configuration checks the
    engine computes, and the operator's recent logs and metrics when a source of them is given and
    reachable.
  - The layout inside is fixed (docs/support-bundle.md) - every file is always there, a file with
    nothing to hold says so, and C(summary.json) and C(README.md) record which sources could not be read
    and why.
  - Nothing secret is written. Secret values read C(<redacted>); literal C(env) values whose name says
    secret (SECRET, PASSWORD, TOKEN, KEY, CREDENTIAL, AUTH, PRIVATE) are replaced; the
    C(kubectl.kubernetes.io/last-applied-configuration) annotation is replaced and C(managedFields)
    dropped; every text (logs and metrics included) is scrubbed of the values of the Secrets the tenant
    references or owns, raw and base64-encoded, and of any PEM private key block. The Secrets are read
    only to know what to scrub.
  - Runs in the Ansible controller (an action plugin) and writes the archive there; the options and
    C(K8S_AUTH_*) variables authenticate as kubernetes.core's do.
  - C(changed) is true only when the archive was written; in check mode everything is read and nothing
    written.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
options:
  name:
    description: The Tenant name.
    type: str
    required: true
  namespace:
    description: The Tenant namespace.
    type: str
    required: true
  dest:
    description: The directory to write the archive into, on the controller; created when missing.
    type: path
    required: true
  operator_namespace:
    description:
      - The namespace the operator runs in. When given, the logs of the operator's pods (O(operator_selector))
        are read through the API (C(pods/log)).
    type: str
  operator_selector:
    description: The label selector of the operator's pods in O(operator_namespace).
    type: str
    default: app.kubernetes.io/name=rustfs-operator
  operator_log_file:
    description: A file holding the operator's log, on the controller (an operator run as a local process).
    type: path
  operator_metrics_url:
    description:
      - The operator's metrics endpoint, for example C(http://127.0.0.1:8080/metrics) after
        C(kubectl -n rustfs-system port-forward deploy/rustfs-operator 8080).
    type: str
  log_lines:
    description: How many of the last lines of each log to keep.
    type: int
    default: 2000
  timeout:
    description: Seconds to wait for the metrics endpoint.
    type: int
    default: 10
attributes:
  check_mode:
    support: full
    description: Reads everything, writes nothing.
  diff_mode:
    support: none
    description: The archive is not shown.
seealso:
  - module: rustfs.operator.tenant_info
"""

EXAMPLES = r"""
- name: Support bundle of tenant example-tenant, with the operator's logs
  rustfs.operator.support_bundle:
    name: example-tenant
    namespace: rustfs-system
    dest: /tmp/bundles
    operator_namespace: rustfs-system
  register: bundle

- name: Operator running as a local process
  rustfs.operator.support_bundle:
    name: example-tenant
    namespace: tenants
    dest: /tmp/bundles
    operator_log_file: /var/log/rustfs-operator.log
    operator_metrics_url: http://127.0.0.1:8080/metrics
"""

RETURN = r"""
path:
  description: The archive, written (or, in check mode and when unchanged, the one it would write).
  returned: always
  type: str
  sample: /tmp/bundles/rustfs-support-rustfs-system-example-tenant.tar.gz
files:
  description: The archive's members, in order, under the directory C(rustfs-support-<namespace>-<name>/).
  returned: always
  type: list
  elements: str
tenant_exists:
  description: Whether the Tenant exists (a bundle of a deleted tenant still holds its objects and Events).
  returned: always
  type: bool
sources:
  description: Each source of the bundle, whether it was read and, when not, why.
  returned: always
  type: list
  elements: dict
  contains:
    source:
      description: The source, for example C(logs from pods of rustfs-system) or C(secrets).
      type: str
    available:
      description: Whether it was read.
      type: bool
    detail:
      description: Why it was not read, or what was read.
      type: str
unavailable:
  description: The sources that could not be read, with why, one line each.
  returned: always
  type: list
  elements: str
redactions:
  description: How many secret values were replaced in the texts of the bundle (Secret listings not counted).
  returned: always
  type: int
"""

import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from ansible.module_utils.urls import open_url
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils import support_bundle as sb
from ansible_collections.rustfs.operator.plugins.module_utils.checks import ClusterFacts
from ansible_collections.rustfs.operator.plugins.module_utils.history import history_name
from ansible_collections.rustfs.operator.plugins.module_utils.kube import (
    AUTH_ARG_SPEC,
    error_detail,
    get_api_client,
    get_or_none,
    plain,
    run_module,
)
from ansible_collections.rustfs.operator.plugins.module_utils.live import list_cluster, read_tenant

ARGUMENT_SPEC: dict[str, Any] = {
    **AUTH_ARG_SPEC,
    "name": {"type": "str", "required": True},
    "namespace": {"type": "str", "required": True},
    "dest": {"type": "path", "required": True},
    "operator_namespace": {"type": "str"},
    "operator_selector": {"type": "str", "default": "app.kubernetes.io/name=rustfs-operator"},
    "operator_log_file": {"type": "path"},
    "operator_metrics_url": {"type": "str"},
    "log_lines": {"type": "int", "default": 2000},
    "timeout": {"type": "int", "default": 10},
}
# The most of a log file read (its end): a support bundle is mailed.
MAX_LOG_BYTES = 4 * 1024 * 1024


def _attempt(collected: sb.Collected, source: str, read: Callable[[], Any], default: Any, api: bool = True) -> Any:
    """READ's answer, or DEFAULT with SOURCE recorded as unavailable and why (API: READ calls the API server)."""
    try:
        return read()
    except Exception as error:  # every optional source degrades to a note in the bundle
        detail = error_detail(error) if api else f"{type(error).__name__}: {error}"
        collected.sources.append(sb.Source(source, False, (detail.strip().splitlines() or [""])[0][:500]))
        return default


def _list(client: Any, kind: str, api_version: str, namespace: str, selector: str | None = None) -> list[Any]:
    found: list[Any] = plain(
        client.get(client.resource(kind, api_version), namespace=namespace, label_selector=selector)
    )["items"]
    return found


def _owned(tenant: dict[str, Any] | None, name: str, items: list[dict[str, Any]], owners: set[str]) -> list[Any]:
    """ITEMS labelled for the tenant, or owned by the Tenant or by one of OWNERS (uids: its StatefulSets)."""
    uids = set(owners) | ({str(tenant["metadata"].get("uid"))} if tenant else set())
    kept = []
    for item in items:
        metadata = item.get("metadata") or {}
        labelled = (metadata.get("labels") or {}).get(c.LABEL_TENANT) == name
        owned = any(str(o.get("uid")) in uids for o in metadata.get("ownerReferences") or [])
        if labelled or owned:
            kept.append(item)
    return kept


def _tail(text: str, lines: int) -> str:
    return "\n".join(text.splitlines()[-lines:]) if lines > 0 else text


def _read_owned(client: Any, collected: sb.Collected, tenant: dict[str, Any] | None) -> None:
    ns, name = collected.namespace, collected.name
    uids: set[str] = set()
    for kind, api_version, _path in sb.OWNED_KINDS:
        items = _attempt(collected, f"objects: {kind}", partial(_list, client, kind, api_version, ns), [])
        kept = _owned(tenant, name, items, uids)
        if kind == "ConfigMap":  # the history has a file of its own, its records parsed and redacted
            kept = [i for i in kept if i["metadata"]["name"] != history_name(name)]
        if kind == "StatefulSet":
            uids |= {str(i["metadata"].get("uid")) for i in kept}
        collected.owned[kind] = kept


def _read_secrets(client: Any, collected: sb.Collected, tenant: dict[str, Any] | None) -> None:
    """The referenced and owned Secrets: read only to list their keys and scrub their values."""
    ns, name = collected.namespace, collected.name

    def read() -> bool:
        # Only the tenant's labelled Secrets are listed: no other Secret of the namespace is read.
        owned = _list(client, "Secret", "v1", ns, f"{c.LABEL_TENANT}={name}")
        by_name = {str(s["metadata"]["name"]): s for s in owned}
        for wanted in sb.referenced_secret_names(tenant or {}):
            if wanted not in by_name:
                secret = get_or_none(client, "Secret", "v1", wanted, ns)
                if secret is None:
                    collected.missing_secrets.append(wanted)
                else:
                    by_name[wanted] = secret
        collected.secrets = [by_name[key] for key in sorted(by_name)]
        collected.secret_problems = sb.secret_checks(tenant, by_name)
        collected.sources.append(sb.Source("secrets", True, f"{len(by_name)} listed, values redacted"))
        return True

    def forbidden() -> None:
        # Without the values nothing can be scrubbed by value: say so (key names and env are still redacted).
        collected.sources[-1].detail += "; values could not be read, so texts were not scrubbed by value"

    if not _attempt(collected, "secrets", read, False):
        forbidden()


def _pod_logs(collected: sb.Collected, client: Any, params: dict[str, Any], where: str) -> None:
    """The last lines of every container of the operator's pods, through the API (pods/log)."""
    namespace, selector = params["operator_namespace"], params["operator_selector"]
    pods = _list(client, "Pod", "v1", namespace, selector)
    if not pods:
        raise LookupError(f"no pod in {namespace} matches {selector}")
    resource = client.resource("Pod", "v1")
    for pod in sorted(pods, key=lambda p: str(p["metadata"]["name"])):
        pod_name = str(pod["metadata"]["name"])
        for container in pod.get("spec", {}).get("containers") or []:
            query = {"container": container["name"], "tailLines": int(params["log_lines"])}
            response = resource.log.get(name=pod_name, namespace=namespace, serialize=False, query_params=query)
            text = response.data.decode("utf-8", "replace")
            collected.operator_logs.append((f"pod {namespace}/{pod_name} container {container['name']}", text))
    collected.sources.append(sb.Source(where, True, f"{len(pods)} pod(s)"))


def _file_log(collected: sb.Collected, client: Any, params: dict[str, Any], where: str) -> None:
    """The end of a log file on the controller."""
    del client
    path = Path(params["operator_log_file"])
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - MAX_LOG_BYTES))
        text = handle.read().decode("utf-8", "replace")
    collected.operator_logs.append((f"file {path}", _tail(text, int(params["log_lines"]))))
    collected.sources.append(sb.Source(where, True))


def _metrics(collected: sb.Collected, client: Any, params: dict[str, Any], where: str) -> None:
    """The operator's /metrics, by HTTP from the controller."""
    del client
    url = str(params["operator_metrics_url"])
    if not url.startswith(("http://", "https://")):
        raise ValueError("operator_metrics_url must be an http:// or https:// URL")
    with open_url(url, timeout=params["timeout"]) as response:
        text = response.read(MAX_LOG_BYTES).decode("utf-8", "replace")
    collected.operator_metrics.append((url, text))
    collected.sources.append(sb.Source(where, True))


# The operator's sources: (option, the source's name when not given, its name when given, reader, through the API).
OPERATOR_SOURCES: tuple[tuple[str, str, Callable[[dict[str, Any]], str], Callable[..., None], bool], ...] = (
    (
        "operator_namespace",
        "logs from pods",
        lambda p: f"logs from pods of {p['operator_namespace']} ({p['operator_selector']})",
        _pod_logs,
        True,
    ),
    ("operator_log_file", "logs from a file", lambda p: f"logs from file {p['operator_log_file']}", _file_log, False),
    ("operator_metrics_url", "metrics", lambda p: f"metrics from {p['operator_metrics_url']}", _metrics, False),
)


def _read_operator(collected: sb.Collected, client: Any, params: dict[str, Any]) -> None:
    """Each source of the operator's logs and metrics that was given; the others recorded as not asked for."""
    for option, absent, named, reader, api in OPERATOR_SOURCES:
        if not params.get(option):
            collected.sources.append(sb.Source(absent, False, f"not asked for (give {option})"))
            continue
        where = named(params)
        _attempt(collected, where, partial(reader, collected, client, params, where), None, api=api)


def collect(client: Any, params: dict[str, Any]) -> sb.Collected:
    """Everything the bundle holds, read from the API server and the operator's sources, unredacted."""
    ns, name = params["namespace"], params["name"]
    collected = sb.Collected(ns, name, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    tenant, crd_installed = read_tenant(client, name, ns)  # the API server must answer: no bundle otherwise
    collected.tenant = tenant
    detail = "" if tenant is not None else ("the Tenant CRD is not installed" if not crd_installed else "not found")
    collected.sources.append(sb.Source("tenant", tenant is not None, detail))
    history = _attempt(
        collected, "history", lambda: get_or_none(client, "ConfigMap", "v1", history_name(name), ns), None
    )
    collected.history = history
    _read_owned(client, collected, tenant)
    _read_secrets(client, collected, tenant)
    objects = {("Tenant", name)} | {sb.about(o) for items in collected.owned.values() for o in items}
    objects |= {("ConfigMap", history_name(name))} | {("Secret", sb.about(s)[1]) for s in collected.secrets}
    events = _attempt(collected, "events", lambda: _list(client, "Event", "v1", ns), [])
    collected.events = sb.related_events(events, objects)
    collected.facts = ClusterFacts.from_api(
        list_cluster(client, "StorageClass", "storage.k8s.io/v1"),
        list_cluster(client, "Node", "v1"),
        list_cluster(client, "PriorityClass", "scheduling.k8s.io/v1"),
    )
    _read_operator(collected, client, params)
    return collected


def write(path: Path, data: bytes) -> bool:
    """Write DATA to PATH (mode 0600, atomically) unless it holds DATA already; whether it wrote."""
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def execute(client: Any, params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
    """The whole task, for the action plugin (the path plays take) and for main()."""
    del diff
    collected = collect(client, params)
    files = sb.bundle_files(collected)
    archive_name = sb.archive_name(params["namespace"], params["name"])
    directory = archive_name.removesuffix(".tar.gz")
    mtime = int(datetime.strptime(collected.collected_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())
    path = Path(params["dest"]) / archive_name
    changed = False if check_mode else write(path, sb.archive(files, directory, mtime))
    unavailable = [f"{s.name}: {s.detail}" for s in collected.sources if not s.available]
    result: dict[str, Any] = {
        "changed": changed,
        "path": str(path),
        "files": [f"{directory}/{name}" for name in files],
        "tenant_exists": collected.tenant is not None,
        "sources": [s.to_dict() for s in collected.sources],
        "unavailable": unavailable,
        "redactions": int(sb.summary_redactions(files)),
    }
    if collected.tenant is None:
        result["warnings"] = [f"Tenant {params['namespace']}/{params['name']} not found: the bundle holds what is left"]
    return result


def failure_prefix(params: dict[str, Any]) -> str:
    return f"Failed to write the support bundle of tenant {params['namespace']}/{params['name']}"


def main() -> None:
    """Kept so the module runs alone and ansible-test checks its options; plays run the action plugin."""
    module = AnsibleK8SModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, execute, failure_prefix, get_api_client)


if __name__ == "__main__":
    main()
