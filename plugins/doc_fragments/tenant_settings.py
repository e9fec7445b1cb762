# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Options (and attributes) the modules that render or check a tenant share, documented once.

Their argument specs are module_utils/argument_specs.py; ansible-test's
validate-modules holds each module's documentation and spec to each other.
"""

from __future__ import annotations


class ModuleDocFragment:
    # The tenant's names: rustfs.operator.tenant_settings
    DOCUMENTATION = r"""
options:
  cluster_domain:
    description: The cluster DNS domain of the tenant's names (the pods' endpoints, the certificates' names).
    type: str
    default: cluster.local
"""

    # The image of a tenant that names none: rustfs.operator.tenant_settings.default_image
    DEFAULT_IMAGE = r"""
options:
  default_image:
    description: The RustFS image when C(spec.image) is unset.
    type: str
    default: rustfs/rustfs:1.0.0-beta.10
"""

    # Actions that read or compute in the controller and change nothing: rustfs.operator.tenant_settings.read_only
    READ_ONLY = r"""
attributes:
  check_mode:
    support: full
    description: The plugin never changes anything.
  diff_mode:
    support: none
    description: The plugin never changes anything.
"""
