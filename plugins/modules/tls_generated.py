#!/usr/bin/python
# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Module tls_generated: issue and renew a tenant's operator-generated CA and server certificate."""

from __future__ import annotations

DOCUMENTATION = r"""
module: tls_generated
short_description: Issue and renew the operator-generated certificates of a RustFS tenant
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
requirements:
  - cryptography >=41.0 (certificate checks, on the Ansible controller)
  - kubernetes >=24.2.0 (the Kubernetes API client, on the Ansible controller)
description:
  - For a Tenant with C(spec.tls.generated.enabled) (a rustfs.operator addition), keeps a per-tenant CA in
    the Secret C({tenant}-tls-ca) and a server certificate covering every name of the tenant (each
    Service in its four forms and every pod) in the Secret C(spec.tls.certManager.secretName), else
    C({tenant}-tls). Both are of type C(kubernetes.io/tls), owned by the Tenant when it has a uid, and
    labelled C(operator.rustfs.com/tls-generated).
  - Renews the server certificate when two thirds of its lifetime have passed, when it no longer covers
    every name (a pool was added), or when it was not signed by the signing CA. Rotates the CA in two
    steps - the new CA first joins C(ca.crt) next to the old one, and signs only once every pool has
    rolled out with that bundle - so internode TLS never meets an unknown CA.
  - Never takes over a Secret it did not create (reason C(CertificateSecretConflict)).
  - Then checks the tenant's TLS settings as M(rustfs.operator.tls_info) does and returns the same
    problems, inputs and status. Keys are generated, used and written inside the module; nothing
    derived from a private key other than a verdict is returned.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - rustfs.operator.tenant_settings
options:
  tenant:
    description: The Tenant (validated; with C(metadata.uid) to own the Secrets).
    type: dict
    required: true
  wait:
    description: Wait while cert-manager still issues the certificate of another entry (SNI host).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait with O(wait).
    type: int
    default: 120
attributes:
  check_mode:
    support: full
    description: Reports what would be issued and the inputs the pods would get, writing nothing.
  diff_mode:
    support: none
    description: Secret contents are never shown.
"""

EXAMPLES = r"""
- name: Issue or renew the tenant's certificates
  rustfs.operator.tls_generated:
    tenant: "{{ tenant }}"
  register: tls_issue
"""

RETURN = r"""
actions:
  description: What was issued, renewed or rotated, in words (for example C(issued the server certificate)).
  returned: always
  type: list
  elements: str
problems:
  description: As M(rustfs.operator.tls_info) returns them; empty when the tenant may run.
  returned: always
  type: list
  elements: dict
pending:
  description:
    - True while cert-manager still issues a certificate of another entry (see M(rustfs.operator.tls_info)).
  returned: always
  type: bool
inputs:
  description: What the pods are rendered with (see M(rustfs.operator.tls_info)); null with problems.
  returned: always
  type: dict
status:
  description:
    - The C(status.certificates.tls) of the Tenant, with C(source=Generated), C(notAfter), C(renewalTime)
      and C(caNotAfter).
  returned: always
  type: dict
stale_certificates:
  description: Names of cert-manager Certificates owned by the Tenant that no certificate entry wants any more.
  returned: always
  type: list
  elements: str
"""

import dataclasses
import time
from typing import Any

from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule

from ansible_collections.rustfs.operator.plugins.module_utils import certificates as certs
from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils import tls, tls_generated, tls_kube, tls_observe
from ansible_collections.rustfs.operator.plugins.module_utils.argument_specs import CLUSTER_DOMAIN_SPEC
from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError, ModuleFailure, field_error
from ansible_collections.rustfs.operator.plugins.module_utils.kube import (
    AUTH_ARG_SPEC,
    get_api_client,
    get_or_none,
    run_module,
)
from ansible_collections.rustfs.operator.plugins.module_utils.model import JSON, Tenant, as_dict
from ansible_collections.rustfs.operator.plugins.module_utils.status import pool_state
from ansible_collections.rustfs.operator.plugins.module_utils.tls_validation import generated_settings

CA_KEYS = (
    tls_generated.CA_CERT,
    tls_generated.CA_KEY_FILE,
    tls_generated.BUNDLE,
    tls_generated.PENDING_CERT,
    tls_generated.PENDING_KEY,
)
SERVER_KEYS = (tls_generated.SERVER_CERT, tls_generated.SERVER_KEY, tls_generated.BUNDLE)
POLL_SECONDS = 2.0


def rolled_out(statefulsets: list[JSON], expected_hash: str | None) -> bool:
    """Every pool's pods run with the TLS inputs of `expected_hash` (trivially true without pods)."""
    if expected_hash is None:
        return True
    for statefulset in statefulsets:
        template = as_dict(as_dict(statefulset.get("spec")).get("template"))
        annotations = as_dict(as_dict(template.get("metadata")).get("annotations"))
        if annotations.get(c.ANNOTATION_TLS_HASH) != expected_hash or pool_state(statefulset) != "RolloutComplete":
            return False
    return True


