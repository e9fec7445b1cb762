# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Filter plugin operator_deployment: the operator's Deployment with the deploy options applied."""

from __future__ import annotations

DOCUMENTATION = r"""
name: operator_deployment
short_description: Apply the deploy options (image, resources, scheduling, settings) to the operator's Deployment
version_added: 0.1.0
author: rustfs.operator contributors (@rustfs)
description:
  - Takes the operator's Deployment as shipped in C(operator/deploy/deployment.yaml) and returns it with the
    options applied; P(rustfs.operator.deploy_operator#playbook) uses it for its C(operator_*) variables.
  - The options are the Helm chart's C(operator.*) values (docs/helm.md) under snake_case names, so the chart and
    the playbook install the same operator from the same choices.
  - C(settings) become environment variables C(RUSTFS_OPERATOR_<NAME>), the name in upper snake case
    (C(batchSize) and C(batch_size) are C(RUSTFS_OPERATOR_BATCH_SIZE)), as the chart does; a setting set to
    null is left out; docs/operator-settings.md lists them.
  - An option that is null keeps the shipped value. A wrong option fails with its name and the rule.
options:
  _input:
    description: The shipped Deployment, as a dictionary.
    type: dict
    required: true
  options:
    description:
      - The options, by name (without the playbook's C(operator_) prefix), C(image), C(image_pull_policy),
        C(replicas), C(image_pull_secrets), C(resources), C(node_selector), C(tolerations), C(affinity),
        C(priority_class_name), C(settings), C(tenant_selector), C(watch_namespaces), C(env), C(pod_labels) and
        C(pod_annotations).
      - C(env) entries are applied last, so a variable given there wins over one derived from another option.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: The Deployment the playbook would apply, with two replicas and more memory
  ansible.builtin.debug:
    msg: >-
      {{ shipped | rustfs.operator.operator_deployment({'replicas': 2,
         'resources': {'requests': {'cpu': '500m', 'memory': '512Mi'}, 'limits': {'memory': '2Gi'}},
         'settings': {'workers': 8, 'logLevel': 'DEBUG'}}) }}
  vars:
    shipped: "{{ lookup('ansible.builtin.file', 'operator/deploy/deployment.yaml') | ansible.builtin.from_yaml }}"
"""

RETURN = r"""
_value:
  description: The Deployment with the options applied; the input is not changed.
  type: dict
"""

from collections.abc import Callable
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.rustfs.operator.plugins.module_utils.operator_deployment import (
    OperatorOptionError,
    operator_deployment,
)


def _operator_deployment(deployment: Any, options: Any) -> dict[str, Any]:
    if not isinstance(deployment, dict) or not isinstance(options, dict):
        raise AnsibleFilterError("operator_deployment takes the Deployment and the options, both dictionaries")
    try:
        return operator_deployment(deployment, options)
    except OperatorOptionError as error:
        raise AnsibleFilterError(str(error)) from None


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"operator_deployment": _operator_deployment}
