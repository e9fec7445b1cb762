"""Shared fixtures of the engine's unit tests.

The expected values in these tests come from the Tenant API contract
(/work/shared/reference/tenant-api.md), never from running the engine: a test
states what the contract says and fails when the engine disagrees.

The four reference examples are copied into examples/ (shipped in the collection) so the
suite runs without the shared reference tree; test_examples.py checks that the
copies still match the originals whenever those are present.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.render import (
    RenderOptions,
    objects_for,
    render_tenant,
)
from ansible_collections.rustfs.operator.plugins.module_utils.validation import validate_tenant

TESTS_DIR = Path(__file__).resolve().parents[1]
FIXTURES_DIR = TESTS_DIR / "fixtures"
EXAMPLES_DIR = TESTS_DIR.parent / "examples"  # shipped in the collection
EXPECTED_DIR = FIXTURES_DIR / "expected"
# The originals, outside the repository: /work/shared/reference/examples.
SHARED_EXAMPLES_DIR = Path(__file__).resolve().parents[3] / "shared" / "reference" / "examples"

EXAMPLE_FILES = (
    "minimal-dev-tenant.yaml",
    "simple-tenant.yaml",
    "secret-credentials-tenant.yaml",
    "multi-pool-tenant.yaml",
)


def load_example(filename: str, directory: Path = EXAMPLES_DIR) -> dict[str, Any]:
    """The Tenant document of an example file (some files also hold a Secret)."""
    with (directory / filename).open(encoding="utf-8") as handle:
        tenants = [doc for doc in yaml.safe_load_all(handle) if isinstance(doc, dict) and doc.get("kind") == "Tenant"]
    assert len(tenants) == 1, f"{filename} must hold exactly one Tenant"
    return tenants[0]


def load_expected(filename: str) -> list[dict[str, Any]]:
    with (EXPECTED_DIR / filename).open(encoding="utf-8") as handle:
        objects: list[dict[str, Any]] = yaml.safe_load(handle)
    return objects


class Engine:
    """Builders and accessors shared by every test module (exposed as the `eng` fixture)."""

    @staticmethod
    def pool(name: str = "pool-0", servers: int = 2, volumes: int = 2, **fields: Any) -> dict[str, Any]:
        persistence = fields.pop("persistence", {})
        return {
            "name": name,
            "servers": servers,
            "persistence": {"volumesPerServer": volumes, **persistence},
            **fields,
        }

    @staticmethod
    def tenant(
        name: str = "demo",
        namespace: str | None = "ns",
        pools: list[dict[str, Any]] | None = None,
        annotations: dict[str, str] | None = None,
        uid: str | None = None,
        **spec: Any,
    ) -> dict[str, Any]:
        metadata: dict[str, Any] = {"name": name}
        if namespace is not None:
            metadata["namespace"] = namespace
        if annotations is not None:
            metadata["annotations"] = annotations
        if uid is not None:
            metadata["uid"] = uid
        return {
            "apiVersion": "rustfs.com/v1alpha1",
            "kind": "Tenant",
            "metadata": metadata,
            "spec": {"pools": pools if pools is not None else [Engine.pool()], **spec},
        }

    @staticmethod
    def render(document: dict[str, Any], **options: Any) -> list[dict[str, Any]]:
        """Validated render; fails the test when the engine reports errors."""
        result = render_tenant(copy.deepcopy(document), RenderOptions(**options))
        assert result.errors == [], result.errors
        return result.objects

    @staticmethod
    def render_unchecked(document: dict[str, Any], **options: Any) -> list[dict[str, Any]]:
        """Render without validation: for rules that validation refuses or bypasses."""
        return objects_for(parse_tenant(copy.deepcopy(document)), RenderOptions(**options))

    @staticmethod
    def errors(document: Any) -> list[dict[str, str]]:
        return [dict(e) for e in validate_tenant(copy.deepcopy(document))]

    @staticmethod
    def only(objects: Iterable[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
        found = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
        assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
        return found[0]

    @staticmethod
    def statefulsets(objects: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        return [o for o in objects if o["kind"] == "StatefulSet"]

    @staticmethod
    def pod_spec(statefulset: dict[str, Any]) -> dict[str, Any]:
        spec: dict[str, Any] = statefulset["spec"]["template"]["spec"]
        return spec

    @staticmethod
    def container(statefulset: dict[str, Any]) -> dict[str, Any]:
        containers = statefulset["spec"]["template"]["spec"]["containers"]
        assert len(containers) == 1
        container: dict[str, Any] = containers[0]
        return container

    @staticmethod
    def env(statefulset: dict[str, Any]) -> list[dict[str, Any]]:
        env: list[dict[str, Any]] = Engine.container(statefulset)["env"]
        return env

    @staticmethod
    def env_names(statefulset: dict[str, Any]) -> list[str]:
        return [variable["name"] for variable in Engine.env(statefulset)]

    @staticmethod
    def env_value(statefulset: dict[str, Any], name: str) -> Any:
        matches = [v for v in Engine.env(statefulset) if v["name"] == name]
        assert len(matches) == 1, f"{name} appears {len(matches)} times"
        return matches[0].get("value", matches[0].get("valueFrom"))

    @staticmethod
    def reasons(errors: Iterable[dict[str, str]]) -> set[str]:
        return {e["reason"] for e in errors}

    @staticmethod
    def fields(errors: Iterable[dict[str, str]]) -> list[str]:
        return [e["field"] for e in errors]


@pytest.fixture(scope="session")
def eng() -> type[Engine]:
    return Engine


@pytest.fixture(scope="session")
def paths() -> dict[str, Path]:
    return {"examples": EXAMPLES_DIR, "expected": EXPECTED_DIR, "shared": SHARED_EXAMPLES_DIR}


@pytest.fixture(scope="session")
def load() -> Any:
    """The loaders, for tests that read fixture files themselves."""

    class Loaders:
        example = staticmethod(load_example)
        expected = staticmethod(load_expected)

    return Loaders


@pytest.fixture(scope="session")
def examples() -> dict[str, dict[str, Any]]:
    """The four reference Tenants, keyed by file name (copies in examples)."""
    return {filename: load_example(filename) for filename in EXAMPLE_FILES}


@pytest.fixture()
def example(examples: dict[str, dict[str, Any]]) -> Any:
    """A fresh copy of one example, so a test may modify it."""

    def get(filename: str) -> dict[str, Any]:
        return copy.deepcopy(examples[filename])

    return get
