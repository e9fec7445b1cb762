# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Tenant manifests read as data: bounded, never expanded past a limit, never templated.

A Tenant file may come from anyone who can write to a Git repository or a
namespace, so it is parsed under limits that a hostile document cannot get
past: a size cap before parsing, a nesting cap while the parser streams events
(PyYAML's composer recurses), and a cap on the size of the document once its
aliases are expanded (a "billion laughs" is small on disk and huge in memory).
Scalars keep the meaning the Kubernetes API gives them: a timestamp-looking
value stays a string, as `kubectl apply` sends it. A `kind: List` (what
`kubectl get -o yaml` prints for several objects) stands for its items, as
`kubectl apply -f` reads it. Every message names where: `PATH:LINE:COLUMN:`
for a YAML error, `PATH:LINE: document N` for a document (lines and documents
counted from 1; JSON has no lines).

Pure: no Ansible import. The action plugin `tenant_load` marks the result as
data Ansible must not template.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.rustfs.operator.plugins.module_utils.schema import similar_field, unknown_fields

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
                    raise ManifestError(f"{_at(source, event.start_mark)}: nested deeper than {MAX_DEPTH} levels")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > MAX_DOCUMENTS:
                    raise ManifestError(f"{source}: more than {MAX_DOCUMENTS} YAML documents")
    except yaml.YAMLError as error:
        raise ManifestError(_yaml_problem(error, text, source)) from None


def _at(source: str, mark: Any) -> str:
    """`PATH:LINE:COLUMN`, as compilers and linters name a place (editors jump to it)."""
    return f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source


def _expanded_size(node: Any, sizes: dict[int, int], visiting: set[int], source: str) -> int:
    """Nodes the document would hold with every alias expanded, counted on the shared graph."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in visiting:
        raise ManifestError(f"{_at(source, node.start_mark)}: an alias refers to the node that contains it")
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


def _yaml_problem(error: Exception, text: str, source: str) -> str:
    """`PATH:LINE:COLUMN: what`, without PyYAML's "<unicode string>" and its context lines."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None)
    if mark is not None and problem:
        context = getattr(error, "context", None)
        return f"{_at(source, mark)}: not valid YAML: {problem}" + (f" ({context})" if context else "")
    position = getattr(error, "position", None)
    if isinstance(position, int):  # a reader error (a character YAML does not allow) has a position only
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        character = getattr(error, "character", None)
        what = f"unacceptable character #x{character:04x}" if isinstance(character, int) else "unacceptable character"
        reason = getattr(error, "reason", None)
        return f"{source}:{line}:{column}: not valid YAML: {what}" + (f": {reason}" if reason else "")
    return f"{source}: not valid YAML: " + " ".join(str(error).replace('"<unicode string>"', source).split())


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


def _parsed(text: str | bytes, source: str) -> Iterator[tuple[Any, Any]]:
    """Every document of TEXT with its YAML node (None for JSON), refused whole when it passes a limit."""
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
        yield from ((document, None) for document in as_json)
        return
    loader_class = _loader_class()
    _check_events(text, source, loader_class)
    loader = loader_class(text)
    try:
        sizes: dict[int, int] = {}
        while loader.check_node():
            node = loader.get_node()
            _expanded_size(node, sizes, set(), source)
            yield loader.construct_document(node), node
    except yaml.YAMLError as error:
        raise ManifestError(_yaml_problem(error, text, source)) from None
    finally:
        loader.dispose()


def load_documents(text: str | bytes, source: str = "the manifest") -> Iterator[Any]:
    """Every document of TEXT, as written (a `kind: List` is one document), refused whole (ManifestError)
    when it passes a limit."""
    for document, _node in _parsed(text, source):
        yield document


@dataclass(frozen=True)
class Located:
    """A document and where it was read, to name in every message about it."""

    document: Any
    source: str
    # The document's place in its file (or in the list a variable holds), from 1.
    number: int
    # Its first line, from 1; None when unknown (JSON).
    line: int | None = None
    # Within a `kind: List`: `items[3]` (`items[0].items[2]` for a List inside a List).
    item: str = ""

    @property
    def where(self) -> str:
        """`tenants.yaml:14: document 2`, `tenants.yaml:9: document 1, items[3]`, `the variable t: document 1`."""
        place = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{place}: document {self.number}" + (f", {self.item}" if self.item else "")


def is_list(document: Any) -> bool:
    """A `kind: List` (or `TenantList`, ...): what `kubectl get -o yaml` prints for several objects."""
    kind = document.get("kind") if isinstance(document, Mapping) else None
    return isinstance(kind, str) and kind.endswith("List") and isinstance(document.get("items"), list)


def _item_nodes(node: Any) -> list[Any]:
    """The nodes of a List document's `items`, for their lines (the last `items` key wins, as in the document)."""
    found: list[Any] = []
    if yaml is not None and isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "items" and isinstance(value, yaml.SequenceNode):
                found = list(value.value)
    return found


def _flatten(located: Located, node: Any, into: list[Located]) -> None:
    """LOCATED, or the items of a List, in order (a List inside a List too), each with its own line."""
    if not is_list(located.document):
        into.append(located)
        if len(into) > MAX_DOCUMENTS:
            raise ManifestError(f"{located.source}: more than {MAX_DOCUMENTS} documents (the items of Lists included)")
        return
    nodes = _item_nodes(node)
    for index, item in enumerate(located.document["items"]):
        item_node = nodes[index] if index < len(nodes) else None
        _flatten(
            Located(
                document=item,
                source=located.source,
                number=located.number,
                line=item_node.start_mark.line + 1 if item_node is not None else located.line,
                item=f"{located.item}.items[{index}]" if located.item else f"items[{index}]",
            ),
            item_node,
            into,
        )


def load_located(text: str | bytes, source: str = "the manifest") -> list[Located]:
    """Every document of TEXT with where it stands; a List's items stand for the List."""
    found: list[Located] = []
    for number, (document, node) in enumerate(_parsed(text, source), start=1):
        line = node.start_mark.line + 1 if node is not None else None
        _flatten(Located(document, source, number, line), node, found)
    return found


def locate(documents: list[Any], source: str) -> list[Located]:
    """Documents already parsed (a variable's value), numbered from 1; a List's items stand for the List."""
    found: list[Located] = []
    for number, document in enumerate(documents, start=1):
        _flatten(Located(document, source, number), None, found)
    return found


def is_tenant(document: Any) -> bool:
    return isinstance(document, Mapping) and document.get("kind") == "Tenant"


def located_tenants(text: str | bytes, source: str = "the manifest") -> list[Located]:
    """The Tenant documents of TEXT (of its Lists too), in order, with where each stands."""
    return [located for located in load_located(text, source) if is_tenant(located.document)]


def _name(document: Mapping[str, Any]) -> str:
    metadata = document.get("metadata")
    return str(metadata.get("name") or "<unnamed>") if isinstance(metadata, Mapping) else "<unnamed>"


def set_namespace(located: Located, namespace: str) -> None:
    """Give NAMESPACE to a Tenant that names none; refuse one that names another, as `kubectl -n` does.

    The namespace is written into a tenant's objects (RUSTFS_VOLUMES holds its peers' DNS names), so
    a Tenant written for one namespace is never moved to another in silence.
    """
    document = located.document
    if not isinstance(document, dict):
        return  # validation names it
    if document.get("metadata") is None:
        document["metadata"] = {}
    metadata = document["metadata"]
    if not isinstance(metadata, dict):
        return
    written = metadata.get("namespace")
    if not written:
        metadata["namespace"] = namespace
    elif written != namespace:
        raise ManifestError(
            f"{located.where}: Tenant {_name(document)} is in the namespace {written}, not {namespace}: "
            f"give namespace={written}, or remove metadata.namespace from the file to use it in any namespace"
        )


def unknown_field_messages(located: Located) -> list[str]:
    """One line per field of a Tenant the API server would drop, named as kubectl's field validation
    names it, with the declared field it most likely misspells."""
    if not is_tenant(located.document):
        return []
    messages = []
    for path in unknown_fields(located.document):
        near = similar_field(path)
        hint = f" (did you mean {near}?)" if near else ""
        messages.append(f'{located.where}: Tenant {_name(located.document)}: unknown field "{path}"{hint}')
    return messages


def load_tenants(text: str | bytes, source: str = "the manifest") -> list[dict[str, Any]]:
    """The Tenant documents of TEXT, in order; other kinds (a Namespace, a Secret) are left out."""
    return [located.document for located in located_tenants(text, source)]
