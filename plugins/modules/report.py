#!/usr/bin/python
# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Module report: a read-only compliance report of the RustFS tenants of a cluster (issue 17, item 6)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: report
short_description: Summarise the security and resilience of every RustFS tenant in a cluster
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
requirements:
  - kubernetes >=24.2.0 (the Kubernetes API client, on the Ansible controller)
  - PyYAML >=6.0 (the YAML form of the report, on the Ansible controller)
  - cryptography >=41.0 (the certificates' hash of a TLS tenant, for drift, on the Ansible controller)
  - jsonschema >=4.17 (the Tenant schema, to render the pods it judges, on the Ansible controller)
description:
  - Reads every Tenant of the cluster (or of some namespaces, or those matching a label selector) and
    reports, per tenant - the Pod Security level its namespace enforces (the
    C(pod-security.kubernetes.io/enforce) label) and the level its rendered pods satisfy (C(restricted),
    C(baseline) or C(privileged)); TLS on or off and the days left on the serving certificate (from
    C(status.certificates.tls.notAfter)); the age of its credentials Secret (its C(creationTimestamp),
    read as metadata only, never its value); whether the engine refused its credentials (the reasons on
    C(CredentialsReady) and C(RpcAuthReady)); whether each pool has its PodDisruptionBudget; how many
    servers and drives each pool can lose (the engine's erasure layout); drift (whether the live owned
    objects differ from what the engine would apply, by the check of C(rustfs.operator.drift)); and the last
    successful reconcile (C(status.lastRun)).
  - A point the report cannot judge is C(unknown), with C(why); it never guesses.
  - Read-only - no API write at all. C(changed) is true only when O(dest) is written.
  - Runs in the Ansible controller (an action plugin), so it needs the C(kubernetes) Python library there and
    costs no module process; the options and C(K8S_AUTH_*) variables authenticate as kubernetes.core's do.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - rustfs.operator.tenant_settings
  - rustfs.operator.tenant_settings.default_image
options:
  namespaces:
    description: Report the Tenants of these namespaces only; every namespace when empty.
    type: list
    elements: str
    default: []
  label_selector:
    description: Report only the Tenants matching this label selector (for example C(team=storage)).
    type: str
  format:
    description: The form of RV(text) and of the O(dest) file.
    type: str
    choices: [yaml, json, table]
    default: yaml
  dest:
    description:
      - A file to write the report to, in O(format), on the Ansible controller.
      - Written only when its content changes, which is the only change the module makes.
    type: path
attributes:
  check_mode:
    support: full
    description: In check mode O(dest) is not written; C(changed) says whether it would be.
  diff_mode:
    support: none
    description: The module reads the cluster only.
"""

EXAMPLES = r"""
- name: Report every tenant of the cluster
  rustfs.operator.report:
  register: report

- name: Report the tenants of two namespaces to a YAML file
  rustfs.operator.report:
    namespaces: [storage-a, storage-b]
    dest: /tmp/rustfs-report.yaml

- name: Print the table
  ansible.builtin.debug:
    msg: "{{ report.table }}"
"""

RETURN = r"""
tenants:
  description: One entry per Tenant, sorted by namespace and name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The Tenant name.
      type: str
    namespace:
      description: The Tenant namespace.
      type: str
    state:
      description: C(status.currentState), or C(unknown) before the first reconcile.
      type: str
    pod_security:
      description:
        - C(namespace_enforce) (the namespace's enforced level, or C(unknown) without the label),
          C(pods) (the most restrictive level every rendered pod satisfies), C(admitted) (true, false or
          C(unknown)), C(violations) (what keeps the pods from the next level) and C(why).
      type: dict
    tls:
      description: C(enabled); with TLS, C(mode), C(not_after) and C(days_left) (negative once expired).
      type: dict
    credentials:
      description: C(secret) (the C(spec.credsSecret) name), C(created) and C(age_days) (whole days).
      type: dict
    default_credentials:
      description:
        - C(state) - C(refused) (the engine refused the credentials; C(reasons) lists the conditions),
          C(passed) (the checks passed at the current generation), C(builtin) (no credentials are set, so
          RustFS runs with its built-in ones) or C(unknown). C(blocked) is whether the tenant is Blocked.
      type: dict
    pdbs:
      description: C(state) (C(complete), C(missing) or C(unknown)) and, per pool, C(name) and C(present).
      type: dict
    erasure:
      description:
        - Per pool, C(servers_tolerated) and C(drives_tolerated) (lost while readable and writable), the
          same for reads, C(set_drive_count) and C(parity); C(unknown) with C(why) when not known.
      type: dict
    drift:
      description:
        - C(state) - C(in-sync), C(drifted) (C(objects) lists each object's C(kind), C(name) and C(state)) or
          C(unknown) (C(why)); C(not_compared) names what could not be compared (rustfs.operator.drift).
      type: dict
    last_reconcile:
      description: C(state) C(succeeded) with C(at) (C(status.lastRun.startedAt)) and C(generation), else C(unknown).
      type: dict
table:
  description: The report as aligned lines of text, then why each C(?) is unknown.
  returned: always
  type: list
  elements: str
text:
  description: The report in O(format).
  returned: always
  type: str
dest:
  description: The file written, when O(dest) is given.
  returned: when O(dest) is given
  type: str
"""


import json
import os
from datetime import UTC, datetime
from typing import Any

from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils import drift_check
from ansible_collections.rustfs.operator.plugins.module_utils.argument_specs import (
    CLUSTER_DOMAIN_SPEC,
    DEFAULT_IMAGE_SPEC,
)
from ansible_collections.rustfs.operator.plugins.module_utils.compliance import (
    drift_entry,
    format_table,
    tenant_report,
    unknown,
)
from ansible_collections.rustfs.operator.plugins.module_utils.errors import ModuleFailure
from ansible_collections.rustfs.operator.plugins.module_utils.kube import (
    AUTH_ARG_SPEC,
    ForbiddenError,
    ResourceNotFoundError,
    UnauthorizedError,
    error_detail,
    get_api_client,
    get_or_none,
    plain,
    run_module,
)
from ansible_collections.rustfs.operator.plugins.module_utils.live import list_labelled
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, as_dict

try:
    import yaml
except ImportError:  # pragma: no cover - the import sanity test runs without it (requirements.txt)
    yaml = None  # type: ignore[assignment]

ARGUMENT_SPEC: dict[str, Any] = {
    **AUTH_ARG_SPEC,
    **CLUSTER_DOMAIN_SPEC,
    **DEFAULT_IMAGE_SPEC,
    "namespaces": {"type": "list", "elements": "str", "default": []},
    "label_selector": {"type": "str"},
    "format": {"type": "str", "choices": ["yaml", "json", "table"], "default": "yaml"},
    "dest": {"type": "path"},
}
# The Secret's metadata only: the API server sends no data, so no value ever reaches this process.
METADATA_ONLY = {"Accept": "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"}


def list_tenants(client: Any, namespaces: list[str], selector: str | None) -> list[dict[str, Any]]:
    resource = client.resource(c.TENANT_KIND, c.TENANT_API_VERSION)
    found: list[dict[str, Any]] = []
    targets: list[str | None] = [*namespaces] or [None]  # None: every namespace
    for namespace in targets:
        found += plain(client.get(resource, namespace=namespace, label_selector=selector))["items"]
    return sorted(found, key=lambda t: (str(t["metadata"]["namespace"]), str(t["metadata"]["name"])))


def _denied(what: str, error: Exception) -> str:
    return f"this identity may not read {what}: {error_detail(error)}"[:300]


def read_namespace(client: Any, name: str) -> dict[str, Any] | str:
    try:
        found = get_or_none(client, "Namespace", "v1", name, None)
    except (ForbiddenError, UnauthorizedError) as error:
        return _denied(f"namespace {name}", error)
    return found if found is not None else f"namespace {name} not found"


def read_pdbs(client: Any, namespace: str, tenant: str) -> list[dict[str, Any]] | str:
    try:
        return list_labelled(client, "PodDisruptionBudget", "policy/v1", namespace, tenant)
    except (ForbiddenError, UnauthorizedError) as error:
        return _denied(f"the PodDisruptionBudgets of {namespace}", error)


def read_secret_metadata(client: Any, namespace: str, name: str) -> dict[str, Any] | str | None:
    """The Secret's metadata only (PartialObjectMetadata): never its data."""
    try:
        found = get_or_none(client, "Secret", "v1", name, namespace, header_params=METADATA_ONLY)
    except (ForbiddenError, UnauthorizedError) as error:
        return _denied(f"Secret {name}", error)
    return None if found is None else {"metadata": as_dict(found.get("metadata"))}


def read_drift(client: Any, params: dict[str, Any], namespace: str, name: str) -> JSON:
    """The drift check of rustfs.operator.drift (read-only), or why it could not be made."""
    options = {key: params[key] for key in (*AUTH_ARG_SPEC, "cluster_domain", "default_image")}
    try:
        found = drift_check.execute(
            client, {**options, "definition": None, "name": name, "namespace": namespace}, True, False
        )
    except ModuleFailure as failure:
        return unknown(str(failure))
    except (ForbiddenError, UnauthorizedError) as error:
        return unknown(_denied("the objects the drift check compares", error))
    except Exception as error:  # one tenant the check cannot handle must not stop the report of the others
        return unknown(f"the drift check failed: {error_detail(error)}"[:300])
    return drift_entry(found)


def render(tenants: list[dict[str, Any]], table: list[str], form: str) -> str:
    if form == "table":
        return "\n".join(table) + "\n"
    if form == "json":
        return json.dumps({"tenants": tenants}, indent=2, sort_keys=False) + "\n"
    return str(yaml.safe_dump({"tenants": tenants}, sort_keys=False, default_flow_style=False, width=120))


def write_dest(path: str, text: str, check_mode: bool) -> bool:
    """Whether DEST changes (and, outside check mode, write it)."""
    try:
        with open(path, encoding="utf-8") as current:
            if current.read() == text:
                return False
    except FileNotFoundError:
        pass
    if not check_mode:
        temporary = f"{path}.tmp-{os.getpid()}"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    return True


def execute(client: Any, params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
    """The whole task, for the action plugin (the path plays take) and for main()."""
    del diff
    now = datetime.now(UTC)
    try:
        documents = list_tenants(client, list(params["namespaces"] or []), params.get("label_selector"))
    except ResourceNotFoundError:
        documents = []
        warnings = ["the API server does not know the Tenant kind (see the rustfs.operator.install_crds playbook)"]
    else:
        warnings = []
    namespaces: dict[str, dict[str, Any] | str] = {}
    reports = []
    for document in documents:
        metadata = as_dict(document.get("metadata"))
        name, namespace = str(metadata["name"]), str(metadata["namespace"])
        if namespace not in namespaces:
            namespaces[namespace] = read_namespace(client, namespace)
        secret_name = as_dict(as_dict(document.get("spec")).get("credsSecret")).get("name")
        reports.append(
            tenant_report(
                document,
                namespace=namespaces[namespace],
                pdbs=read_pdbs(client, namespace, name),
                credentials_secret=read_secret_metadata(client, namespace, str(secret_name)) if secret_name else None,
                drift=read_drift(client, params, namespace, name),
                now=now,
            )
        )
    table = format_table(reports)
    text = render(reports, table, params["format"])
    result: dict[str, Any] = {"changed": False, "tenants": reports, "table": table, "text": text}
    if params.get("dest"):
        result["dest"] = params["dest"]
        result["changed"] = write_dest(params["dest"], text, check_mode)
    if warnings:
        result["warnings"] = warnings
    return result


def failure_prefix(params: dict[str, Any]) -> str:
    del params
    return "Failed to report the tenants"


def main() -> None:
    """Kept so the module runs alone and ansible-test checks its options; plays run the action plugin."""
    module = AnsibleK8SModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, execute, failure_prefix, get_api_client)


if __name__ == "__main__":
    main()
