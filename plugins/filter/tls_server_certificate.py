# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Filter plugin tls_server_certificate: a CA-signed server certificate for a private key."""

from __future__ import annotations

DOCUMENTATION = r"""
name: tls_server_certificate
short_description: Issue a CA-signed server certificate for a RustFS tenant
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
description:
  - Creates a certificate for the input private key, signed by O(ca_certificate) with O(ca_private_key), and
    returns it as PEM.
  - Subject alternative names are O(dns_names) (lowercased, duplicates removed, C(*.x) allowed as a whole
    leftmost label) and O(ip_addresses); at least one is needed. Use
    P(rustfs.operator.tls_tenant_dns_names#filter) for every name a tenant is reached by.
  - C(basicConstraints) CA:FALSE (critical), C(keyUsage) (critical), C(extendedKeyUsage), subject and
    authority key identifiers. The common name defaults to the first DNS name of at most 64 characters;
    without one the subject is empty and the SAN extension critical.
  - Valid from O(now) minus O(backdate) until O(now) plus O(lifetime), but never past the CA's expiry.
  - Refused - with a message naming the problem, never key material - when a key is unreadable, weak or
    of a type RustFS does not accept, when the CA key does not belong to the CA certificate, when the CA
    certificate is not a CA or is expired or not yet valid, and for invalid names or usages.
options:
  _input:
    description: The server's private key, PEM.
    type: str
    required: true
  ca_certificate:
    description: The issuing CA certificate, PEM. With several certificates (a bundle) the first one issues.
    type: str
    required: true
  ca_private_key:
    description: The CA's private key, PEM.
    type: str
    required: true
  dns_names:
    description: DNS subject alternative names.
    type: list
    elements: str
    default: []
  ip_addresses:
    description: IP address subject alternative names.
    type: list
    elements: str
    default: []
  common_name:
    description: The subject common name (at most 64 characters); see the description for the default.
    type: str
  lifetime:
    description:
      - How long the certificate is valid, from O(now).
      - A duration such as C(2160h), C(90d), C(10m), or seconds.
    type: raw
    default: 2160h
  backdate:
    description: How far before O(now) the validity starts, so peers with a lagging clock accept it.
    type: raw
    default: 1m
  key_usages:
    description:
      - Key usages, as C(digitalSignature) or cert-manager's C(digital signature).
      - Case, spaces, C(-) and C(_) are ignored.
      - Default C(digitalSignature), plus C(keyEncipherment) for an RSA key. C(keyCertSign) and C(cRLSign) are refused.
    type: list
    elements: str
  extended_key_usages:
    description: Extended key usages, as C(serverAuth) or C(server auth); an empty list leaves the extension out.
    type: list
    elements: str
    default: [serverAuth, clientAuth]
  now:
    description: The issuing time, ISO-8601 (for example C(2025-01-31T12:00:00Z)); the controller's clock when unset.
    type: str
  serial_number:
    description: The serial number (1 to 2**159 - 1); random when unset.
    type: int
seealso:
  - plugin: rustfs.operator.tls_private_key
    plugin_type: filter
  - plugin: rustfs.operator.tls_ca_certificate
    plugin_type: filter
  - plugin: rustfs.operator.tls_tenant_dns_names
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Issue the tenant's server certificate, covering every Service and pod name
  ansible.builtin.set_fact:
    server_certificate: >-
      {{ server_key | rustfs.operator.tls_server_certificate(
           ca_certificate=ca_certificate,
           ca_private_key=ca_key,
           dns_names=tenant | rustfs.operator.tls_tenant_dns_names(cluster_domain='cluster.local'),
           lifetime='2160h') }}
  no_log: true
"""

RETURN = r"""
_value:
  description: The server certificate, PEM (the leaf only; the CA is not appended).
  type: str
"""

from collections.abc import Callable
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import certificates as certs
from ansible_collections.rustfs.operator.plugins.plugin_utils.filter_errors import certificate_filter


@certificate_filter
def tls_server_certificate(
    private_key: Any,
    ca_certificate: Any = None,
    ca_private_key: Any = None,
    dns_names: Any = None,
    ip_addresses: Any = None,
    common_name: Any = None,
    lifetime: Any = "2160h",
    backdate: Any = "1m",
    key_usages: Any = None,
    extended_key_usages: Any = certs.DEFAULT_EXTENDED_KEY_USAGES,
    now: Any = None,
    serial_number: Any = None,
) -> str:
    if ca_certificate is None or ca_private_key is None:
        raise ValueError("ca_certificate and ca_private_key are required")
    return certs.create_server_certificate(
        certs.pem_text(private_key, "the server private key"),
        certs.pem_text(ca_certificate, "ca_certificate"),
        certs.pem_text(ca_private_key, "ca_private_key"),
        dns_names=certs.name_list(dns_names, "dns_names"),
        ip_addresses=certs.name_list(ip_addresses, "ip_addresses"),
        common_name=certs.optional_text(common_name, "common_name"),
        lifetime=certs.parse_duration(lifetime, "lifetime"),
        backdate=certs.parse_duration(backdate, "backdate", allow_zero=True),
        key_usages=certs.name_list(key_usages, "key_usages") if key_usages is not None else None,
        extended_key_usages=certs.name_list(extended_key_usages, "extended_key_usages"),
        now=certs.parse_time(now),
        serial_number=certs.optional_int(serial_number, "serial_number"),
    )


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"tls_server_certificate": tls_server_certificate}