def conflicts(tenant: Tenant, secrets: list[tuple[str, str, JSON | None]]) -> list[FieldError]:
    problems: list[FieldError] = []
    for name, role, secret in secrets:
        if secret is not None and not tls_kube.owned_by_us(secret, tenant, role):
            problems.append(
                field_error(
                    "spec.tls.generated",
                    f"Secret {name} exists and was not generated by rustfs.operator for tenant {tenant.name}; "
                    "it is never overwritten: delete it, or name another Secret in certManager.secretName",
                    tls_observe.CONFLICT_REASON,
                )
            )
    return problems


def generated_status(plan: tls_generated.GeneratedPlan, names: list[str]) -> JSON:
    status: JSON = {}
    leaf = plan.server[tls_generated.SERVER_CERT]
    renewal = certs.renewal_status(leaf, names)
    if renewal["renew_at"]:
        status["renewalTime"] = renewal["renew_at"]
    status["caNotAfter"] = certs.certificate_info(plan.ca[tls_generated.CA_CERT])["not_after"]
    if tls_generated.PENDING_CERT in plan.ca:
        status["caRotation"] = "Pending"
    return status


def execute(client: Any, params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
    """The whole task, for the action plugin (the path plays take) and for main()."""
    del diff  # the result lists what was written; Secret values are never shown
    tenant, errors = tls_kube.tenant_from(params["tenant"])
    empty: dict[str, Any] = {
        "changed": False,
        "actions": [],
        "pending": False,
        "inputs": None,
        "status": {},
        "stale_certificates": [],
    }
    if errors:
        return {**empty, "problems": [dict(e) for e in errors]}
    entry = tls.default_entry(tenant)
    if tls.generated(tenant) is None or entry is None:
        raise ModuleFailure("spec.tls.generated.enabled is not set (with mode certManager) for this Tenant")
    domain = params["cluster_domain"]
    server_name, ca_name = tls.secret_name(tenant, entry), tls.generated_ca_secret_name(tenant)
    server_secret = get_or_none(client, "Secret", "v1", server_name, tenant.namespace)
    ca_secret = get_or_none(client, "Secret", "v1", ca_name, tenant.namespace)
    problems = conflicts(
        tenant, [(ca_name, tls.GENERATED_CA, ca_secret), (server_name, tls.GENERATED_SERVER, server_secret)]
    )
    if problems:
        return {**empty, "problems": [dict(p) for p in problems], "status": tls_observe.error_status(tenant, problems)}

    readings = tls_kube.read(client, tenant)
    current = tls_observe.check(tenant, readings, domain)
    expected = current.inputs.hash if current.inputs is not None else None
    names = tls.generated_certificate_names(tenant, domain)
    plan = tls_generated.plan(
        tenant.name,
        tls_kube.decoded(ca_secret, CA_KEYS),
        tls_kube.decoded(server_secret, SERVER_KEYS),
        names,
        generated_settings(tenant),
        rolled_out=rolled_out(tls_kube.live_statefulsets(client, tenant), expected),
    )
    secrets = dict(readings.secrets)
    written: set[str] = set()
    for name, role, values, changed, existing in (
        (ca_name, tls.GENERATED_CA, plan.ca, plan.ca_changed, ca_secret),
        (server_name, tls.GENERATED_SERVER, plan.server, plan.server_changed, server_secret),
    ):
        if not changed:
            continue
        version = tls_observe.resource_version(existing)
        body = tls_kube.generated_secret(tenant, name, role, values, version)
        written.add(name)
        if check_mode:
            secrets[name] = body
            continue
        try:
            secrets[name] = tls_kube.write_secret(client, body, existing is not None)
        except Exception as error:
            # The API's message could quote the request; report only the status.
            code, reason = getattr(error, "status", ""), getattr(error, "reason", type(error).__name__)
            raise ModuleFailure(f"Failed to write Secret {name}: {code} {reason}") from None
    deadline = time.monotonic() + (params["wait_timeout"] if params["wait"] else 0)
    while True:
        result = tls_observe.check(tenant, dataclasses.replace(readings, secrets=secrets), domain)
        if not result.pending or time.monotonic() >= deadline:
            break
        time.sleep(POLL_SECONDS)
        fresh = tls_kube.read(client, tenant)
        readings = dataclasses.replace(fresh, secrets={**fresh.secrets, **{k: secrets[k] for k in written}})
    status = dict(result.status)
    if not result.problems:
        status.update(generated_status(plan, names))
    actions = list(plan.actions) + ([plan.waiting] if plan.waiting else [])
    return {
        "changed": plan.changed,
        "actions": actions,
        "problems": [dict(p) for p in result.problems],
        "pending": result.pending,
        "inputs": tls.inputs_to_dict(result.inputs) if result.inputs is not None else None,
        "status": status,
        "stale_certificates": tls_kube.stale_certificates(client, tenant),
    }


ARGUMENT_SPEC: dict[str, Any] = {
    **AUTH_ARG_SPEC,
    **CLUSTER_DOMAIN_SPEC,
    "tenant": {"type": "dict", "required": True},
    "wait": {"type": "bool", "default": False},
    "wait_timeout": {"type": "int", "default": 120},
}


def failure_prefix(params: dict[str, Any]) -> str:
    return "Failed to issue the tenant's certificates"


def main() -> None:
    """Kept so the module runs alone and ansible-test checks its options; plays run the action plugin."""
    module = AnsibleK8SModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, execute, failure_prefix, get_api_client)


if __name__ == "__main__":
    main()
