# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Filter plugin tls_key_matches: does a private key belong to a certificate."""

from __future__ import annotations

DOCUMENTATION = r"""
name: tls_key_matches
short_description: Check that a private key belongs to a certificate
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
description:
  - Compares the public key of the first certificate of the input with the public key of O(private_key).
  - Returns a verdict and does not fail for bad data - an unreadable certificate or key gives
    C(CertificateInvalid), a different key C(CertificateKeyPairMismatch). The message names both key types and
    public-key fingerprints, never key material.
options:
  _input:
    description: The certificate, PEM (a Secret's C(tls.crt)).
    type: str
    required: true
  private_key:
    description: The private key, PEM (a Secret's C(tls.key)).
    type: str
    required: true
seealso:
  - plugin: rustfs.operator.tls_certificate_check
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Refuse a Secret whose key does not belong to its certificate
  ansible.builtin.assert:
    that: verdict.ok
    fail_msg: "{{ verdict.reason }}: {{ verdict.message }}"
  vars:
    verdict: >-
      {{ secret.data['tls.crt'] | b64decode
         | rustfs.operator.tls_key_matches(secret.data['tls.key'] | b64decode) }}
  no_log: true
"""

RETURN = r"""
_value:
  description: The verdict.
  type: dict
  contains:
    ok:
      description: Whether the key belongs to the certificate.
      type: bool
    reason:
      description: Empty when RV(_value.ok), otherwise C(CertificateKeyPairMismatch) or C(CertificateInvalid).
      type: str
    message:
      description: What was found, in a sentence.
      type: str
    problems:
      description: Every problem, each with C(reason) and C(message); empty when RV(_value.ok).
      type: list
      elements: dict
"""

from collections.abc import Callable
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import certificates as certs
from ansible_collections.rustfs.operator.plugins.plugin_utils.filter_errors import certificate_filter, required


@certificate_filter
def tls_key_matches(certificate: Any, private_key: Any = None) -> certs.Verdict:
    return certs.check_key_matches(
        certs.pem_text(certificate, "the certificate"),
        certs.pem_text(required(private_key, "private_key"), "private_key"),
    )


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"tls_key_matches": tls_key_matches}
