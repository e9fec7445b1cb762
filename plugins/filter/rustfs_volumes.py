# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Filter plugin rustfs_volumes: the RUSTFS_VOLUMES value of a tenant."""

from __future__ import annotations

DOCUMENTATION = r"""
name: rustfs_volumes
short_description: Compute the RUSTFS_VOLUMES value of a RustFS Tenant
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
description:
  - Returns the value every RustFS server of the tenant receives in C(RUSTFS_VOLUMES).
  - A tenant of one pool with one server and one volume gets the local path (C(/data/rustfs0)); every
    other layout gets one ellipsis token per pool, in C(spec.pools) order, joined by a space, for example
    C(http://t-p-{0...1}.t-hl.ns.svc.cluster.local:9000/data/rustfs{0...1}).
  - The scheme is C(https) only with TLS enabled and C(spec.tls.enableInternodeHttps) true.
  - An invalid Tenant fails with every field error.
options:
  _input:
    description: The Tenant, as a dictionary.
    type: dict
    required: true
  cluster_domain:
    description: The cluster DNS domain of the peer addresses.
    type: str
    default: cluster.local
"""

EXAMPLES = r"""
- name: Show the volumes RustFS will use
  ansible.builtin.debug:
    msg: "{{ tenant | rustfs.operator.rustfs_volumes(cluster_domain='k8s.example.org') }}"
"""

RETURN = r"""
_value:
  description: The C(RUSTFS_VOLUMES) value.
  type: str
"""

from collections.abc import Callable
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.rustfs.operator.plugins.module_utils import constants as c
from ansible_collections.rustfs.operator.plugins.module_utils.errors import format_errors
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.schema import drop_nulls
from ansible_collections.rustfs.operator.plugins.module_utils.validation import validate_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.volumes import rustfs_volumes as compute


def rustfs_volumes(tenant: Any, cluster_domain: str = c.DEFAULT_CLUSTER_DOMAIN) -> str:
    errors = validate_tenant(tenant)
    if errors:
        raise AnsibleFilterError("Invalid Tenant:\n" + format_errors(errors))
    return compute(parse_tenant(drop_nulls(dict(tenant))), str(cluster_domain))


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"rustfs_volumes": rustfs_volumes}
