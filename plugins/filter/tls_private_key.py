# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Filter plugin tls_private_key: a new private key as PEM."""

from __future__ import annotations

DOCUMENTATION = r"""
name: tls_private_key
short_description: Generate a private key for a RustFS TLS certificate
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
description:
  - Generates a new private key with the C(cryptography) library and returns it as unencrypted PKCS#8 PEM.
  - The input names the algorithm - C(RSA) (2048, 3072 or 4096 bits; default 2048), C(ECDSA) (size 256 for
    P-256, the default, or 384 for P-384) or C(Ed25519) (no size). It may also be a dictionary shaped like
    cert-manager's C(privateKey) (C(algorithm), C(size); C(encoding) and C(rotationPolicy) are ignored,
    the output is always PKCS#8). An empty input means RSA 2048.
  - Every evaluation makes a B(new) key, and Ansible evaluates a templated variable each time it is used, so
    store the result once with M(ansible.builtin.set_fact) (with C(no_log)) and use that fact.
  - The key is secret. Keep it out of logs with C(no_log) on every task that holds it; error messages of this
    collection never contain key material.
options:
  _input:
    description:
      - The algorithm (C(RSA), C(ECDSA), C(Ed25519), case-insensitive).
      - Or a dictionary with C(algorithm) and C(size).
    type: raw
    default: RSA
  size:
    description:
      - Key size in bits; overrides C(size) of a dictionary input.
      - RSA takes 2048, 3072 or 4096; ECDSA takes 256 or 384; Ed25519 ignores it.
    type: int
seealso:
  - plugin: rustfs.operator.tls_ca_certificate
    plugin_type: filter
  - plugin: rustfs.operator.tls_server_certificate
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Generate an ECDSA P-384 key, once
  ansible.builtin.set_fact:
    server_key: "{{ 'ECDSA' | rustfs.operator.tls_private_key(size=384) }}"
  no_log: true

- name: Generate the key a tenant's certManager.privateKey describes
  ansible.builtin.set_fact:
    server_key: "{{ tenant.spec.tls.certManager.privateKey | default({}) | rustfs.operator.tls_private_key }}"
  no_log: true
"""

RETURN = r"""
_value:
  description: The private key, unencrypted PKCS#8 PEM (C(-----BEGIN PRIVATE KEY-----)).
  type: str
"""

from collections.abc import Callable, Mapping
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils import certificates as certs
from ansible_collections.rustfs.operator.plugins.plugin_utils.filter_errors import certificate_filter


@certificate_filter
def tls_private_key(spec: Any = None, size: Any = None) -> str:
    algorithm: Any = spec
    chosen = certs.optional_int(size, "size")
    if isinstance(spec, Mapping):
        algorithm = spec.get("algorithm")
        if chosen is None:
            chosen = certs.optional_int(spec.get("size"), "privateKey.size")
    if algorithm is None or algorithm == "":
        algorithm = certs.DEFAULT_KEY_ALGORITHM
    if not isinstance(algorithm, str):
        raise TypeError(f"the algorithm must be a string, not {type(algorithm).__name__}")
    return certs.generate_private_key(algorithm, chosen)


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"tls_private_key": tls_private_key}
