"""Run the collection's playbooks the way a user does, and read their outcome."""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
RECAP = re.compile(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")


@dataclass
class PlaybookRun:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def changed(self) -> int:
        match = RECAP.search(self.stdout)
        assert match, f"no play recap in output:\n{self.output}"
        return int(match.group(2))


def run_playbook(
    *args: str,
    extra_vars: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    tmp_dir: Path | None = None,
    timeout: float = 600,
) -> PlaybookRun:
    """Run from the repo root, where ansible.cfg makes rustfs.operator.* resolve to this checkout."""
    command = [str(REPO / ".venv" / "bin" / "ansible-playbook"), *args]
    if extra_vars is not None:
        assert tmp_dir is not None, "extra_vars need a tmp_dir for the vars file"
        vars_file = tmp_dir / f"vars-{len(list(tmp_dir.glob('vars-*.json')))}.json"
        vars_file.write_text(json.dumps(extra_vars))
        command += ["-e", f"@{vars_file}"]
    result = subprocess.run(
        command,
        cwd=REPO,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return PlaybookRun(result.returncode, result.stdout, result.stderr)


def run_render(tenant_file: Path, output_dir: Path, *extra_vars: str) -> PlaybookRun:
    """Render mode as a user runs it: `rustfs.operator.render` on one file; EXTRA_VARS are more `name=value`."""
    args = [f"tenant_file={tenant_file}", f"output_dir={output_dir}", *extra_vars]
    return run_playbook("rustfs.operator.render", *(part for arg in args for part in ("-e", arg)))


def reconcile_result(
    tenant: dict[str, Any], tmp_dir: Path, env: dict[str, str] | None = None
) -> tuple[PlaybookRun, dict[str, Any]]:
    """Run the operator's entry point (rustfs.operator.reconcile) and return its `rustfs_result`."""
    done = run_playbook(
        "rustfs.operator.reconcile",
        extra_vars={"tenant": tenant},
        tmp_dir=tmp_dir,
        env={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json", "ANSIBLE_SHOW_CUSTOM_STATS": "1", **(env or {})},
    )
    assert done.returncode == 0, done.output
    stats = json.loads(done.stdout)["global_custom_stats"]
    result: dict[str, Any] = stats["rustfs_result"]
    return done, result


def example_documents(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((EXAMPLES / name).read_text()) if d]


def example_tenant(name: str, namespace: str | None = None) -> dict[str, Any]:
    tenant = next(d for d in example_documents(name) if d.get("kind") == "Tenant")
    if namespace is not None:
        tenant["metadata"]["namespace"] = namespace
    return tenant
