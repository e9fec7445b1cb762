"""The ansible-runner adapter: run the reconcile playbook for one tenant.

Runs happen in a bounded thread pool (ansible_runner.run blocks), each with a
job timeout, in a private data directory per tenant whose artifacts are
rotated. The Tenant goes in as an extra-vars file (0600) holding only Secret
*references*; playbook output is never printed or logged, and only the
events needed afterwards (failures, the final stats) are written to disk.
The result comes back through `set_stats` (`rustfs_result`).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ansible_runner

from rustfs_operator.config import Config

RESULT = "rustfs_result"  # what the reconcile playbook publishes (set_stats)
ROLLBACK_PLAYBOOK = "rustfs.operator.rollback"
ROLLBACK_RESULT = "rustfs_rollback"

# Events kept in the run's artifacts: enough to debug a failure, bounded in size.
_KEPT_EVENTS = frozenset({"playbook_on_stats", "runner_on_failed", "runner_on_unreachable"})


@dataclass(frozen=True)
class RunOutcome:
    """What one playbook run produced. `result` is `rustfs_result` when the play completed."""

    status: str  # successful, failed, timeout, canceled, error
    rc: int | None
    duration: float
    result: Mapping[str, Any] | None = None
    error: str = ""
    artifacts: str = ""
    changed: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "successful" and self.result is not None

    @property
    def blocked(self) -> bool:
        return bool(self.ok and self.result and self.result.get("blocked"))


class PlaybookRunner:
    def __init__(self, config: Config, env: Mapping[str, str]) -> None:
        self.config = config
        self.env = dict(env)
        self.root = config.work_dir / "runs"
        self.root.mkdir(parents=True, exist_ok=True)
        self.slots = asyncio.Semaphore(config.workers)
        self._executor = ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="ansible-run")
        self._stopping = threading.Event()

    def directory(self, namespace: str, name: str) -> Path:
        return self.root / f"{namespace}_{name}"

    def forget(self, namespace: str, name: str) -> None:
        shutil.rmtree(self.directory(namespace, name), ignore_errors=True)

    def stop(self) -> None:
        """Cancel running playbooks (ansible-runner kills them) and refuse new ones."""
        self._stopping.set()
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def run(self, tenant: Mapping[str, Any]) -> RunOutcome:
        """Run the playbook for TENANT (the dict `digest.tenant_input` builds). Call with a slot held."""
        metadata = tenant["metadata"]
        extravars = {"tenant": dict(tenant)}
        return await self._in_pool(metadata["namespace"], metadata["name"], self.config.playbook, extravars)

    async def rollback(self, namespace: str, name: str, request: str) -> RunOutcome:
        """Run rustfs.operator.rollback for the tenant, answering REQUEST. Call with a slot held."""
        extravars = {
            "tenant_name": name,
            "tenant_namespace": namespace,
            "rollback_request": request,
            "fail_on_problems": False,
        }
        return await self._in_pool(namespace, name, ROLLBACK_PLAYBOOK, extravars, ROLLBACK_RESULT)

    async def _in_pool(
        self, namespace: str, name: str, playbook: str, extravars: dict[str, Any], result_key: str = RESULT
    ) -> RunOutcome:
        loop = asyncio.get_running_loop()
        private = self.directory(namespace, name)
        return await loop.run_in_executor(self._executor, self._run, private, playbook, extravars, result_key)

    def _run(self, private: Path, playbook: str, extravars: dict[str, Any], result_key: str) -> RunOutcome:
        (private / "env").mkdir(parents=True, exist_ok=True)
        extravars = {
            **extravars,
            "cluster_domain": self.config.cluster_domain,
            "default_image": self.config.default_image,
        }
        path = private / "env" / "extravars"
        with open(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600), "w") as f:
            json.dump(extravars, f)

        stats: dict[str, Any] = {}
        failures: list[str] = []

        def on_event(event: dict[str, Any]) -> bool:
            kind = event.get("event")
            data = event.get("event_data") or {}
            if kind == "playbook_on_stats":
                stats.update(data.get("artifact_data") or {})
            elif kind in ("runner_on_failed", "runner_on_unreachable") and not data.get("ignore_errors"):
                message = (data.get("res") or {}).get("msg") or "failed"
                failures.append(f"{data.get('task', 'a task')}: {str(message)[:400]}")
            return kind in _KEPT_EVENTS

        start = time.monotonic()
        try:
            run = ansible_runner.run(
                private_data_dir=str(private),
                project_dir=str(private),
                playbook=playbook,
                envvars=self.env,
                quiet=True,
                suppress_env_files=True,
                rotate_artifacts=self.config.rotate_artifacts,
                timeout=self.config.run_timeout,
                event_handler=on_event,
                cancel_callback=self._stopping.is_set,
                settings={"suppress_output_file": True, "suppress_ansible_output": True},
            )
        except Exception as error:  # ansible-runner could not even start the run
            return RunOutcome("error", None, time.monotonic() - start, error=f"{type(error).__name__}: {error}")
        duration = time.monotonic() - start
        result = stats.get(result_key)
        status = str(run.status)
        problem = ""
        if status == "timeout":
            problem = f"the playbook did not finish within {self.config.run_timeout}s"
        elif status != "successful" or not isinstance(result, Mapping):
            problem = "; ".join(failures) or f"ansible-playbook ended with {status} (rc={run.rc})"
        return RunOutcome(
            status=status if isinstance(result, Mapping) or status != "successful" else "failed",
            rc=run.rc,
            duration=duration,
            result=result if isinstance(result, Mapping) else None,
            error=problem,
            artifacts=str(run.config.artifact_dir),
            changed=list(result.get("changed") or []) if isinstance(result, Mapping) else [],
        )
