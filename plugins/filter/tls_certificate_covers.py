# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Filter plugin tls_certificate_covers: do a certificate's SANs cover a list of names."""

from __future__ import annotations

DOCUMENTATION = r"""
name: tls_certificate_covers
short_description: Check that a certificate's subject alternative names cover a list of names
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
description:
  - Checks every name of O(names) against the subject alternative names of the first certificate of the input,
    the way RustFS's TLS stack does - an exact match ignoring case and a trailing dot, or a C(*.x) SAN that
    replaces exactly one leftmost label (C(*.x) covers C(a.x), not C(x) nor C(a.b.x)). A name that is an IP
    address needs an IP SAN. The common name is ignored.
  - Returns a verdict with the missing names and does not fail for bad data (C(CertificateInvalid) for an
    unreadable certificate, C(CertificateSanMismatch) when names are missing).
options:
  _input:
    description: The certificate, PEM.
    type: str
    required: true
  names:
    description: The names that must be covered (for example from P(rustfs.operator.tls_tenant_dns_names#filter)).
    type: list
    elements: str
    required: true
seealso:
  - plugin: rustfs.operator.tls_tenant_dns_names
    plugin_type: filter
  - plugin: rustfs.operator.tls_certificate_check
    plugin_type: filter
"""

EXAMPLES = r"""
- name: List the names a user-supplied certificate misses
  ansible.builtin.debug:
    msg: >-
      {{ (secret.data['tls.crt'] | b64decode | rustfs.operator.tls_certificate_covers(
            tenant | rustfs.operator.tls_tenant_dns_names(scope='internode'))).missing }}
"""

RETURN = r"""
_value:
  description: The verdict.
  type: dict
  contains:
    ok:
      description: Whether every name is covered.
      type: bool
    reason:
      description: Empty when RV(_value.ok), otherwise C(CertificateSanMismatch) or C(CertificateInvalid).
      type: str
    message:
      description: What was found; lists up to ten missing names.
      type: str
    problems:
      description: Every problem, each with C(reason) and C(message); empty when RV(_value.ok).
      type: list
      elements: dict
    required:
      description: The names checked, as given.
      type: list
      elements: str
    missing:
      description: The names not covered (all of them when the certificate is unreadable).
      type: list
      elements: str
"""

from collections.abc import Callable
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import certificates as certs
from ansible_collections.rustfs.operator.plugins.plugin_utils.filter_errors import certificate_filter, required


@certificate_filter
def tls_certificate_covers(certificate: Any, names: Any = None) -> certs.CoverageVerdict:
    return certs.check_coverage(
        certs.pem_text(certificate, "the certificate"), certs.name_list(required(names, "names"), "names")
    )


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"tls_certificate_covers": tls_certificate_covers}
