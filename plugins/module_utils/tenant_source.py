# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Tenant manifests read as data: bounded, never expanded past a limit, never templated.

A Tenant file may come from anyone who can write to a Git repository or a
namespace, so it is parsed under limits that a hostile document cannot get
past: a size cap before parsing, a nesting cap while the parser streams events
(PyYAML's composer recurses), and a cap on the size of the document once its
aliases are expanded (a "billion laughs" is small on disk and huge in memory).
Scalars keep the meaning the Kubernetes API gives them: a timestamp-looking
value stays a string, as `kubectl apply` sends it.

Pure: no Ansible import. The action plugin `tenant_load` marks the result as
data Ansible must not template.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from typing import Any

try:
    import yaml
except ImportError:  # pragma: no cover - the import sanity test runs without it
    yaml = None  # type: ignore[assignment]

# Bigger than any Tenant anybody writes (the API server stores objects up to about 1.5 MiB in etcd).
MAX_BYTES = 1024 * 1024
# Containers inside containers; a Tenant needs about fifteen.
MAX_DEPTH = 64
# Scalars, sequences and mappings after aliases are expanded; the largest example has a few hundred.
MAX_NODES = 100_000
MAX_DOCUMENTS = 1000


class ManifestError(ValueError):
    """Why a manifest was refused, said so a user can fix the file."""


@functools.cache
def _loader_class() -> type:
    base = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader

    class TenantLoader(base):  # type: ignore[misc, valid-type]
        """Safe loading; timestamps stay strings, as the Kubernetes API reads them."""

    TenantLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    return TenantLoader


def _check_events(text: str, source: str, loader: type) -> None:
    """Streams the events (no recursion, no objects) to bound nesting and documents first."""
    depth = documents = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    line = event.start_mark.line + 1 if event.start_mark else "?"
                    raise ManifestError(f"{source}: line {line}: nested deeper than {MAX_DEPTH} levels")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > MAX_DOCUMENTS:
                    raise ManifestError(f"{source}: more than {MAX_DOCUMENTS} YAML documents")
    except yaml.YAMLError as error:
        raise ManifestError(f"{source}: not valid YAML: {_one_line(error)}") from None


def _expanded_size(node: Any, sizes: dict[int, int], visiting: set[int], source: str) -> int:
    """Nodes the document would hold with every alias expanded, counted on the shared graph."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in visiting:
        raise ManifestError(f"{source}: line {node.start_mark.line + 1}: an alias refers to the node that contains it")
    visiting.add(key)
    size = 1
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            size += _expanded_size(item, sizes, visiting, source)
            if size > MAX_NODES:
                break
    elif isinstance(node, yaml.MappingNode):
        for item_key, item_value in node.value:
            size += _expanded_size(item_key, sizes, visiting, source)
            size += _expanded_size(item_value, sizes, visiting, source)
            if size > MAX_NODES:
                break
    visiting.discard(key)
    sizes[key] = size
    if size > MAX_NODES:
        raise ManifestError(
            f"{source}: the document expands to more than {MAX_NODES} values through its aliases (*name); "
            "write the values out instead"
        )
    return size


def _one_line(error: Exception) -> str:
    """`line L, column C: what`, without PyYAML's "<unicode string>" and its context lines."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None)
    if mark is None or not problem:
        return " ".join(str(error).split())
    context = getattr(error, "context", None)
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}" + (f" ({context})" if context else "")


def _depth(value: Any) -> int:
    """Nesting of a parsed JSON value, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _json_documents(text: str, source: str) -> list[Any] | None:
    """JSON (what the operator writes, and `kubectl get -o json`): a document, or a list of them.

    Read as JSON rather than as YAML 1.1, which would mangle some of its
    escapes; None when TEXT is not JSON, so the YAML reader takes it.
    """
    if text.lstrip()[:1] not in ("{", "["):
        return None
    try:
        value = json.loads(text)
    except RecursionError:
        raise ManifestError(f"{source}: nested deeper than {MAX_DEPTH} levels") from None
    except ValueError:
        return None
    if _depth(value) > MAX_DEPTH + (1 if isinstance(value, list) else 0):
        raise ManifestError(f"{source}: nested deeper than {MAX_DEPTH} levels")
    documents = value if isinstance(value, list) else [value]
    if len(documents) > MAX_DOCUMENTS:
        raise ManifestError(f"{source}: more than {MAX_DOCUMENTS} documents")
    return documents


def load_documents(text: str | bytes, source: str = "the manifest") -> Iterator[Any]:
    """Every document of TEXT, refused whole (ManifestError) when it passes a limit."""
    if yaml is None:  # pragma: no cover - installed wherever tests run
        raise ManifestError("reading manifests needs the Python library PyYAML on the Ansible controller")
    size = len(text)
    if size > MAX_BYTES:
        raise ManifestError(f"{source}: {size} bytes, more than the {MAX_BYTES} a Tenant manifest may have")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ManifestError(f"{source}: not UTF-8 text (byte {error.start})") from None
    else:
        text = str(text)  # a str subclass (Ansible's tagged strings) would not reach libyaml's parser
    as_json = _json_documents(text, source)
    if as_json is not None:
        yield from as_json
        return
    loader_class = _loader_class()
    _check_events(text, source, loader_class)
    loader = loader_class(text)
    try:
        sizes: dict[int, int] = {}
        while loader.check_node():
            node = loader.get_node()
            _expanded_size(node, sizes, set(), source)
            yield loader.construct_document(node)
    except yaml.YAMLError as error:
        raise ManifestError(f"{source}: not valid YAML: {_one_line(error)}") from None
    finally:
        loader.dispose()


def is_tenant(document: Any) -> bool:
    return isinstance(document, Mapping) and document.get("kind") == "Tenant"


def load_tenants(text: str | bytes, source: str = "the manifest") -> list[dict[str, Any]]:
    """The Tenant documents of TEXT, in order; other kinds (a Namespace, a Secret) are left out."""
    return [document for document in load_documents(text, source) if is_tenant(document)]
