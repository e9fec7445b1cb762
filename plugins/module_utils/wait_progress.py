# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Where a long wait says how it is going.

The action plugins set Ansible's display here while a task runs (plugin_utils/module_action.py);
a module process cannot print while it runs, so there it stays None and a wait is silent.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

WAIT_PROGRESS: ContextVar[Callable[[str], None] | None] = ContextVar("rustfs_wait_progress", default=None)
# Seconds between two progress lines of a wait.
PROGRESS_EVERY = 10.0
