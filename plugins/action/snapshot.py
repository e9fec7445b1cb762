# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Action snapshot: the module's work, in the controller (plugin_utils/module_action.py)."""

from __future__ import annotations

from ansible_collections.rustfs.operator.plugins.modules.snapshot import (
    ARGUMENT_SPEC,
    execute,
    failure_prefix,
)
from ansible_collections.rustfs.operator.plugins.plugin_utils.module_action import module_action

ActionModule = module_action(ARGUMENT_SPEC, execute, failure_prefix)
