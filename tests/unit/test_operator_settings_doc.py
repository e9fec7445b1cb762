"""docs/operator-settings.md is generated from the operator's Config and must be current; every
setting has a meaning, and --help shows it with the default."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import fields
from pathlib import Path

from rustfs_operator.config import Config, help_of

REPO = Path(__file__).resolve().parents[2]


def test_the_settings_page_is_generated_from_the_current_config() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "hack" / "gen_operator_settings.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_setting_says_what_it_does() -> None:
    for item in fields(Config):
        assert help_of(item).endswith("."), f"{item.name} has no meaning in config.py"


def test_help_shows_each_meaning_and_default() -> None:
    env = {"PYTHONPATH": str(REPO / "operator"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "rustfs_operator", "--help"], capture_output=True, text=True, env=env, check=True
    )
    flat = " ".join(done.stdout.split())
    for item in fields(Config):
        assert f"RUSTFS_OPERATOR_{item.name.upper()}" in flat
    assert "Playbook runs at once, at most. Default: 4." in flat
    assert "Default: rustfs.operator.reconcile." in flat
