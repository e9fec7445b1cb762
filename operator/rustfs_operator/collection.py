"""Where the rustfs.operator collection is, and the environment its playbooks run in.

The operator imports the collection's engine (status, events) and runs its
playbooks, so both must come from the same copy: a checkout in development
(found through the `.ansible/collections` link `make setup` creates), an
installed collection in the image.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import yaml

from rustfs_operator.config import Config

_RELATIVE = Path("ansible_collections") / "rustfs" / "operator"


def _checkout_collections_path() -> Path | None:
    repo = Path(__file__).resolve().parents[2]
    candidate = repo / ".ansible" / "collections"
    return candidate if (candidate / _RELATIVE).is_dir() else None


def collections_path(config: Config) -> Path | None:
    """The ANSIBLE_COLLECTIONS_PATH entry holding rustfs.operator, if one is known."""
    if config.collections_path:
        return Path(config.collections_path)
    return _checkout_collections_path()


def make_importable(config: Config) -> None:
    """Let `ansible_collections.rustfs.operator.plugins.module_utils` be imported in-process."""
    path = collections_path(config)
    if path is not None and str(path) not in sys.path:
        sys.path.insert(0, str(path))


def version(config: Config) -> str:
    """The collection's version: a new one must re-run every tenant once."""
    path = collections_path(config)
    roots = [path / _RELATIVE] if path else []
    roots += [Path(p) / _RELATIVE for p in sys.path]
    for root in roots:
        manifest, galaxy = root / "MANIFEST.json", root / "galaxy.yml"
        if manifest.is_file():
            return str(json.loads(manifest.read_text())["collection_info"]["version"])
        if galaxy.is_file():
            return str(yaml.safe_load(galaxy.read_text())["version"])
    return "unknown"


def ansible_playbook_dir() -> str:
    """The directory of the ansible-playbook that belongs to this Python."""
    beside = Path(sys.executable).parent / "ansible-playbook"
    if beside.exists():
        return str(beside.parent)
    found = shutil.which("ansible-playbook")
    if not found:
        raise SystemExit("ansible-playbook is not installed")
    return str(Path(found).parent)


def runner_environment(config: Config) -> dict[str, str]:
    """Variables for every playbook run: quiet, deterministic, writing only under work_dir."""
    home = config.work_dir / "ansible"
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": ansible_playbook_dir() + os.pathsep + os.environ.get("PATH", ""),
        "ANSIBLE_HOME": str(home),
        "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
        "ANSIBLE_REMOTE_TEMP": str(home / "tmp"),
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
        "ANSIBLE_DEPRECATION_WARNINGS": "False",
        "ANSIBLE_SYSTEM_WARNINGS": "False",
        "ANSIBLE_GATHERING": "explicit",
    }
    path = collections_path(config)
    if path is not None:
        env["ANSIBLE_COLLECTIONS_PATH"] = str(path)
    return env
