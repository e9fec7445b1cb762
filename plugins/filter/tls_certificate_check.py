# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Filter plugin tls_certificate_check: may a tenant run on this certificate."""

from __future__ import annotations

DOCUMENTATION = r"""
name: tls_certificate_check
short_description: Check everything a RustFS tenant needs of a certificate
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
description:
  - Validates a certificate (for example a user-supplied Secret's C(tls.crt), C(tls.key) and C(ca.crt)) and
    reports every problem, in this order - unreadable (C(CertificateInvalid); nothing else is checked), the
    key does not belong to it (C(CertificateKeyPairMismatch)), a key RustFS refuses (C(CertificateWeakKey) for RSA
    under 2048 bits, C(CertificateUnsupportedKey) for other curves than P-256/P-384, RSA over 8192 bits, DSA,
    Ed448), an MD5 or SHA-1 signature (C(CertificateWeakSignature)), not valid at O(now)
    (C(CertificateNotYetValid), C(CertificateExpired)), names not covered (C(CertificateSanMismatch)), not
    signed by the bundle (C(CertificateNotSignedByCa), C(CaBundleInvalid)).
  - Does not fail for bad data; the tenant should keep running on its previous certificate when RV(_value.ok)
    is false. Messages never contain key material.
options:
  _input:
    description: The certificate, PEM, optionally followed by intermediate CA certificates.
    type: str
    required: true
  private_key:
    description: The private key, PEM; the key match is checked only when it is given.
    type: str
  names:
    description: Names the certificate must cover (see P(rustfs.operator.tls_certificate_covers#filter)).
    type: list
    elements: str
    default: []
  ca_bundle:
    description: One or more PEM CA certificates; the signature is checked only when it is given.
    type: str
  now:
    description:
      - The time to check at, ISO-8601 (for example C(2025-01-31T12:00:00Z)).
      - The controller's clock when unset.
    type: str
  renew_fraction:
    description: The fraction of the lifetime after which RV(_value.renew_at) lies.
    type: float
    default: 0.6667
seealso:
  - plugin: rustfs.operator.tls_renewal_due
    plugin_type: filter
  - plugin: rustfs.operator.tls_certificate_info
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Validate a user-supplied certificate Secret
  ansible.builtin.set_fact:
    tls_verdict: >-
      {{ secret.data['tls.crt'] | b64decode | rustfs.operator.tls_certificate_check(
           private_key=secret.data['tls.key'] | b64decode,
           names=tenant | rustfs.operator.tls_tenant_dns_names(scope='internode'),
           ca_bundle=secret.data['ca.crt'] | default('') | b64decode or omit) }}
  no_log: true

- name: Report it
  ansible.builtin.debug:
    msg: "{{ tls_verdict.reason }}: {{ tls_verdict.message }}"
  when: not tls_verdict.ok
"""

RETURN = r"""
_value:
  description: The verdict.
  type: dict
  contains:
    ok:
      description: Whether the tenant may run on the certificate.
      type: bool
    reason:
      description: Empty when RV(_value.ok), otherwise the reason of the first problem.
      type: str
    message:
      description: Every problem's message, joined with C(; ) (or a sentence saying it is usable).
      type: str
    problems:
      description: Every problem, each with C(reason) and C(message); empty when RV(_value.ok).
      type: list
      elements: dict
    missing:
      description: The names of O(names) not covered.
      type: list
      elements: str
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
def tls_certificate_check(
    certificate: Any,
    private_key: Any = None,
    names: Any = None,
    ca_bundle: Any = None,
    now: Any = None,
    renew_fraction: Any = certs.DEFAULT_RENEW_FRACTION,
) -> certs.CheckVerdict:
    return certs.check_certificate(
        certs.pem_text(certificate, "the certificate"),
        private_key_pem=certs.pem_text(private_key, "private_key") if private_key is not None else None,
        names=certs.name_list(names, "names"),
        ca_bundle_pem=certs.pem_text(ca_bundle, "ca_bundle") if ca_bundle is not None else None,
        now=certs.parse_time(now),
        renew_fraction=certs.as_number(renew_fraction, "renew_fraction"),
    )


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"tls_certificate_check": tls_certificate_check}
