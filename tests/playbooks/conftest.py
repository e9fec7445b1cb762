"""Fixtures for tests that run the collection's playbooks with no cluster."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.playbook import EXAMPLES


@pytest.fixture
def examples() -> Path:
    return EXAMPLES
