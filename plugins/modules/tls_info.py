#!/usr/bin/python
# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Module tls_info: check what the cluster holds for a tenant's spec.tls, returning only verdicts."""

from __future__ import annotations

DOCUMENTATION = r"""
module: tls_info
short_description: Check the certificates of a RustFS tenant's spec.tls, returning only verdicts
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
requirements:
  - cryptography >=41.0 (certificate checks, on the Ansible controller)
  - kubernetes >=24.2.0 (the Kubernetes API client, on the Ansible controller)
description:
  - Reads what C(spec.tls) of a Tenant refers to - the TLS Secrets, CA Secrets and, for certificates
    managed through cert-manager, the C(certificates.cert-manager.io) CRD, the Issuer or ClusterIssuer
    and the Certificate objects - and checks it against spec 9.1 of the Tenant API - Secret type and
    keys, the private key matches the certificate, the key is strong enough, the certificate is valid
    now and its SANs cover the tenant's names, CA bundles parse, and with internode HTTPS the server
    certificate was signed by the trusted CA.
  - Returns problems (with the Tenant API reasons), the inputs the pods are rendered with (the
    C(operator.rustfs.com/tls-hash) value) and C(status.certificates.tls). Secret values, and anything
    derived from a private key other than a verdict, never leave the module.
  - With O(wait), waits while cert-manager has not issued a certificate yet (reasons
    C(CertificateSecretPending) and C(CertManagerCertificateNotReady)).
  - Makes no change.
  - Runs in the Ansible controller (an action plugin), so it needs the C(kubernetes) Python library there and
    costs no module process; the options and C(K8S_AUTH_*) variables authenticate as kubernetes.core's do.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - rustfs.operator.tenant_settings
options:
  tenant:
    description: The Tenant (validated; with C(metadata.uid) to find Certificates it owns).
    type: dict
    required: true
  prerequisites_only:
    description:
      - Check only what must exist before cert-manager Certificates are applied - the Certificate CRD and
        the issuers.
    type: bool
    default: false
  wait:
    description: Wait while a cert-manager certificate is pending.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait with O(wait).
    type: int
    default: 120
attributes:
  check_mode:
    support: full
    description: The module never changes anything.
  diff_mode:
    support: none
    description: The module never changes anything.
"""

EXAMPLES = r"""
- name: Check the tenant's TLS Secrets
  rustfs.operator.tls_info:
    tenant: "{{ tenant }}"
  register: tls_check

- name: Refuse to roll the pods onto a certificate that does not cover the tenant
  ansible.builtin.fail:
    msg: "{{ tls_check.problems | map(attribute='message') | join('; ') }}"
  when: tls_check.problems | length > 0
"""

RETURN = r"""
problems:
  description: What keeps the tenant from running on these certificates; empty when they are usable.
  returned: always
  type: list
  elements: dict
  contains:
    field:
      description: The Tenant field concerned.
      type: str
    message:
      description: What is wrong (names Secrets and keys, never a value).
      type: str
    reason:
      description: The status reason, for example C(CertificateSanMismatch).
      type: str
pending:
  description: Whether the only problems are cert-manager still issuing (the tenant is not blocked, just waiting).
  returned: always
  type: bool
inputs:
  description:
    - What the pods are rendered with (pass it to P(rustfs.operator.tenant_plan#filter) as C(tls)); null with
      problems.
  returned: always
  type: dict
  contains:
    hash:
      description: The C(operator.rustfs.com/tls-hash) annotation, C(sha256:<hex>).
      type: str
    serverCa:
      description: Whether the default certificate's Secret has a C(ca.crt) that is mounted.
      type: bool
status:
  description: The C(status.certificates.tls) of the Tenant.
  returned: always
  type: dict
stale_certificates:
  description: Names of cert-manager Certificates owned by the Tenant that no certificate entry wants any more.
  returned: always
  type: list
  elements: str
"""

import time
from typing import Any

from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule

from ansible_collections.rustfs.operator.plugins.module_utils import tls, tls_kube, tls_observe
from ansible_collections.rustfs.operator.plugins.module_utils.argument_specs import CLUSTER_DOMAIN_SPEC
from ansible_collections.rustfs.operator.plugins.module_utils.kube import AUTH_ARG_SPEC, get_api_client, run_module

POLL_SECONDS = 2.0


def run(client: Any, params: dict[str, Any]) -> dict[str, Any]:
    tenant, errors = tls_kube.tenant_from(params["tenant"])
    if errors:
        problems = [dict(e) for e in errors]
        return {"problems": problems, "pending": False, "inputs": None, "status": {}, "stale_certificates": []}
    domain = params["cluster_domain"]
    deadline = time.monotonic() + (params["wait_timeout"] if params["wait"] else 0)
    while True:
        readings = tls_kube.read(client, tenant, params["prerequisites_only"])
        result = tls_observe.check(tenant, readings, domain, prerequisites_only=params["prerequisites_only"])
        if not result.pending or time.monotonic() >= deadline:
            break
        time.sleep(POLL_SECONDS)
    stale = tls_kube.stale_certificates(client, tenant)
    return {
        "problems": [dict(p) for p in result.problems],
        "pending": result.pending,
        "inputs": tls.inputs_to_dict(result.inputs) if result.inputs is not None else None,
        "status": result.status,
        "stale_certificates": stale,
    }


ARGUMENT_SPEC: dict[str, Any] = {
    **AUTH_ARG_SPEC,
    **CLUSTER_DOMAIN_SPEC,
    "tenant": {"type": "dict", "required": True},
    "prerequisites_only": {"type": "bool", "default": False},
    "wait": {"type": "bool", "default": False},
    "wait_timeout": {"type": "int", "default": 120},
}


def execute(client: Any, params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
    """The whole task, for the action plugin (the path plays take) and for main()."""
    del check_mode, diff  # reads only
    return {"changed": False, **run(client, params)}


def failure_prefix(params: dict[str, Any]) -> str:
    return "Failed to check the TLS settings of the tenant"


def main() -> None:
    """Kept so the module runs alone and ansible-test checks its options; plays run the action plugin."""
    module = AnsibleK8SModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module, execute, failure_prefix, get_api_client)


if __name__ == "__main__":
    main()
