"""The ansible-runner adapter: run the reconcile playbook for one tenant, or for a batch.

Runs happen in a bounded thread pool (ansible_runner.run blocks), each with a
job timeout, in a private data directory whose artifacts are rotated: one per
tenant for single runs, one per worker slot for batches, so the disk use stays
bounded either way. The Tenants go in as a JSON file of their own (0600, holding
only Secret *references*) that the playbook reads with `rustfs.operator.tenant_load`,
never as extra vars: Ansible templates extra vars, and a Tenant is written by
whoever may create one (SECURITY.md). Playbook output is never printed or logged, and only the
events needed afterwards (failures, the final stats) are written to disk.
The result comes back through `set_stats`: `rustfs_results`, keyed
"<namespace>/<name>" (a single tenant is a batch of one).

The command ansible-runner launches is the warm runner's client (warm/), which
has the run forked from a process that imported Ansible once; with
`warm_runner` off it is ansible-playbook itself.

Which tenants share a run, and when it starts, is decided by dispatch.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ansible_runner
import yaml

from rustfs_operator.collection import ansible_playbook_dir
from rustfs_operator.config import Config
from rustfs_operator.warm.launcher import WarmServer

BATCH_RESULTS = "rustfs_results"  # what the reconcile playbook publishes: "<namespace>/<name>" -> result or failure
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
    batch: int = 1  # tenants the run carried (its duration is the whole run's)

    @property
    def ok(self) -> bool:
        return self.status == "successful" and self.result is not None

    @property
    def blocked(self) -> bool:
        return bool(self.ok and self.result and self.result.get("blocked"))


@dataclass(frozen=True)
class Played:
    """How one ansible-runner run ended, before it is read as one or several tenants' outcomes."""

    status: str
    rc: int | None
    duration: float
    value: Any = None  # the set_stats value the caller asked for
    problem: str = ""  # why the run failed or published no value ("" when it did)
    artifacts: str = ""


def single_outcome(played: Played) -> RunOutcome:
    """A single-tenant run: `rustfs_result`, or the reason it is missing."""
    result = played.value if isinstance(played.value, Mapping) else None
    return RunOutcome(
        status=played.status if result is not None or played.status != "successful" else "failed",
        rc=played.rc,
        duration=played.duration,
        result=result,
        error=played.problem,
        artifacts=played.artifacts,
        changed=changed_objects(result) if result is not None else [],
    )


def changed_objects(result: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The objects a run changed: a reconcile's `changed` list, or that of the reconcile inside a rollback.

    A rollback's own `changed` is the module's boolean; taking it for the list
    crashed the operator on every rollback request.
    """
    for source in (result, result.get("reconcile")):
        if isinstance(source, Mapping) and isinstance(source.get("changed"), list):
            return [item for item in source["changed"] if isinstance(item, Mapping)]
    return []


def batch_key(tenant: Mapping[str, Any]) -> str:
    """How the playbook names a tenant in `rustfs_results`."""
    metadata = tenant.get("metadata") or {}
    return f"{metadata.get('namespace') or 'default'}/{metadata.get('name') or ''}"


def batch_outcomes(tenants: Sequence[Mapping[str, Any]], played: Played) -> list[RunOutcome]:
    """One outcome per tenant of a batch, in order.

    A tenant's own entry wins: a result means its reconcile completed (even if
    the run failed later), a failure entry is its own error and touches no
    other tenant. Without an entry (timeout, crash, a play that never reached
    it), the tenant shares the run's fate.
    """
    results = played.value if isinstance(played.value, Mapping) else {}
    size = len(tenants)
    outcomes = []
    for tenant in tenants:
        entry = results.get(batch_key(tenant))
        if isinstance(entry, Mapping) and entry.get("failed"):
            error = str(entry.get("error") or "the tenant's reconcile failed")
            outcomes.append(
                RunOutcome("failed", played.rc, played.duration, error=error, artifacts=played.artifacts, batch=size)
            )
        elif isinstance(entry, Mapping):
            outcomes.append(
                RunOutcome(
                    "successful",
                    played.rc,
                    played.duration,
                    result=entry,
                    artifacts=played.artifacts,
                    changed=changed_objects(entry),
                    batch=size,
                )
            )
        else:
            status = played.status if played.status != "successful" else "failed"
            error = played.problem or "the playbook published no result for this tenant"
            outcomes.append(
                RunOutcome(status, played.rc, played.duration, error=error, artifacts=played.artifacts, batch=size)
            )
    return outcomes


# The playbook variable naming the file (`tenant_file`: one, `tenants_file`: a batch) and its Tenants.
TenantsFile = tuple[str, Sequence[Mapping[str, Any]]]


class _Unsafe(str):
    """A string value written as `!unsafe`: Ansible's own mark for data that is never a template."""


def _mark(value: Any) -> Any:
    if isinstance(value, str):
        return _Unsafe(value) if value else value  # Ansible reads `!unsafe ''` as null
    if isinstance(value, Mapping):
        return {str(key): _mark(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_mark(item) for item in value]
    return value


class _UnsafeDumper(yaml.SafeDumper):
    pass


_UnsafeDumper.add_representer(_Unsafe, lambda dumper, value: dumper.represent_scalar("!unsafe", str(value)))


def unsafe_yaml(value: Any) -> str:
    """Extra vars as ansible-playbook reads them (`-e @FILE`): trusted templates, unless tagged.

    Some carry user data (a rollback request is a Tenant annotation), and no
    operator setting is a template either, so every string is tagged.
    """
    return str(yaml.dump(_mark(value), Dumper=_UnsafeDumper, default_flow_style=False, allow_unicode=True))


def _write_private(path: Path, value: Any, dump: Callable[[Any], str] = json.dumps) -> None:
    """A file only the operator may read: a Tenant names its Secrets, and runs may share a volume."""
    with open(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600), "w") as f:
        f.write(dump(value))


