# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Filter plugin tls_certificate_info: what a certificate says."""

from __future__ import annotations

DOCUMENTATION = r"""
name: tls_certificate_info
short_description: Inspect an X.509 certificate
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
description:
  - Reads the first certificate of PEM text (the leaf of a C(tls.crt) chain) and returns its subject, issuer,
    subject alternative names, validity, key type and size, fingerprints, serial number and extensions.
  - Times are UTC, ISO-8601 (C(2025-01-31T12:00:00Z)). Fingerprints and the serial number are lowercase
    colon-separated hex.
  - Fails when the text holds no readable certificate.
options:
  _input:
    description: PEM text with one or more certificates (for example a Secret's C(tls.crt), base64-decoded).
    type: str
    required: true
  now:
    description:
      - The time RV(_value.expired) and RV(_value.not_yet_valid) refer to, ISO-8601.
      - The controller's clock when unset.
    type: str
seealso:
  - plugin: rustfs.operator.tls_certificate_check
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Show when the tenant's certificate expires
  ansible.builtin.debug:
    msg: "{{ (secret.data['tls.crt'] | b64decode | rustfs.operator.tls_certificate_info).not_after }}"
"""

RETURN = r"""
_value:
  description: Facts about the certificate.
  type: dict
  contains:
    subject:
      description: The subject, RFC 4514 (for example C(CN=demo-io.ns.svc)).
      type: str
    issuer:
      description: The issuer, RFC 4514.
      type: str
    common_name:
      description: The subject common name, or V(null).
      type: str
    dns_names:
      description: DNS subject alternative names.
      type: list
      elements: str
    ip_addresses:
      description: IP address subject alternative names.
      type: list
      elements: str
    not_before:
      description: Start of validity, UTC ISO-8601.
      type: str
    not_after:
      description: End of validity, UTC ISO-8601.
      type: str
    lifetime_seconds:
      description: Seconds from RV(_value.not_before) to RV(_value.not_after).
      type: int
    expired:
      description: Whether O(now) is after RV(_value.not_after).
      type: bool
    not_yet_valid:
      description: Whether O(now) is before RV(_value.not_before).
      type: bool
    key_type:
      description: C(RSA), C(ECDSA), C(Ed25519), C(Ed448), C(DSA) or the library's name of another key type.
      type: str
    key_size:
      description: Key size in bits (256 for Ed25519, the curve size for ECDSA, 0 when unknown).
      type: int
    curve:
      description: The ECDSA curve (C(P-256), C(P-384), C(P-521) or the curve's name), otherwise V(null).
      type: str
    public_key_sha256:
      description:
        - SHA-256 of the public key (SubjectPublicKeyInfo), the same for the certificate and its private key.
      type: str
    fingerprint_sha256:
      description: SHA-256 fingerprint of the certificate.
      type: str
    serial_number:
      description: The serial number, colon-separated hex.
      type: str
    signature_algorithm:
      description: The signature algorithm, for example C(sha256WithRSAEncryption), C(ecdsa-with-SHA384), C(ed25519).
      type: str
    is_ca:
      description: Whether C(basicConstraints) says CA:TRUE.
      type: bool
    path_length:
      description: The C(basicConstraints) path length, or V(null).
      type: int
    self_signed:
      description: Whether issuer and subject are equal and the certificate's own key verifies its signature.
      type: bool
    key_usages:
      description: Key usages, for example C(digitalSignature), C(keyCertSign).
      type: list
      elements: str
    extended_key_usages:
      description: Extended key usages, for example C(serverAuth) (dotted OIDs for unnamed ones).
      type: list
      elements: str
    subject_key_identifier:
      description: The subject key identifier, hex, or V(null).
      type: str
    authority_key_identifier:
      description: The authority key identifier, hex, or V(null).
      type: str
    chain_length:
      description: How many certificates the input holds.
      type: int
"""

from collections.abc import Callable
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import certificates as certs
from ansible_collections.rustfs.operator.plugins.plugin_utils.filter_errors import certificate_filter


@certificate_filter
def tls_certificate_info(certificate: Any, now: Any = None) -> certs.CertificateInfo:
    return certs.certificate_info(certs.pem_text(certificate, "the certificate"), now=certs.parse_time(now))


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"tls_certificate_info": tls_certificate_info}
