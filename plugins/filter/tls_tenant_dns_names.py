# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Filter plugin tls_tenant_dns_names: the DNS names a tenant's certificate must cover."""

from __future__ import annotations

DOCUMENTATION = r"""
name: tls_tenant_dns_names
short_description: List the DNS names a RustFS tenant's certificate must cover
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
description:
  - Computes DNS names from the Tenant's name, namespace and pools (C(name), C(servers)); nothing else of the
    Tenant is read or validated, so it also works before TLS settings are accepted. It fails when those
    fields are missing.
  - With O(scope=all) (the default) - every Service name in its four forms, for C({t}-io), C({t}-console) and
    C({t}-hl) (C({s}), C({s}.{ns}), C({s}.{ns}.svc), C({s}.{ns}.svc.{domain})), then every pod's name
    C({t}-{pool}-{i}.{t}-hl.{ns}.svc.{domain}) for every pool and ordinal. This is what an operator-generated
    certificate covers.
  - With O(scope=cert_manager) - the generated names of the Tenant API for a cert-manager C(Certificate) -
    C({t}-io.{ns}.svc), C({t}-io.{ns}.svc.{domain}), C({t}-hl.{ns}.svc), C({t}-hl.{ns}.svc.{domain}) and every pod.
  - With O(scope=internode) - what internode HTTPS needs - C({t}-hl.{ns}.svc.{domain}) and every pod's name
    (no pod names for a tenant of one pool with one server and one volume, which has no peers).
  - Names are in that order, each once.
options:
  _input:
    description: The Tenant, as a dictionary.
    type: dict
    required: true
  cluster_domain:
    description: The cluster DNS domain.
    type: str
    default: cluster.local
  scope:
    description: Which names; see the description.
    type: str
    choices: [all, cert_manager, internode]
    default: all
seealso:
  - plugin: rustfs.operator.tls_certificate_covers
    plugin_type: filter
  - plugin: rustfs.operator.tls_server_certificate
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Names of the tenant
  ansible.builtin.debug:
    msg: "{{ tenant | rustfs.operator.tls_tenant_dns_names(cluster_domain='k8s.example.org') }}"
"""

RETURN = r"""
_value:
  description: The DNS names, for example C(demo-io), C(demo-io.ns), ..., C(demo-pool-0-0.demo-hl.ns.svc.cluster.local).
  type: list
  elements: str
"""

from collections.abc import Callable
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils import tls_names
from ansible_collections.rustfs.operator.plugins.plugin_utils.filter_errors import user_errors


@user_errors
def tls_tenant_dns_names(tenant: Any, cluster_domain: Any = c.DEFAULT_CLUSTER_DOMAIN, scope: Any = "all") -> list[str]:
    if not isinstance(cluster_domain, str) or not isinstance(scope, str):
        raise TypeError("cluster_domain and scope must be strings")
    return tls_names.tenant_dns_names_for_scope(tenant, str(cluster_domain), str(scope))


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"tls_tenant_dns_names": tls_tenant_dns_names}
