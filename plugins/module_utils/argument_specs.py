# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Argument specs the modules share, defined once (documented once in doc_fragments/tenant_settings.py)."""

from __future__ import annotations

from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils.constants import DEFAULT_CLUSTER_DOMAIN, DEFAULT_IMAGE

# rustfs.operator.tenant_settings
CLUSTER_DOMAIN_SPEC: dict[str, Any] = {"cluster_domain": {"type": "str", "default": DEFAULT_CLUSTER_DOMAIN}}
# rustfs.operator.tenant_settings.default_image
DEFAULT_IMAGE_SPEC: dict[str, Any] = {"default_image": {"type": "str", "default": DEFAULT_IMAGE}}
