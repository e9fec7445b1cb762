# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Filter plugin tls_ca_certificate: a self-signed CA certificate for a private key."""

from __future__ import annotations

DOCUMENTATION = r"""
name: tls_ca_certificate
short_description: Create a self-signed CA certificate for RustFS tenant certificates
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
description:
  - Creates a self-signed CA certificate for the input private key and returns it as PEM.
  - The certificate has C(basicConstraints) CA:TRUE (critical, path length O(path_length)), C(keyUsage)
    keyCertSign and cRLSign (critical), and subject and authority key identifiers. It is valid from
    O(now) minus O(backdate) until O(now) plus O(lifetime).
  - Keys weaker than RSA 2048 or on curves RustFS does not accept are refused.
  - Errors name the problem and never contain key material.
options:
  _input:
    description: The CA private key, PEM (for example from P(rustfs.operator.tls_private_key#filter)).
    type: str
    required: true
  common_name:
    description: The subject common name (1 to 64 characters).
    type: str
    default: rustfs.operator CA
  organization:
    description: An optional subject organization (1 to 64 characters).
    type: str
  lifetime:
    description:
      - How long the CA is valid, from O(now) - a duration such as C(87600h), C(3650d) or C(1h30m), or seconds.
    type: raw
    default: 87600h
  backdate:
    description: How far before O(now) the validity starts, so peers with a lagging clock accept it.
    type: raw
    default: 1m
  path_length:
    description:
      - The C(basicConstraints) path length; C(0) means it may sign only leaf certificates.
      - Use V(null) for no limit.
    type: int
    default: 0
  now:
    description: The issuing time, ISO-8601 (for example C(2025-01-31T12:00:00Z)); the controller's clock when unset.
    type: str
  serial_number:
    description: The serial number (1 to 2**159 - 1); random when unset. Set it, with O(now), for a reproducible result.
    type: int
seealso:
  - plugin: rustfs.operator.tls_private_key
    plugin_type: filter
  - plugin: rustfs.operator.tls_server_certificate
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Create a per-tenant CA
  ansible.builtin.set_fact:
    ca_certificate: >-
      {{ ca_key | rustfs.operator.tls_ca_certificate(
           common_name=tenant_name ~ '.' ~ namespace ~ ' CA', lifetime='43800h') }}
"""

RETURN = r"""
_value:
  description: The CA certificate, PEM.
  type: str
"""

from collections.abc import Callable
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import certificates as certs
from ansible_collections.rustfs.operator.plugins.plugin_utils.filter_errors import certificate_filter


@certificate_filter
def tls_ca_certificate(
    private_key: Any,
    common_name: Any = certs.DEFAULT_CA_COMMON_NAME,
    organization: Any = None,
    lifetime: Any = "87600h",
    backdate: Any = "1m",
    path_length: Any = 0,
    now: Any = None,
    serial_number: Any = None,
) -> str:
    return certs.create_ca_certificate(
        certs.pem_text(private_key, "the CA private key"),
        certs.optional_text(common_name, "common_name") or certs.DEFAULT_CA_COMMON_NAME,
        organization=certs.optional_text(organization, "organization"),
        lifetime=certs.parse_duration(lifetime, "lifetime"),
        backdate=certs.parse_duration(backdate, "backdate", allow_zero=True),
        path_length=certs.optional_int(path_length, "path_length"),
        now=certs.parse_time(now),
        serial_number=certs.optional_int(serial_number, "serial_number"),
    )


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"tls_ca_certificate": tls_ca_certificate}
