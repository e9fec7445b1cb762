"""The four reference examples render to exactly the objects written out by hand in
tests/fixtures/expected/ (tenant-api.md §6, §7)."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

# Also in conftest.EXAMPLE_FILES; repeated because parametrize needs it at import time.
EXAMPLE_FILES = (
    "minimal-dev-tenant.yaml",
    "simple-tenant.yaml",
    "secret-credentials-tenant.yaml",
    "multi-pool-tenant.yaml",
)
UID = "0b5c6a36-8a5e-4c4b-9a43-5c0f4c1e2d11"


def _diff(actual: object, expected: object) -> str:
    return "\n".join(
        [
            "--- actual",
            json.dumps(actual, indent=1, sort_keys=True),
            "--- expected",
            json.dumps(expected, indent=1, sort_keys=True),
        ]
    )


@pytest.mark.parametrize("filename", EXAMPLE_FILES)
def test_example_renders_exactly_the_expected_objects(eng, example, load, filename):
    actual = eng.render(example(filename))
    expected = load.expected(filename)
    # Same kinds and names, in apply order: ServiceAccount, Services, one StatefulSet per pool.
    assert [(o["kind"], o["metadata"]["name"]) for o in actual] == [
        (o["kind"], o["metadata"]["name"]) for o in expected
    ]
    for got, want in zip(actual, expected, strict=False):
        assert got == want, _diff(got, want)


@pytest.mark.parametrize("filename", EXAMPLE_FILES)
def test_example_is_valid(eng, example, filename):
    assert eng.errors(example(filename)) == []


@pytest.mark.parametrize("filename", EXAMPLE_FILES)
def test_example_from_a_cluster_gets_one_owner_reference_per_object(eng, example, load, filename):
    doc = example(filename)
    doc["metadata"]["uid"] = UID
    expected = copy.deepcopy(load.expected(filename))
    for obj in expected:
        obj["metadata"]["ownerReferences"] = [
            {
                "apiVersion": "rustfs.com/v1alpha1",
                "kind": "Tenant",
                "name": doc["metadata"]["name"],
                "uid": UID,
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    assert eng.render(doc) == expected


@pytest.mark.parametrize("filename", EXAMPLE_FILES)
def test_fixture_copy_matches_the_shared_reference(paths, load, filename):
    original = paths["shared"] / filename
    if not original.is_file():
        pytest.skip(f"{original} is not present; the copy in examples is used")
    assert (paths["examples"] / filename).read_bytes() == original.read_bytes()
    assert load.example(filename, paths["shared"]) == load.example(filename)


def test_secret_of_the_credentials_example_is_not_rendered(eng, example, paths):
    # The file also holds the user's Secret; the engine never produces Secrets (§5).
    with (paths["examples"] / "secret-credentials-tenant.yaml").open(encoding="utf-8") as handle:
        kinds = [d["kind"] for d in yaml.safe_load_all(handle) if isinstance(d, dict)]
    assert kinds == ["Secret", "Tenant"]
    objects = eng.render(example("secret-credentials-tenant.yaml"))
    assert "Secret" not in {o["kind"] for o in objects}
