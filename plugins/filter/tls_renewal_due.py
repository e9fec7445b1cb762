# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Filter plugin tls_renewal_due: must an operator-generated certificate be re-issued."""

from __future__ import annotations

DOCUMENTATION = r"""
name: tls_renewal_due
short_description: Decide whether a tenant certificate must be renewed, and why
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
description:
  - Renewal is due, with every reason, when the certificate is unreadable (C(CertificateInvalid)), not yet
    valid (C(CertificateNotYetValid)), expired (C(CertificateExpired)), past O(renew_fraction) of its lifetime
    (C(CertificateRenewalDue); two thirds by default), no longer covers O(names) - for example after a pool was
    added (C(CertificateSanMismatch)), not signed by O(ca_bundle) - after a CA rotation
    (C(CertificateNotSignedByCa), C(CaBundleInvalid)), or does not belong to O(private_key)
    (C(CertificateKeyPairMismatch)).
  - The lifetime runs from the certificate's C(notBefore) to its C(notAfter).
  - Never fails for bad certificate data.
options:
  _input:
    description: The certificate, PEM.
    type: str
    required: true
  names:
    description: Names it must still cover.
    type: list
    elements: str
    default: []
  ca_bundle:
    description: The CA certificates it must be signed by, PEM.
    type: str
  private_key:
    description: The private key it must belong to, PEM.
    type: str
  now:
    description: The time to decide at, ISO-8601; the controller's clock when unset.
    type: str
  renew_fraction:
    description: The fraction of the lifetime after which renewal is due (greater than 0, at most 1).
    type: float
    default: 0.6667
seealso:
  - plugin: rustfs.operator.tls_certificate_check
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Decide whether to re-issue the tenant's certificate
  ansible.builtin.set_fact:
    renewal: >-
      {{ current_certificate | rustfs.operator.tls_renewal_due(
           names=tenant | rustfs.operator.tls_tenant_dns_names, ca_bundle=ca_certificate) }}

- name: Say why
  ansible.builtin.debug:
    msg: "{{ renewal.problems | map(attribute='reason') | list }}"
  when: renewal.due
"""

RETURN = r"""
_value:
  description: The verdict.
  type: dict
  contains:
    due:
      description: Whether the certificate must be re-issued now.
      type: bool
    ok:
      description: The opposite of RV(_value.due).
      type: bool
    reason:
      description: Empty when not due, otherwise the first reason.
      type: str
    message:
      description: Every reason's message, joined with C(; ) (or when renewal will be due).
      type: str
    problems:
      description: Every reason, each with C(reason) and C(message).
      type: list
      elements: dict
    not_after:
      description: End of validity, UTC ISO-8601, or V(null) when unreadable.
      type: str
    renew_at:
      description: When O(renew_fraction) of the lifetime has passed, UTC ISO-8601, or V(null) when unreadable.
      type: str
"""

from collections.abc import Callable
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import certificates as certs
from ansible_collections.rustfs.operator.plugins.plugin_utils.filter_errors import certificate_filter


@certificate_filter
def tls_renewal_due(
    certificate: Any,
    names: Any = None,
    ca_bundle: Any = None,
    private_key: Any = None,
    now: Any = None,
    renew_fraction: Any = certs.DEFAULT_RENEW_FRACTION,
) -> certs.RenewalVerdict:
    return certs.renewal_status(
        certs.pem_text(certificate, "the certificate"),
        names=certs.name_list(names, "names"),
        ca_bundle_pem=certs.pem_text(ca_bundle, "ca_bundle") if ca_bundle is not None else None,
        private_key_pem=certs.pem_text(private_key, "private_key") if private_key is not None else None,
        now=certs.parse_time(now),
        renew_fraction=certs.as_number(renew_fraction, "renew_fraction"),
    )


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"tls_renewal_due": tls_renewal_due}
