"""The real RustFS server for the data-plane tests (`make dataplane-test`), one per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.real_rustfs import ROOT_ACCESS, ROOT_SECRET, running


@pytest.fixture(scope="module")
def rustfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a RustFS with two server pools of four drives, root keys ROOT_ACCESS/ROOT_SECRET."""
    with running(tmp_path_factory.mktemp("rustfs"), ROOT_ACCESS, ROOT_SECRET) as url:
        yield url
