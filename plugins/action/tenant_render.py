# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Action tenant_render: render mode's files, computed in the controller (module_utils/render_files.py)."""

from __future__ import annotations

import json
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.rustfs.operator.plugins.module_utils.argument_specs import (
    CLUSTER_DOMAIN_SPEC,
    DEFAULT_IMAGE_SPEC,
)
from ansible_collections.rustfs.operator.plugins.module_utils.render import RenderOptions
from ansible_collections.rustfs.operator.plugins.module_utils.render_files import render_files
from ansible_collections.rustfs.operator.plugins.plugin_utils.local_action import LocalAction

ARGUMENT_SPEC: dict[str, Any] = {
    **CLUSTER_DOMAIN_SPEC,
    **DEFAULT_IMAGE_SPEC,
    "tenants": {"type": "list", "elements": "dict", "required": True},
    "locations": {"type": "list", "elements": "str", "default": []},
    "include_tenant": {"type": "bool", "default": False},
}


class ActionModule(LocalAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def work(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        # Plain values (no Ansible tagged types), as a module would receive them.
        params: dict[str, Any] = json.loads(json.dumps(args))
        options = RenderOptions(
            cluster_domain=params["cluster_domain"],
            default_image=params["default_image"],
            owner_references=False,
            include_tenant=params["include_tenant"],
        )
        rendered = render_files(params["tenants"], params["locations"], options)
        if rendered.errors:
            count = f"{len(rendered.errors)} of {len(params['tenants'])}"
            raise AnsibleActionFail(f"Invalid Tenants ({count}); nothing was rendered:\n" + "\n".join(rendered.errors))
        # The contents hold the Tenants' strings: data for the tasks that write them, never templates.
        return {
            "manifests": wrap_var([item.to_dict() for item in rendered.files]),
            "layouts": wrap_var({item.tenant: list(item.layout) for item in rendered.files}),
            "warnings": rendered.warnings,
        }
