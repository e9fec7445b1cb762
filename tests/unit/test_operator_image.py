"""The operator image takes ansible-core and kubernetes.core only, with the pins the tests use.

No container runtime here: the Containerfile's steps are checked where they can be (its
package list, the collection extraction on a wheel-shaped archive).
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "operator"))

from collection_from_wheel import extract  # noqa: E402


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            found[name.lower()] = version
    return found


def test_the_image_pins_are_the_tested_pins_without_the_ansible_bundle() -> None:
    image, tested = pins(REPO / "operator" / "requirements.txt"), pins(REPO / "requirements-dev.txt")
    assert "ansible" not in image and image["ansible-core"] == tested["ansible-core"]
    assert {name: tested[name] for name in image} == image
    containerfile = (REPO / "operator" / "Containerfile").read_text()
    assert "COPY operator/requirements.txt" in containerfile
    assert "collection_from_wheel.py /wheels/ansible-*.whl kubernetes.core /collections" in containerfile
    assert "grep '^ansible==' requirements-dev.txt" in containerfile  # the bundle version the tests use


def wheel(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ansible_collections/kubernetes/core/MANIFEST.json", "{}")
        archive.writestr("ansible_collections/kubernetes/core/plugins/modules/k8s.py", "# k8s")
        archive.writestr("ansible_collections/community/general/MANIFEST.json", "{}")
        archive.writestr("ansible-12.3.0.dist-info/METADATA", "Name: ansible")
    return path


def test_only_the_named_collection_is_extracted(tmp_path: Path) -> None:
    count = extract(wheel(tmp_path / "ansible-12.3.0-py3-none-any.whl"), "kubernetes.core", tmp_path / "out")
    files = sorted(str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert count == 2
    assert files == [
        "ansible_collections/kubernetes/core/MANIFEST.json",
        "ansible_collections/kubernetes/core/plugins/modules/k8s.py",
    ]


def test_a_wheel_without_the_collection_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=r"holds no collection kubernetes\.nope"):
        extract(wheel(tmp_path / "a.whl"), "kubernetes.nope", tmp_path / "out")
