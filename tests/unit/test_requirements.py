"""The collection's Python requirements, as a user or ansible-builder installs them, are the truth.

requirements.txt (shipped in the collection, read by ansible-builder through
meta/execution-environment.yml) must name every third-party library the plugins import,
requirements-dev.txt's pins must satisfy it, and each module's documented `requirements`
must be what its code (and the module_utils it reaches) imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
COLLECTION = "ansible_collections.rustfs.operator"
# Import name -> distribution name, for the libraries the collection itself imports.
LIBRARIES = {"kubernetes": "kubernetes", "yaml": "PyYAML", "cryptography": "cryptography", "jsonschema": "jsonschema"}
MODULES = sorted(p.stem for p in (REPO / "plugins" / "modules").glob("*.py") if p.stem != "__init__")


def requirements(path: Path) -> dict[str, Requirement]:
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            found[requirement.name.lower()] = requirement
    return found


def reached(module: str) -> list[str]:
    """The collection's own modules that plugin MODULE (and its action plugin) may load.

    Read from the source, imports inside functions included: a lazy import (one a run makes only
    when it needs it) still needs its libraries installed.
    """
    pending = [f"{COLLECTION}.plugins.{kind}.{module}" for kind in ("modules", "action")]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        path = REPO / f"{name.removeprefix(COLLECTION + '.').replace('.', '/')}.py"
        if name in seen or not path.exists():
            continue
        seen.add(name)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(COLLECTION + "."):
                pending += [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
    return sorted(seen)


def third_party_imports(dotted: str) -> set[str]:
    relative = dotted.removeprefix(COLLECTION + ".").replace(".", "/")
    path = REPO / f"{relative}.py"
    if not path.exists():
        return set()
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & LIBRARIES.keys()


def documented(module: str) -> set[str]:
    source = (REPO / "plugins" / "modules" / f"{module}.py").read_text()
    tree = ast.parse(source)
    text = next(
        node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "DOCUMENTATION" for t in node.targets)
        and isinstance(node.value, ast.Constant)
    )
    listed = yaml.safe_load(text).get("requirements") or []
    return {Requirement(item.split(" (")[0]).name for item in listed}


def test_requirements_txt_names_every_library_the_plugins_import() -> None:
    shipped = requirements(REPO / "requirements.txt")
    imported = set()
    for path in (REPO / "plugins").rglob("*.py"):
        imported |= third_party_imports(
            COLLECTION + "." + str(path.relative_to(REPO).with_suffix("")).replace("/", ".")
        )
    assert {LIBRARIES[name].lower() for name in imported} == set(shipped), "requirements.txt and the imports differ"


def test_the_pins_we_test_with_satisfy_the_shipped_ranges() -> None:
    pins = requirements(REPO / "requirements-dev.txt")
    for name, requirement in requirements(REPO / "requirements.txt").items():
        pinned = next(iter(pins[name].specifier)).version
        assert requirement.specifier.contains(Version(pinned)), f"{name} {pinned} is outside {requirement}"


def test_ansible_builder_finds_them() -> None:
    ee = yaml.safe_load((REPO / "meta" / "execution-environment.yml").read_text())
    assert (REPO / ee["dependencies"]["python"]).name == "requirements.txt"
    assert (REPO / ee["dependencies"]["system"]).exists()


@pytest.mark.parametrize("module", MODULES)
def test_each_module_documents_the_libraries_it_imports(module: str) -> None:
    needed = set()
    for name in reached(module):
        needed |= third_party_imports(name)
    assert documented(module) == {LIBRARIES[n] for n in needed}, f"{module}: requirements in DOCUMENTATION"


def test_the_readme_lists_the_included_content() -> None:
    readme = (REPO / "README.md").read_text()
    table = readme[readme.index("## Included content") :]
    names = [f"`{p.stem}`" for p in (REPO / "playbooks").glob("*.yml")]
    names += [f"`{p.name}`" for p in (REPO / "roles").iterdir() if p.is_dir()]
    names += [f"`{m}`" for m in MODULES]
    filters = [p.stem for p in (REPO / "plugins" / "filter").glob("*.py") if p.stem not in ("deprecated", "__init__")]
    names += [f"`{f}`" for f in filters if not f.startswith("tls_")]
    missing = [name for name in names if name not in table]
    assert not missing, f"README.md's Included content misses {missing}"
    assert all("`tls_*`" in table for f in filters if f.startswith("tls_"))
