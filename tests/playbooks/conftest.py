"""Helpers for tests that run the collection's playbooks as a user would."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "tests" / "fixtures" / "examples"


def run_playbook(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run from the repo root, where ansible.cfg makes rustfs.operator.* resolve to this checkout."""
    return subprocess.run(
        [str(REPO / ".venv" / "bin" / "ansible-playbook"), *args],
        cwd=REPO,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0", **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture
def playbook() -> Callable[..., subprocess.CompletedProcess[str]]:
    return run_playbook
