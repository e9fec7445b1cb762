"""render_files.py: the file render mode writes for each Tenant, and what the play warns of
(docs/render-mode.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.rustfs.operator.plugins.module_utils.manifest import to_manifest
from ansible_collections.rustfs.operator.plugins.module_utils.render import RenderOptions
from ansible_collections.rustfs.operator.plugins.module_utils.render_files import (
    CHILDREN_WARNING,
    RenderedFile,
    render_files,
)

# Also in conftest.EXAMPLE_FILES; repeated because parametrize needs it at import time.
EXAMPLE_FILES = (
    "minimal-dev-tenant.yaml",
    "simple-tenant.yaml",
    "secret-credentials-tenant.yaml",
    "multi-pool-tenant.yaml",
)
# The erasure layout of simple-tenant.yaml (2 servers x 2 volumes), from docs/erasure-layout.md.
SIMPLE_LAYOUT = [
    "pool primary: 2 servers x 2 volumes = 4 drives in 1 erasure set of 4 (2 data + 2 parity), 20Gi usable of "
    "40Gi raw; survives 1 drive / 0 servers lost (reads: 2 / 1); PodDisruptionBudget maxUnavailable 0",
]
OPTIONS = RenderOptions(owner_references=False)
# What render mode wrote for each example before include_tenant existed, byte for byte (the files of
# `ansible-playbook rustfs.operator.render -e tenant_file=examples/X -e output_dir=...`
# at commit ba67128). A change of the engine's output updates them with that command, in the same commit
# as tests/fixtures/expected.
RENDERED = Path(__file__).resolve().parents[1] / "fixtures" / "rendered"


def one(document, options=OPTIONS, where="t.yaml:1: document 1") -> RenderedFile:
    rendered = render_files([document], [where], options)
    assert rendered.errors == []
    [file] = rendered.files
    return file


@pytest.mark.parametrize("filename", EXAMPLE_FILES)
def test_an_example_renders_byte_for_byte_as_before(example, load, filename):
    """The golden file, and that is its layout as comments, then the hand-written expected objects."""
    file = one(example(filename))
    metadata = example(filename)["metadata"]
    assert file.file == f"{metadata['namespace']}-{metadata['name']}.yaml"
    assert file.tenant == f"{metadata['namespace']}/{metadata['name']}"
    assert file.content == (RENDERED / file.file).read_text(encoding="utf-8")
    header = "# Erasure layout (docs/erasure-layout.md):\n" + "".join(f"# {line}\n" for line in file.layout)
    assert file.content.startswith(header)
    assert list(yaml.safe_load_all(file.content[len(header) :])) == load.expected(filename)
    assert file.content[len(header) :] == to_manifest(list(yaml.safe_load_all(file.content[len(header) :])))


def test_the_layout_lines_are_the_erasure_summary(example):
    assert one(example("simple-tenant.yaml")).layout[:1] == SIMPLE_LAYOUT


def test_with_the_tenant_the_file_says_where_it_belongs_and_what_applying_it_loses(example):
    document = example("simple-tenant.yaml")
    file = one(document, RenderOptions(owner_references=False, include_tenant=True))
    comments, body = file.content.split("\n---\n", 1)
    lines = comments.splitlines()
    assert all(line.startswith("# ") for line in lines)
    ours = lines[: lines.index("# Erasure layout (docs/erasure-layout.md):")]
    assert all(len(line) <= 102 for line in ours)
    text = " ".join(line[2:] for line in ours)
    assert text.startswith(
        "Rendered by rustfs.operator.render (docs/render-mode.md) for the namespace rustfs-system, which is "
        "written into these objects (RUSTFS_VOLUMES): to deploy to another namespace, render again with "
        "-e namespace=NS; a kustomize namespace: overlay breaks the tenant. " + CHILDREN_WARNING
    )
    # `-e namespace=NS` is never cut in two.
    assert any("-e namespace=NS" in line for line in lines)
    assert text.endswith(CHILDREN_WARNING)
    objects = list(yaml.safe_load_all("---\n" + body))
    assert [o["kind"] for o in objects][:2] == ["Tenant", "ServiceAccount"]
    assert objects[0]["spec"] == document["spec"]


def test_every_render_warns_that_applying_the_files_directly_loses_the_rollouts_and_refusals(example):
    rendered = render_files([example("simple-tenant.yaml"), example("multi-pool-tenant.yaml")], [], OPTIONS)
    assert rendered.warnings == [CHILDREN_WARNING]
    assert "one pool at a time" in CHILDREN_WARNING and "refuses" in CHILDREN_WARNING
    assert render_files([], [], OPTIONS).warnings == []


def test_a_tenant_without_namespace_is_rendered_for_default_with_a_warning(eng):
    rendered = render_files([eng.tenant("t", None)], ["t.yaml:3: document 2"], OPTIONS)
    assert rendered.files[0].file == "default-t.yaml"
    assert rendered.warnings[0] == (
        "t.yaml:3: document 2: Tenant t names no namespace, so it is rendered for the namespace default, and "
        "default is written into its objects (RUSTFS_VOLUMES: the DNS names by which its servers find each "
        "other): applied in another namespace (a kustomize namespace: overlay), the servers never find each "
        "other. Set the namespace at render time: metadata.namespace, or -e namespace=NS (docs/render-mode.md)."
    )
    assert rendered.warnings[1:] == [CHILDREN_WARNING]
    assert render_files([eng.tenant("t", "ns")], [], OPTIONS).warnings == [CHILDREN_WARNING]


def test_one_invalid_tenant_renders_nothing_and_every_invalid_one_is_named_by_where_it_was_read(eng):
    documents = [
        eng.tenant("good"),
        eng.tenant("Bad_Name", None, pools=[eng.pool("p", 0, 1)]),
        eng.tenant("worse", pools=[eng.pool("p", 0, 1)]),
    ]
    rendered = render_files(documents, ["t.yaml:1: document 1", "t.yaml:9: document 2", "t.yaml:20: document 3"])
    assert rendered.files == [] and rendered.warnings == []
    assert rendered.errors == [
        "t.yaml:9: document 2 (Tenant default/Bad_Name):\n"
        "  metadata.name: must be a DNS-1035 label: lowercase letters, digits and '-', starting with a letter and "
        "ending with a letter or digit (InvalidTenantName)\n"
        "  spec.pools[0].servers: servers must be greater than 0 (InvalidPoolSpec)",
        "t.yaml:20: document 3 (Tenant ns/worse):\n"
        "  spec.pools[0].servers: servers must be greater than 0 (InvalidPoolSpec)",
    ]


@pytest.mark.parametrize("document", [None, "text", {"kind": "Tenant", "metadata": "x"}])
def test_a_document_without_location_or_metadata_is_named_by_its_place(document):
    rendered = render_files([document], [], OPTIONS)
    assert rendered.errors[0].startswith("Tenant 1 (Tenant default/<unnamed>):\n  ")


def test_the_files_follow_the_options(eng):
    file = one(
        eng.tenant("t", "n", pools=[eng.pool("p", 2, 1)]),
        RenderOptions(cluster_domain="c.example", default_image="rustfs/rustfs:1.0.3", owner_references=False),
    )
    assert "http://t-p-{0...1}.t-hl.n.svc.c.example:9000/data/rustfs{0...0}" in file.content
    assert "image: rustfs/rustfs:1.0.3" in file.content
    assert file.to_dict() == {"tenant": "n/t", "file": "n-t.yaml", "content": file.content, "layout": file.layout}