class PlaybookRunner:
    def __init__(self, config: Config, env: Mapping[str, str]) -> None:
        self.config = config
        self.env = dict(env)
        self.root = config.work_dir / "runs"
        self.root.mkdir(parents=True, exist_ok=True)
        self._executor = ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="ansible-run")
        self._stopping = threading.Event()
        self.warm: WarmServer | None = None
        if config.warm_runner:
            self.warm = WarmServer(config.work_dir, self.env, str(Path(ansible_playbook_dir()) / "ansible-playbook"))
            self.warm.start()
            self.env.update(self.warm.environment())

    def directory(self, namespace: str, name: str) -> Path:
        return self.root / f"{namespace}_{name}"

    def forget(self, namespace: str, name: str) -> None:
        shutil.rmtree(self.directory(namespace, name), ignore_errors=True)

    def stop(self) -> None:
        """Cancel running playbooks (ansible-runner kills them) and refuse new ones."""
        self._stopping.set()
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self.warm is not None:
            self.warm.stop()

    async def run(self, tenant: Mapping[str, Any]) -> RunOutcome:
        """Run the playbook for TENANT (the dict `digest.tenant_input` builds), in the tenant's own directory.

        As a batch of one: the playbook's batch path reconciles a tenant without TLS in one task (the
        tenant role's `batch` entry point, every phase in one call), where its one-tenant path runs the
        role's phases as a dozen tasks for a person to read; the operator's runs are read by the
        operator. A TLS tenant takes the role's phases either way (its certificates first).
        """
        metadata = tenant["metadata"]
        private = self.directory(metadata["namespace"], metadata["name"])
        played = await self._in_pool(
            private, self.config.playbook, {}, BATCH_RESULTS, tenants=("tenants_file", [tenant])
        )
        return batch_outcomes([tenant], played)[0]

    async def run_batch(self, slot: int, tenants: Sequence[Mapping[str, Any]]) -> list[RunOutcome]:
        """Run the playbook once for TENANTS, one after the other; one outcome per tenant, in order.

        SLOT (the worker's index) names the data directory: a worker runs one
        batch at a time, so batches never share a directory, and there are at
        most `workers` of them whatever the tenants.
        """
        private = self.root / f"batch-{slot}"
        timeout = self.config.run_timeout * len(tenants)
        played = await self._in_pool(
            private, self.config.playbook, {}, BATCH_RESULTS, timeout, tenants=("tenants_file", tenants)
        )
        return batch_outcomes(tenants, played)

    async def rollback(self, namespace: str, name: str, request: str) -> RunOutcome:
        """Run rustfs.operator.rollback for the tenant, answering REQUEST."""
        extravars = {
            "tenant_name": name,
            "tenant_namespace": namespace,
            "rollback_request": request,
            "fail_on_problems": False,
        }
        played = await self._in_pool(self.directory(namespace, name), ROLLBACK_PLAYBOOK, extravars, ROLLBACK_RESULT)
        return single_outcome(played)

    async def _in_pool(
        self,
        private: Path,
        playbook: str,
        extravars: dict[str, Any],
        result_key: str,
        timeout: int | None = None,
        tenants: TenantsFile | None = None,
    ) -> Played:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor,
            self._run,
            private,
            playbook,
            extravars,
            result_key,
            timeout or self.config.run_timeout,
            tenants,
        )

    def _run(
        self,
        private: Path,
        playbook: str,
        extravars: dict[str, Any],
        result_key: str,
        timeout: int,
        tenants: TenantsFile | None = None,
    ) -> Played:
        (private / "env").mkdir(parents=True, exist_ok=True)
        if tenants is not None:
            variable, items = tenants
            tenant_path = private / "tenants.json"
            _write_private(tenant_path, [dict(t) for t in items])
            extravars = {**extravars, variable: str(tenant_path)}
        extravars = {
            **extravars,
            "cluster_domain": self.config.cluster_domain,
            "default_image": self.config.default_image,
            # An extra var: it reaches the tenant role's decommission pass in every entry point.
            "tenant_admin_endpoint": self.config.admin_endpoint,
        }
        _write_private(private / "env" / "extravars", extravars, unsafe_yaml)

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

        # Warm: the command is the warm server's client, and the playbook its first argument.
        command: dict[str, str] = {"playbook": playbook}
        if self.warm is not None:
            self.warm.ensure()
            command = {"binary": str(self.warm.client), "cmdline": playbook}
        start = time.monotonic()
        try:
            run = ansible_runner.run(
                private_data_dir=str(private),
                project_dir=str(private),
                **command,
                envvars=self.env,
                quiet=True,
                suppress_env_files=True,
                rotate_artifacts=self.config.rotate_artifacts,
                timeout=timeout,
                event_handler=on_event,
                cancel_callback=self._stopping.is_set,
                settings={"suppress_output_file": True, "suppress_ansible_output": True},
            )
        except Exception as error:  # ansible-runner could not even start the run
            return Played("error", None, time.monotonic() - start, problem=f"{type(error).__name__}: {error}")
        status = str(run.status)
        value = stats.get(result_key)
        problem = ""
        if status == "timeout":
            problem = f"the playbook did not finish within {timeout}s"
        elif status != "successful" or not isinstance(value, Mapping):
            problem = "; ".join(failures) or f"ansible-playbook ended with {status} (rc={run.rc})"
        return Played(
            status=status,
            rc=run.rc,
            duration=time.monotonic() - start,
            value=value,
            problem=problem,
            artifacts=str(run.config.artifact_dir),
        )
