"""The layers of plugins/module_utils, enforced (docs/development.md, "Architecture").

The engine (everything not listed below) decides; it imports neither Ansible nor
a Kubernetes client, so filters, modules, action plugins and the operator
process all run the same code. The service layer talks to the API server or to
RustFS; the orchestration runs a reconcile over both. A module added to
module_utils is engine unless it is listed here, and the test then holds it to
the engine's rule.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODULE_UTILS = REPO / "plugins" / "module_utils"
PACKAGE = "ansible_collections.rustfs.operator.plugins.module_utils"

# Reads, server-side apply, status writes, the RustFS admin API.
SERVICE = {
    "kube",
    "live",
    "server_apply",
    "status_write",
    "tls_kube",
    "rustfs_admin",
    "rustfs_iam",
    "rustfs_s3",
    "history",
    "exposure_kube",
}
# What the action plugins and modules call: a reconcile, its rollout and lifecycle passes.
ORCHESTRATION = {
    "reconcile",
    "reconcile_steps",
    "rollout",
    "pool_lifecycle",
    "drift_check",
    "provisioning_run",
    "provisioning_phase",
    "snapshot_run",
}


def engine_modules() -> list[str]:
    names = sorted(p.stem for p in MODULE_UTILS.glob("*.py") if not p.stem.startswith("__"))
    return [n for n in names if n not in SERVICE | ORCHESTRATION]


def test_every_listed_module_exists() -> None:
    present = {p.stem for p in MODULE_UTILS.glob("*.py")}
    assert present >= SERVICE | ORCHESTRATION


def test_the_engine_imports_neither_ansible_nor_kubernetes() -> None:
    """Imported together in a clean interpreter: if all of them pull in nothing, each pulls in nothing."""
    modules = engine_modules()
    assert len(modules) > 25
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        f"    importlib.import_module('{PACKAGE}.' + name)\n"
        "loaded = {m for m in sys.modules if m.split('.')[0] in ('ansible', 'kubernetes', 'urllib3')}\n"
        "loaded |= {m for m in sys.modules if m.startswith('ansible_collections.kubernetes')}\n"
        "print(sorted(loaded))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / ".ansible" / "collections")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_engine_does_not_reach_into_the_layers_above() -> None:
    upper = SERVICE | ORCHESTRATION
    offenders = []
    for name in engine_modules():
        tree = ast.parse((MODULE_UTILS / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                target = node.module.removeprefix(PACKAGE + ".")
                imported = {target} | ({alias.name for alias in node.names} if node.module == PACKAGE else set())
                offenders += [f"{name} -> {t}" for t in imported if t in upper]
    assert not offenders
