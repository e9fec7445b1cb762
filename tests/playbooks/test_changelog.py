"""antsibull-changelog can cut a release from changelogs/ (done on a copy: the checkout is not touched).

`make lint` runs `antsibull-changelog lint` on the fragments; this proves that
`release` and `generate` also work: every fragment entry lands in
CHANGELOG.rst, and every module and filter is listed as new.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import yaml
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / ".venv" / "bin"


def changelog(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ANSIBLE_CONFIG", "ANSIBLE_COLLECTIONS_PATH")}
    # It runs ansible-doc (new plugins) from PATH.
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        [str(BIN / "antsibull-changelog"), *args], cwd=root, env=env, capture_output=True, text=True, check=False
    )


def version_added() -> dict[str, str]:
    """version_added of every module and filter, from its DOCUMENTATION (test_ansible_doc.py requires one)."""
    found: dict[str, str] = {}
    for path in [*(REPO / "plugins" / "modules").glob("*.py"), *(REPO / "plugins" / "filter").glob("*.py")]:
        source = path.read_text()
        docs = source.split('DOCUMENTATION = r"""', 1)[-1].split('"""', 1)[0]
        added = (yaml.safe_load(docs) or {}).get("version_added")
        if added is not None:
            found[path.stem] = str(added)
    return found


def squash(text: str) -> str:
    return " ".join(text.split())


def test_release_and_generate_work(tmp_path: Path) -> None:
    root = tmp_path / "ansible_collections" / "rustfs" / "operator"
    root.mkdir(parents=True)
    for name in ("changelogs", "plugins", "roles", "playbooks", "meta"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "galaxy.yml", root / "galaxy.yml")
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    fragments = sorted((REPO / "changelogs" / "fragments").glob("*.y*ml"))
    assert fragments

    released = changelog(root, "release", "--version", version, "--date", "2026-01-01")
    assert released.returncode == 0, released.stdout + released.stderr
    text = (root / "CHANGELOG.rst").read_text()
    assert f"v{version}\n" in text
    flat = squash(text)
    # Entries of the trivial section are for reviewers: antsibull-changelog keeps them out of the release notes.
    trivial = yaml.safe_load((REPO / "changelogs" / "config.yaml").read_text())["trivial_section_name"]
    for fragment in fragments:
        for section, entries in yaml.safe_load(fragment.read_text()).items():
            for entry in [entries] if isinstance(entries, str) else entries:
                shown = squash(entry) in flat
                assert shown != (section == trivial), (
                    f"{fragment.name} ({section}): {entry} {'in' if shown else 'missing from'} CHANGELOG.rst"
                )
    # The first release lists the plugins whose version_added is that version.
    for plugin, added in sorted(version_added().items()):
        if added == version:
            assert f"\n- {plugin} - " in text, f"{plugin} (version_added {added}) not listed as new"
    releases = yaml.safe_load((root / "changelogs" / "changelog.yaml").read_text())["releases"]
    assert version in releases

    regenerated = changelog(root, "generate")
    assert regenerated.returncode == 0, regenerated.stdout + regenerated.stderr
    assert (root / "CHANGELOG.rst").read_text() == text


def test_no_plugin_is_newer_than_the_collection() -> None:
    """A plugin shipped in version X cannot say it was added in a later one: the release of X would not
    list it as new (antsibull-changelog lists a plugin in the release its version_added names)."""
    version = Version(yaml.safe_load((REPO / "galaxy.yml").read_text())["version"])
    newer = {plugin: added for plugin, added in version_added().items() if Version(added) > version}
    assert newer == {}, f"version_added later than galaxy.yml's {version}"
