"""The built collection tarball installs and works outside this checkout."""

from __future__ import annotations

import os
import subprocess
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / ".venv" / "bin"


def test_tarball_leaves_out_dev_files_and_renders_when_installed(tmp_path: Path) -> None:
    build = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    tarball = next(tmp_path.glob("rustfs-operator-*.tar.gz"))
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    assert "crds/tenants.rustfs.com.yaml" in names
    assert "playbooks/render.yml" in names
    assert "plugins/module_utils/render.py" in names
    # What ansible-builder and a user need to install its Python libraries and system packages.
    assert {"requirements.txt", "bindep.txt", "meta/execution-environment.yml"} <= set(names)
    # The example Tenants the tests use, for users to start from.
    assert {"examples/simple-tenant.yaml", "examples/multi-pool-tenant.yaml"} <= set(names)
    for dev in ("tests", ".venv", ".ansible", "Makefile", "ansible.cfg", "requirements-dev.txt", "hack", ".ci"):
        assert not any(n == dev or n.startswith(dev + "/") for n in names), dev

    # Work from an empty directory so this checkout's ansible.cfg (and its link
    # to the checkout) is not read: only the installed copy can be found.
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    install_root = tmp_path / "collections"
    env = {k: v for k, v in os.environ.items() if k != "ANSIBLE_CONFIG"}
    env["ANSIBLE_COLLECTIONS_PATH"] = str(install_root)
    install = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "install", "--no-deps", "-p", str(install_root), str(tarball)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    assert (install_root / "ansible_collections" / "rustfs" / "operator" / "MANIFEST.json").exists()
    out = tmp_path / "out"
    render = subprocess.run(
        [
            str(BIN / "ansible-playbook"),
            "rustfs.operator.render",
            "-e",
            # The example as the installed collection ships it.
            f"tenant_file={install_root / 'ansible_collections/rustfs/operator/examples/multi-pool-tenant.yaml'}",
            "-e",
            f"output_dir={out}",
        ],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert render.returncode == 0, render.stdout + render.stderr
    text = (out / "rustfs-system-multi-pool-tenant.yaml").read_text()
    assert text.count("kind: StatefulSet") == 2
