"""ansible-doc renders every module and filter of the collection, with no warning or error.

The plugins ansible-doc lists must be exactly the files in plugins/modules and
plugins/filter, each with a description: a new plugin without documentation,
or with documentation ansible-doc cannot load, fails here.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / ".venv" / "bin"
# The link `make setup` creates: this checkout as ansible_collections/rustfs/operator.
CHECKOUT = REPO / ".ansible" / "collections"
COLLECTION = "rustfs.operator"
DIRS = {"module": "modules", "filter": "filter"}
# What every plugin's documentation must carry (ansible-doc --json, key "doc").
REQUIRED_DOC = ("short_description", "description", "author", "version_added")


def ansible_doc(collections: Path, *args: str, deprecations: bool = False) -> subprocess.CompletedProcess[str]:
    """ansible-doc with COLLECTIONS as the only collections path (besides the ansible package's).

    Deprecation warnings are off unless asked for: a plugin meta/runtime.yml deprecates warns by
    design (test_deprecated_plugins_warn_of_their_removal), and any other warning still fails.
    """
    env = {k: v for k, v in os.environ.items() if k != "ANSIBLE_CONFIG"}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    env["ANSIBLE_DEPRECATION_WARNINGS"] = "true" if deprecations else "false"
    return subprocess.run(
        [str(BIN / "ansible-doc"), *args],
        # Not the checkout: its ansible.cfg must not add a collections path.
        cwd=collections,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def plugin_files(collections: Path, kind: str) -> set[str]:
    """The plugin names the files define: a module per file; for filters, the names each file's FilterModule returns.

    A filter file may hold several filters, each documented in a YAML file of its name
    (plugins/filter/deprecated.py and applied_changes.yml), as kubernetes.core does.
    """
    folder = collections / "ansible_collections" / "rustfs" / "operator" / "plugins" / DIRS[kind]
    files = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
    if kind != "filter":
        return {p.stem for p in files}
    names: set[str] = set()
    for path in files:
        spec = importlib.util.spec_from_file_location(f"_filters_of_{path.stem}", path)
        assert spec is not None and spec.loader is not None, path
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        names |= set(module.FilterModule().filters())
    return names


def render(collections: Path, kind: str, fqcns: list[str]) -> tuple[str | None, dict[str, Any]]:
    """(text rendering, JSON docs) of FQCNS; text None when either printed a warning or failed."""
    text = ansible_doc(collections, "-t", kind, *fqcns)
    rendered = ansible_doc(collections, "-t", kind, "--json", *fqcns)
    if any(r.returncode != 0 or r.stderr.strip() for r in (text, rendered)):
        return None, {}
    docs: dict[str, Any] = json.loads(rendered.stdout)
    return text.stdout, docs


def last_error(collections: Path, kind: str, fqcn: str) -> str:
    return ansible_doc(collections, "-t", kind, fqcn).stderr.strip() or "(no message)"


def doc_problems(collections: Path, kind: str) -> list[str]:
    """Everything wrong with the docs of the collection's plugins of KIND; empty when all is well."""
    problems: list[str] = []
    listing = ansible_doc(collections, "-t", kind, "--list", "--json", COLLECTION)
    if listing.returncode != 0 or listing.stderr.strip():
        problems.append(f"ansible-doc --list failed ({listing.returncode}): {listing.stderr.strip()}")
    listed: dict[str, str] = json.loads(listing.stdout or "{}")
    names = {fqcn.removeprefix(f"{COLLECTION}."): description for fqcn, description in listed.items()}
    files = plugin_files(collections, kind)
    problems += [f"{kind} {n}: defined, but ansible-doc does not list it" for n in sorted(files - names.keys())]
    problems += [f"{kind} {n}: listed, but no plugin file defines it" for n in sorted(names.keys() - files)]
    problems += [f"{kind} {n}: listed as {d!r}" for n, d in sorted(names.items()) if d.strip() in ("", "UNDOCUMENTED")]

    fqcns = [f"{COLLECTION}.{n}" for n in sorted(files)]
    # The text rendering (what a user reads) and the JSON (what Galaxy and antsibull read),
    # all plugins at once; one that fails stops ansible-doc, so then each on its own.
    text, docs = render(collections, kind, fqcns)
    if text is None:
        for fqcn in fqcns:
            alone, _ = render(collections, kind, [fqcn])
            if alone is None:
                problems.append(f"{kind} {fqcn}: ansible-doc fails: {last_error(collections, kind, fqcn)}")
        return problems
    for fqcn in fqcns:
        entry = docs.get(fqcn) or {}
        doc = entry.get("doc") or {}
        problems += [f"{kind} {fqcn}: DOCUMENTATION has no {key}" for key in REQUIRED_DOC if not doc.get(key)]
        problems += [f"{kind} {fqcn}: no {part.upper()}" for part in ("examples", "return") if not entry.get(part)]
        if fqcn not in text:
            problems.append(f"{kind} {fqcn}: missing from the text rendering")
    return problems


@pytest.mark.parametrize("kind", sorted(DIRS))
def test_every_plugin_has_docs_that_render(kind: str) -> None:
    assert plugin_files(CHECKOUT, kind), f"no {kind} found through {CHECKOUT} (run make setup)"
    assert doc_problems(CHECKOUT, kind) == []


def test_an_undocumented_plugin_fails_the_check(tmp_path: Path) -> None:
    """The gate itself: a copy of the collection with one plugin of each kind lacking docs."""
    root = tmp_path / "ansible_collections" / "rustfs" / "operator"
    root.mkdir(parents=True)
    shutil.copytree(REPO / "plugins", root / "plugins", ignore=shutil.ignore_patterns("__pycache__"))
    # One documented plugin of each kind beside the bare ones keeps this quick.
    for kind, keep in (("filter", "to_manifest"), ("module", "tenant_status")):
        for path in (root / "plugins" / DIRS[kind]).glob("*.py"):
            if path.stem != keep:
                path.unlink()
    shutil.copytree(REPO / "meta", root / "meta")
    shutil.copy(REPO / "galaxy.yml", root / "galaxy.yml")
    (root / "plugins" / "filter" / "bare.py").write_text(
        "class FilterModule:\n    def filters(self):\n        return {'bare': lambda value: value}\n"
    )
    (root / "plugins" / "modules" / "bare.py").write_text(
        "from ansible.module_utils.basic import AnsibleModule\n\nAnsibleModule(argument_spec={}).exit_json()\n"
    )
    for kind in DIRS:
        problems = doc_problems(tmp_path, kind)
        assert any(f"{COLLECTION}.bare" in p or f"{kind} bare:" in p for p in problems), (kind, problems)
        assert all("bare" in p for p in problems), problems


def test_deprecated_plugins_warn_of_their_removal() -> None:
    """Each plugin meta/runtime.yml deprecates still exists and loads, and ansible-doc says when it goes."""
    routing = yaml.safe_load((REPO / "meta" / "runtime.yml").read_text()).get("plugin_routing") or {}
    deprecated = [(kind, name, entry) for kind, plugins in routing.items() for name, entry in plugins.items()]
    assert deprecated, "no deprecation to check"
    for kind, name, entry in deprecated:
        assert name in plugin_files(CHECKOUT, kind), f"{kind} {name} is routed but has no file"
        shown = ansible_doc(CHECKOUT, "-t", kind, f"{COLLECTION}.{name}", deprecations=True)
        assert shown.returncode == 0, shown.stderr
        removal = entry["deprecation"]["removal_version"]
        assert f"will be removed from collection '{COLLECTION}' version {removal}" in shown.stderr, shown.stderr


def test_only_a_deprecated_plugin_warns_of_its_deprecation(tmp_path: Path) -> None:
    """A play using another filter of the collection prints no deprecation warning; one using applied_changes does.

    Ansible resolves a collection filter by loading every file of the filter
    directory, checking each file name's routing: a deprecated filter in a file
    of its own name warned every play that used any rustfs.operator filter.
    """
    play = tmp_path / "play.yml"
    tenant = {
        "apiVersion": "rustfs.com/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": "t", "namespace": "ns"},
        "spec": {"pools": [{"name": "p", "servers": 4, "persistence": {"volumesPerServer": 1}}]},
    }

    def run(expression: str) -> subprocess.CompletedProcess[str]:
        play.write_text(
            yaml.safe_dump(
                [
                    {
                        "hosts": "localhost",
                        "connection": "local",
                        "gather_facts": False,
                        "vars": {"tenant": tenant},
                        "tasks": [{"ansible.builtin.debug": {"msg": "{{ " + expression + " }}"}}],
                    }
                ]
            )
        )
        env = {k: v for k, v in os.environ.items() if k != "ANSIBLE_CONFIG"}
        env.update(
            ANSIBLE_COLLECTIONS_PATH=str(CHECKOUT),
            ANSIBLE_DEPRECATION_WARNINGS="true",
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_LOCALHOST_WARNING="false",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        )
        done = subprocess.run(
            [str(BIN / "ansible-playbook"), str(play)], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    used = run("tenant | rustfs.operator.rustfs_volumes")
    assert "t-p-{0...3}.t-hl.ns.svc.cluster.local" in used.stdout, used.stdout
    assert "DEPRECATION" not in used.stdout + used.stderr, used.stdout + used.stderr
    retired = run("{} | rustfs.operator.applied_changes")
    assert 'applied_changes" has been deprecated' in retired.stdout + retired.stderr, retired.stdout + retired.stderr
