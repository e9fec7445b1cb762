# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Render mode: the file written for each Tenant, and what the play warns of (docs/render-mode.md).

Nothing is returned unless every Tenant is valid, so a render never writes half
a directory. Each file is the Tenant's objects (the Tenant first, with
`include_tenant`) after comment lines, so it stays a plain manifest for
`kubectl apply` and kustomize. Pure: the action plugin tenant_render calls it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils.erasure import tenant_layout
from ansible_collections.rustfs.operator.plugins.module_utils.errors import format_errors
from ansible_collections.rustfs.operator.plugins.module_utils.manifest import to_manifest
from ansible_collections.rustfs.operator.plugins.module_utils.model import parse_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.render import RenderOptions, render_tenant
from ansible_collections.rustfs.operator.plugins.module_utils.schema import drop_nulls, pruned_spec

GUIDE = "docs/render-mode.md"

# Said once per render, in the play's output and (with include_tenant) atop every file.
CHILDREN_WARNING = (
    "Rendered objects applied directly (kubectl apply, Argo CD, Flux), without the operator or the "
    "rustfs.operator.tenant playbook, lose what those two add: a pod template change rolls every pool "
    "at once instead of one pool at a time, nothing refuses a change that breaks a pool (servers, "
    "volumesPerServer or storage of an existing pool, a pool renamed or removed) before it reaches the "
    "cluster, and no status is written. With the operator installed, let your GitOps tool apply the "
    f"Tenant only and keep the rest for review ({GUIDE})."
)


@dataclass(frozen=True)
class RenderedFile:
    tenant: str  # namespace/name
    file: str  # namespace-name.yaml
    content: str
    layout: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"tenant": self.tenant, "file": self.file, "content": self.content, "layout": list(self.layout)}


@dataclass
class Rendered:
    files: list[RenderedFile] = field(default_factory=list)
    # One message per invalid Tenant, naming where it was read; files is empty when there is any.
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _metadata(document: Any) -> Mapping[str, Any]:
    metadata = document.get("metadata") if isinstance(document, Mapping) else None
    return metadata if isinstance(metadata, Mapping) else {}


def _identity(document: Any) -> str:
    metadata = _metadata(document)
    return f"{metadata.get('namespace') or 'default'}/{metadata.get('name') or '<unnamed>'}"


def _comment(text: str) -> list[str]:
    """TEXT as comment lines of at most about 100 characters; `-e NAME=VALUE` stays on one line."""
    lines: list[str] = []
    for word in text.replace("-e ", "-e\u00a0").split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= 100:
            lines[-1] += " " + word
        else:
            lines.append("# " + word)
    return [line.replace("\u00a0", " ") for line in lines]


def namespace_warning(where: str, document: Any) -> str:
    name = _metadata(document).get("name") or "<unnamed>"
    return (
        f"{where}: Tenant {name} names no namespace, so it is rendered for the namespace default, and "
        "default is written into its objects (RUSTFS_VOLUMES: the DNS names by which its servers find each "
        "other): applied in another namespace (a kustomize namespace: overlay), the servers never find "
        "each other. Set the namespace at render time: metadata.namespace, or -e namespace=NS "
        f"({GUIDE})."
    )


def manifest_file(document: Mapping[str, Any], objects: list[Any], options: RenderOptions) -> RenderedFile:
    """The file of a valid Tenant and its OBJECTS (render_tenant's): comment lines (the erasure layout), then them."""
    tenant = parse_tenant(pruned_spec(drop_nulls(dict(document))), default_image=options.default_image)
    layout = tenant_layout(tenant).summary()
    header: list[str] = []
    if options.include_tenant:
        header += _comment(
            f"Rendered by rustfs.operator.render ({GUIDE}) for the namespace {tenant.namespace}, which is "
            "written into these objects (RUSTFS_VOLUMES): to deploy to another namespace, render again "
            "with -e namespace=NS; a kustomize namespace: overlay breaks the tenant."
        )
        header += _comment(CHILDREN_WARNING)
    header.append("# Erasure layout (docs/erasure-layout.md):")
    header += [f"# {line}" for line in layout]
    return RenderedFile(
        tenant=f"{tenant.namespace}/{tenant.name}",
        file=f"{tenant.namespace}-{tenant.name}.yaml",
        content="\n".join(header) + "\n" + to_manifest(objects),
        layout=layout,
    )


def render_files(
    documents: Sequence[Any], locations: Sequence[str] = (), options: RenderOptions | None = None
) -> Rendered:
    """The file of every Tenant of DOCUMENTS, or, when any is invalid, every field error of each invalid one.

    LOCATIONS (what tenant_load returns) name where each document was read, in the messages.
    """
    options = options or RenderOptions(owner_references=False)
    rendered = Rendered()
    results = [render_tenant(document, options) for document in documents]
    for index, (document, result) in enumerate(zip(documents, results, strict=True)):
        where = locations[index] if index < len(locations) else f"Tenant {index + 1}"
        if result.errors:
            lines = format_errors(result.errors).splitlines()
            rendered.errors.append(f"{where} (Tenant {_identity(document)}):\n" + "\n".join(f"  {x}" for x in lines))
        elif not _metadata(document).get("namespace"):
            rendered.warnings.append(namespace_warning(where, document))
    if rendered.errors:
        return Rendered(errors=rendered.errors)
    rendered.files = [
        manifest_file(document, result.objects, options) for document, result in zip(documents, results, strict=True)
    ]
    if rendered.files:
        rendered.warnings.append(CHILDREN_WARNING)
    return rendered
