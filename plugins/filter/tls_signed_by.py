# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Filter plugin tls_signed_by: was a certificate signed by a CA of a bundle."""

from __future__ import annotations

DOCUMENTATION = r"""
name: tls_signed_by
short_description: Check that a certificate was signed by a CA of a bundle
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
description:
  - Looks for a path from the first certificate of the input, through CA certificates that follow it in the
    input (a C(tls.crt) chain), to a certificate of O(ca_bundle), checking issuer names and signatures.
  - Validity periods are not part of this check (see P(rustfs.operator.tls_certificate_check#filter)); during a
    CA rotation the bundle holds the old and the new CA and either may be the signer.
  - Returns a verdict and does not fail for bad data - C(CertificateInvalid) for an unreadable certificate,
    C(CaBundleInvalid) for a bundle without a readable PEM certificate, C(CertificateNotSignedByCa) otherwise.
options:
  _input:
    description: The certificate, PEM, optionally followed by intermediate CA certificates.
    type: str
    required: true
  ca_bundle:
    description: One or more PEM CA certificates (a Secret's C(ca.crt)).
    type: str
    required: true
seealso:
  - plugin: rustfs.operator.tls_certificate_check
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Switch leaves only after they chain to the new CA
  ansible.builtin.debug:
    msg: "{{ (server_certificate | rustfs.operator.tls_signed_by(new_ca_certificate)).ok }}"
"""

RETURN = r"""
_value:
  description: The verdict.
  type: dict
  contains:
    ok:
      description: Whether the certificate chains to a CA of the bundle.
      type: bool
    reason:
      description:
        - Empty when RV(_value.ok).
        - Otherwise C(CertificateNotSignedByCa), C(CaBundleInvalid) or C(CertificateInvalid).
      type: str
    message:
      description: What was found, in a sentence.
      type: str
    problems:
      description: Every problem, each with C(reason) and C(message); empty when RV(_value.ok).
      type: list
      elements: dict
    ca_subject:
      description: The subject (RFC 4514) of the bundle's CA that signed, or V(null).
      type: str
    ca_fingerprint_sha256:
      description: The SHA-256 fingerprint of that CA certificate, or V(null).
      type: str
"""

from collections.abc import Callable
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import certificates as certs
from ansible_collections.rustfs.operator.plugins.plugin_utils.filter_errors import certificate_filter, required


@certificate_filter
def tls_signed_by(certificate: Any, ca_bundle: Any = None) -> certs.SignedByVerdict:
    return certs.check_signed_by(
        certs.pem_text(certificate, "the certificate"), certs.pem_text(required(ca_bundle, "ca_bundle"), "ca_bundle")
    )


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"tls_signed_by": tls_signed_by}
