"""The real RustFS server for the data-plane tests (`make dataplane-test`), one per test (it starts in 0.2 s)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.real_rustfs import ROOT_ACCESS, ROOT_SECRET, running


@pytest.fixture
def rustfs(tmp_path: Path) -> Iterator[str]:
    """The URL of a RustFS with two server pools of four drives, root keys ROOT_ACCESS/ROOT_SECRET."""
    with running(tmp_path, ROOT_ACCESS, ROOT_SECRET) as url:
        yield url
