"""docs/api-reference.md is generated from the CRD and must be current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_api_reference_is_generated_from_the_current_crd() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "hack" / "gen_api_docs.py"), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_api_reference_names_every_pool_field() -> None:
    text = (REPO / "docs" / "api-reference.md").read_text()
    for field in ("spec.pools[].servers", "spec.pools[].persistence.volumesPerServer", "spec.pools[].name"):
        assert f"| `{field}` |" in text
