#!/usr/bin/env python3
"""Generate the Tenant CRD (crds/tenants.rustfs.com.yaml) from hack/crd/tenant-schema.yaml.

Why a generator: the Tenant spec embeds many core Kubernetes types (Affinity, EnvVar, Lifecycle,
PersistentVolumeClaimSpec, SecurityContext, ...). Typing them by hand would be large and would drift
from Kubernetes; leaving them untyped (x-kubernetes-preserve-unknown-fields) would let the API server
accept anything and prune nothing. So our own fields are written by hand in the source file, core
types are referenced with ``$ref: io.k8s.api.core.v1.<Type>``, and this script inlines them from the
Kubernetes OpenAPI v3 document that ships in the ``k8s.io/kubernetes`` Go module (the same module the
local test control plane is built from, so no extra download is needed there).

The output must be a *structural* schema, which the API server requires before it accepts a CRD:

* no ``$ref`` anywhere: every reference is inlined (the source's own ``#/definitions/...`` too);
* every node has a ``type``, except int-or-string nodes (IntOrString and Quantity become
  ``x-kubernetes-int-or-string: true`` plus ``anyOf: [{type: integer}, {type: string}]``) and
  ``x-kubernetes-preserve-unknown-fields`` nodes;
* no ``description``/``default``/``type`` inside ``anyOf``/``allOf`` and no keywords the
  apiextensions API does not know (``x-kubernetes-unions``, patch-strategy hints, ...).

Core-type descriptions and defaults are dropped: descriptions would triple the size of the file (and
of every client-side apply annotation), and defaults such as ``name: ""`` would make the API server
store fields the user never wrote. Our own descriptions and defaults are kept.

The output is deterministic (sorted keys, no line folding, same PyYAML release as ``make setup``),
so ``--check`` can compare it byte for byte with the committed file; CI runs that check through
``tests/unit/test_crd.py``.

Usage::

    python hack/gen_crd.py            # regenerate crds/tenants.rustfs.com.yaml (and the Helm chart's copy)
    python hack/gen_crd.py --check    # exit 1 when the committed file is stale
    python hack/gen_crd.py --fetch    # first run `go mod download` if the spec is missing

Exit codes: 0 success, 1 stale output (``--check``), 2 cannot generate (missing input, bad source).
"""

from __future__ import annotations

import argparse
import copy
import difflib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

Schema = dict[str, Any]

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "hack" / "crd" / "tenant-schema.yaml"
OUTPUT = REPO / "crds" / "tenants.rustfs.com.yaml"
#: The Helm chart ships the same file, written with it (tests/unit/test_helm_chart.py compares them).
CHART_COPY = REPO / "charts" / "rustfs-operator" / "crds" / OUTPUT.name

#: Where ``k8s.io/kubernetes`` keeps the OpenAPI v3 document of the core group, inside its module dir.
OPENAPI_IN_MODULE = Path("api") / "openapi-spec" / "v3" / "api__v1_openapi.json"

LOCAL_REF = "#/definitions/"
CORE_REF = "io.k8s."
OPENAPI_REF = "#/components/schemas/"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"

#: The textual form of a resource.Quantity, so that "10GB" is refused when the Tenant is applied and
#: not later, when the StatefulSet is. Only strings are checked; integers are always valid quantities.
QUANTITY_PATTERN = (
    r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))"
    r"(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"
)

#: Every keyword of apiextensions.k8s.io/v1 JSONSchemaProps (plus ``$ref``, which we resolve). A key
#: outside this set in the source is a typo that the API server would reject or silently ignore.
SCHEMA_KEYWORDS = frozenset(
    {
        "$ref",
        "$schema",
        "id",
        "description",
        "type",
        "format",
        "title",
        "default",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "pattern",
        "maxItems",
        "minItems",
        "uniqueItems",
        "multipleOf",
        "enum",
        "maxProperties",
        "minProperties",
        "required",
        "items",
        "allOf",
        "oneOf",
        "anyOf",
        "not",
        "properties",
        "additionalProperties",
        "patternProperties",
        "dependencies",
        "additionalItems",
        "definitions",
        "externalDocs",
        "example",
        "nullable",
        "x-kubernetes-preserve-unknown-fields",
        "x-kubernetes-embedded-resource",
        "x-kubernetes-int-or-string",
        "x-kubernetes-list-map-keys",
        "x-kubernetes-list-type",
        "x-kubernetes-map-type",
        "x-kubernetes-validations",
    }
)

#: Keywords of the core OpenAPI document that are copied into the CRD.
CORE_KEEP = frozenset(
    {
        "type",
        "format",
        "properties",
        "required",
        "items",
        "additionalProperties",
        "enum",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "pattern",
        "minItems",
        "maxItems",
        "x-kubernetes-list-type",
        "x-kubernetes-list-map-keys",
        "x-kubernetes-map-type",
        "x-kubernetes-preserve-unknown-fields",
        "x-kubernetes-embedded-resource",
    }
)
#: Keywords of the core OpenAPI document that are dropped on purpose (see the module docstring).
#: Anything in neither set stops the generator, so a new Kubernetes release cannot slip in a keyword
#: we never looked at.
CORE_DROP = frozenset(
    {
        "description",
        "default",
        "example",
        "externalDocs",
        "x-kubernetes-unions",
        "x-kubernetes-patch-strategy",
        "x-kubernetes-patch-merge-key",
    }
)

SCALAR_TYPES = frozenset({"string", "integer", "number", "boolean"})


class GenError(Exception):
    """A problem in the inputs that makes generation impossible; reported without a traceback."""


# --------------------------------------------------------------------------- locating the inputs


def go_mod_cache() -> Path:
    """Return the Go module cache directory.

    ``go env GOMODCACHE`` is authoritative (it honours GOMODCACHE, GOPATH and go.env); without a Go
    toolchain we fall back to the same variables and Go's default, so that a copied cache still works.
    """
    go = shutil.which("go")
    if go:
        result = subprocess.run([go, "env", "GOMODCACHE"], capture_output=True, text=True, check=False)
        if result.returncode == 0 and result.stdout.strip():
            return Path(result.stdout.strip())
    if os.environ.get("GOMODCACHE"):
        return Path(os.environ["GOMODCACHE"])
    gopath = os.environ.get("GOPATH", "").split(os.pathsep)[0] or str(Path.home() / "go")
    return Path(gopath) / "pkg" / "mod"


def default_openapi_path(k8s_version: str) -> Path:
    """Path of the core OpenAPI v3 document inside the k8s.io/kubernetes module of *k8s_version*."""
    return go_mod_cache() / f"k8s.io/kubernetes@v{k8s_version}" / OPENAPI_IN_MODULE


def download_hint(k8s_version: str) -> str:
    """The one command that puts the missing OpenAPI document in place."""
    return f"go mod download k8s.io/kubernetes@v{k8s_version}"


def fetch_module(k8s_version: str) -> None:
    """Run ``go mod download`` for k8s.io/kubernetes (only on ``--fetch``: it needs the module proxy)."""
    go = shutil.which("go")
    if not go:
        raise GenError("--fetch needs the Go toolchain on PATH")
    cmd = [go, "mod", "download", f"k8s.io/kubernetes@v{k8s_version}"]
    print("running:", " ".join(cmd), file=sys.stderr)
    # Run outside any module so that a go.mod in the working directory cannot interfere.
    result = subprocess.run(cmd, cwd=Path.home(), check=False)
    if result.returncode != 0:
        raise GenError(f"`{' '.join(cmd)}` failed with exit code {result.returncode}")


def load_core_schemas(path: Path, k8s_version: str) -> dict[str, Schema]:
    """Load ``components.schemas`` of the core OpenAPI document, or explain how to get it."""
    if not path.is_file():
        raise GenError(
            f"Kubernetes OpenAPI spec not found: {path}\n"
            f"  The core types of the Tenant CRD are read from the k8s.io/kubernetes v{k8s_version} module.\n"
            f"  Fetch it with:   {download_hint(k8s_version)}\n"
            f"  (or run this script with --fetch, or pass --openapi PATH to a copy of {OPENAPI_IN_MODULE})"
        )
    with path.open(encoding="utf-8") as handle:
        document = json.load(handle)
    schemas = document.get("components", {}).get("schemas")
    if not isinstance(schemas, dict):
        raise GenError(f"{path}: no components.schemas; is this an OpenAPI v3 document?")
    return schemas


def load_source(path: Path) -> Schema:
    """Load the hand-written source and check its three top-level keys."""
    with path.open(encoding="utf-8") as handle:
        source = yaml.safe_load(handle)
    if not isinstance(source, dict):
        raise GenError(f"{path}: expected a mapping")
    for key in ("kubernetesVersion", "crd", "definitions"):
        if key not in source:
            raise GenError(f"{path}: missing top-level key {key!r}")
    if set(source) - {"kubernetesVersion", "crd", "definitions"}:
        raise GenError(
            f"{path}: unknown top-level keys {sorted(set(source) - {'kubernetesVersion', 'crd', 'definitions'})}"
        )
    return source


# --------------------------------------------------------------------------- resolving references


class Resolver:
    """Inline ``$ref``s of the source (local definitions and core types) into one structural schema."""

    def __init__(self, definitions: dict[str, Schema], core: dict[str, Schema]) -> None:
        self.definitions = definitions
        self.core = core
        self._stack: list[str] = []

    # -- our own schema ---------------------------------------------------------------------------

    def resolve(self, node: Schema, path: str) -> Schema:
        """Resolve a node of the hand-written source.

        Keys next to a ``$ref`` are laid over the referenced schema, so a field can reuse a type and
        still say what it means in this place (its description, extra validation rules).
        """
        if not isinstance(node, dict):
            raise GenError(f"{path}: a schema must be a mapping, got {type(node).__name__}")
        unknown = set(node) - SCHEMA_KEYWORDS
        if unknown:
            raise GenError(f"{path}: unknown schema keyword(s) {sorted(unknown)}")
        if "$ref" in node:
            ref = node["$ref"]
            base = self._resolve_ref(ref, path)
            overlay = {k: v for k, v in node.items() if k != "$ref"}
            return merge_overlay(base, self._resolve_children(overlay, path))
        return self._resolve_children(node, path)

    def _resolve_children(self, node: Schema, path: str) -> Schema:
        out: Schema = {}
        for key, value in node.items():
            if key == "properties":
                out[key] = {name: self.resolve(sub, f"{path}.{name}") for name, sub in value.items()}
            elif key == "items":
                out[key] = self.resolve(value, f"{path}[]")
            elif key == "additionalProperties" and isinstance(value, dict):
                out[key] = self.resolve(value, f"{path}{{}}")
            elif key in ("allOf", "anyOf", "oneOf"):
                out[key] = [self.resolve(sub, f"{path}/{key}") for sub in value]
            else:
                out[key] = copy.deepcopy(value)
        return out

    def _resolve_ref(self, ref: Any, path: str) -> Schema:
        if not isinstance(ref, str):
            raise GenError(f"{path}: $ref must be a string")
        if ref in self._stack:
            raise GenError(
                f"{path}: recursive $ref {' -> '.join([*self._stack, ref])}; CRDs cannot express recursion"
            )
        self._stack.append(ref)
        try:
            if ref.startswith(LOCAL_REF):
                name = ref[len(LOCAL_REF) :]
                if name not in self.definitions:
                    raise GenError(f"{path}: unknown definition {ref!r}")
                return self.resolve(self.definitions[name], f"{path}<{name}>")
            if ref.startswith(CORE_REF):
                return self.core_type(ref, path)
            raise GenError(f"{path}: $ref {ref!r} is neither '{LOCAL_REF}<Name>' nor 'io.k8s.<...>'")
        finally:
            self._stack.pop()

    # -- core types -------------------------------------------------------------------------------

    def core_type(self, name: str, path: str) -> Schema:
        """Schema of a core type by its OpenAPI name, converted to the structural CRD dialect."""
        if name in (INT_OR_STRING, QUANTITY):
            node: Schema = {
                "anyOf": [{"type": "integer"}, {"type": "string"}],
                "x-kubernetes-int-or-string": True,
            }
            if name == QUANTITY:
                node["pattern"] = QUANTITY_PATTERN
            return node
        if name not in self.core:
            raise GenError(f"{path}: core type {name!r} is not in the Kubernetes OpenAPI document")
        return self._core_node(self.core[name], f"{path}<{name.rsplit('.', 1)[-1]}>")

    def _core_node(self, node: Schema, path: str) -> Schema:
        node = dict(node)
        # The OpenAPI v3 document wraps references as `allOf: [{$ref}]` to give them siblings.
        if "allOf" in node:
            parts = node.pop("allOf")
            if len(parts) != 1 or set(parts[0]) != {"$ref"}:
                raise GenError(f"{path}: unsupported allOf in a core type: {parts!r}")
            node["$ref"] = parts[0]["$ref"]
        if "$ref" in node:
            ref = node.pop("$ref")
            if not ref.startswith(OPENAPI_REF):
                raise GenError(f"{path}: unsupported $ref {ref!r} in a core type")
            target = ref[len(OPENAPI_REF) :]
            if target in self._stack:
                raise GenError(f"{path}: recursive core type {target}; CRDs cannot express recursion")
            self._stack.append(target)
            try:
                base = self.core_type(target, path)
            finally:
                self._stack.pop()
            siblings = self._core_node(node, path) if set(node) - CORE_DROP else {}
            return merge_overlay(base, siblings)
        unknown = set(node) - CORE_KEEP - CORE_DROP
        if unknown:
            raise GenError(
                f"{path}: core schema keyword(s) {sorted(unknown)} not handled by gen_crd.py; "
                "decide whether to keep or drop them (CORE_KEEP / CORE_DROP)"
            )
        out: Schema = {}
        for key, value in node.items():
            if key in CORE_DROP:
                continue
            if key == "properties":
                out[key] = {name: self._core_node(sub, f"{path}.{name}") for name, sub in value.items()}
            elif key == "items":
                out[key] = self._core_node(value, f"{path}[]")
            elif key == "additionalProperties" and isinstance(value, dict):
                out[key] = self._core_node(value, f"{path}{{}}")
            elif key == "format" and value == "int-or-string":
                continue
            else:
                out[key] = copy.deepcopy(value)
        if out.get("x-kubernetes-list-type") == "map":
            self._keep_list_map_keys_valid(node, out, path)
        return out

    def _keep_list_map_keys_valid(self, raw: Schema, out: Schema, path: str) -> None:
        """Keep a core list-map valid after its defaults were dropped.

        The API server wants every list-map key to be required or defaulted. Where a key relied on a
        default, that one default is restored; a key with neither turns the list atomic (still correct,
        only coarser for server-side apply).
        """
        items = out.get("items", {})
        keys = out.get("x-kubernetes-list-map-keys") or []
        raw_items = self._raw_target(raw.get("items", {}))
        for key in keys:
            if key in items.get("required", []):
                continue
            raw_prop = self._raw_target(raw_items.get("properties", {}).get(key, {}))
            if "default" in raw_prop and key in items.get("properties", {}):
                items["properties"][key]["default"] = copy.deepcopy(raw_prop["default"])
                continue
            print(
                f"warning: {path}: list-map key {key!r} is neither required nor defaulted; using atomic",
                file=sys.stderr,
            )
            out["x-kubernetes-list-type"] = "atomic"
            out.pop("x-kubernetes-list-map-keys", None)
            return

    def _raw_target(self, node: Schema) -> Schema:
        """The raw core schema a node points at (one level of allOf/$ref), for reading defaults."""
        if "allOf" in node and len(node["allOf"]) == 1:
            node = {**node, **node["allOf"][0]}
        ref = node.get("$ref", "")
        if isinstance(ref, str) and ref.startswith(OPENAPI_REF):
            return {
                **self.core.get(ref[len(OPENAPI_REF) :], {}),
                **{k: v for k, v in node.items() if k not in ("$ref", "allOf")},
            }
        return node


def merge_overlay(base: Schema, overlay: Schema) -> Schema:
    """Lay *overlay* (keys written next to a ``$ref``) over the referenced schema *base*.

    Validation rules add up (both must hold); every other key of the overlay replaces the base's.
    """
    out = copy.deepcopy(base)
    for key, value in overlay.items():
        if key == "x-kubernetes-validations":
            out[key] = [*out.get(key, []), *copy.deepcopy(value)]
        else:
            out[key] = copy.deepcopy(value)
    return out


# --------------------------------------------------------------------------- structural checks


def walk(node: Schema, path: str = "") -> Iterator[tuple[str, Schema]]:
    """Yield ``(path, node)`` for every schema node: properties, items and map values."""
    yield path, node
    for name, sub in node.get("properties", {}).items():
        yield from walk(sub, f"{path}.{name}")
    if isinstance(node.get("items"), dict):
        yield from walk(node["items"], f"{path}[]")
    if isinstance(node.get("additionalProperties"), dict):
        yield from walk(node["additionalProperties"], f"{path}{{}}")


def structural_problems(root: Schema) -> list[str]:
    """List the reasons the API server would refuse *root* as a structural schema (empty when fine).

    This is the subset of apiextensions validation that our generator can get wrong; the unit tests
    repeat the walk independently and the integration test applies the CRD to a real API server.
    """
    problems: list[str] = []
    for path, node in walk(root):
        where = path or "<root>"
        if "$ref" in node:
            problems.append(f"{where}: $ref left in the output")
        int_or_string = node.get("x-kubernetes-int-or-string") is True
        preserve = node.get("x-kubernetes-preserve-unknown-fields") is True
        if "type" not in node and not int_or_string and not preserve:
            problems.append(f"{where}: no type")
        for key in ("allOf", "oneOf", "not"):
            if key in node:
                problems.append(f"{where}: {key} is not used by this CRD")
        if "anyOf" in node and not (
            int_or_string and node["anyOf"] == [{"type": "integer"}, {"type": "string"}]
        ):
            problems.append(f"{where}: anyOf other than the int-or-string form")
        if "properties" in node and "additionalProperties" in node:
            problems.append(f"{where}: properties and additionalProperties together")
        list_type = node.get("x-kubernetes-list-type")
        if list_type is not None:
            if node.get("type") != "array":
                problems.append(f"{where}: x-kubernetes-list-type on a non-array")
            items = node.get("items", {})
            if list_type == "map":
                keys = node.get("x-kubernetes-list-map-keys") or []
                if not keys or items.get("type") != "object":
                    problems.append(f"{where}: list-map needs object items and keys")
                for key in keys:
                    prop = items.get("properties", {}).get(key)
                    if prop is None or prop.get("type") not in SCALAR_TYPES:
                        problems.append(f"{where}: list-map key {key!r} is not a scalar property")
                    elif key not in items.get("required", []) and "default" not in prop:
                        problems.append(f"{where}: list-map key {key!r} is neither required nor defaulted")
            elif list_type == "set":
                if items.get("type") not in SCALAR_TYPES:
                    problems.append(f"{where}: list-type set needs scalar items")
            elif list_type != "atomic":
                problems.append(f"{where}: unknown list-type {list_type!r}")
        elif "x-kubernetes-list-map-keys" in node:
            problems.append(f"{where}: list-map-keys without list-type map")
        map_type = node.get("x-kubernetes-map-type")
        if map_type is not None and (node.get("type") != "object" or map_type not in ("atomic", "granular")):
            problems.append(f"{where}: invalid x-kubernetes-map-type {map_type!r}")
        for rule in node.get("x-kubernetes-validations", []):
            if not rule.get("rule") or not rule.get("message"):
                problems.append(f"{where}: a validation rule needs rule and message")
    return problems


# --------------------------------------------------------------------------- generation


def build_crd(source: Schema, core: dict[str, Schema]) -> Schema:
    """Return the CRD object: the source's ``crd`` with every version's schema fully resolved."""
    resolver = Resolver(source["definitions"], core)
    crd: Schema = copy.deepcopy(source["crd"])
    for version in crd["spec"]["versions"]:
        schema = version["schema"]["openAPIV3Schema"]
        resolved = resolver.resolve(schema, f"{version['name']}")
        problems = structural_problems(resolved)
        if problems:
            raise GenError("the generated schema is not structural:\n  " + "\n  ".join(problems))
        version["schema"]["openAPIV3Schema"] = resolved
    return crd


def render(crd: Schema, k8s_version: str) -> str:
    """Serialise the CRD deterministically, with a header that says where it comes from."""
    header = (
        "# Generated by hack/gen_crd.py from hack/crd/tenant-schema.yaml and the core types of\n"
        f"# Kubernetes v{k8s_version}. DO NOT EDIT: change the source and run `python hack/gen_crd.py`.\n"
    )
    # A very wide line limit keeps every CEL rule and message on one line, so they can be grepped.
    body = yaml.safe_dump(crd, sort_keys=True, default_flow_style=False, width=1 << 16, allow_unicode=False)
    return header + body


def generate(source_path: Path, openapi_path: Path | None, fetch: bool) -> str:
    """Read the inputs and return the text of the CRD file."""
    source = load_source(source_path)
    k8s_version = str(source["kubernetesVersion"]).lstrip("v")
    path = openapi_path or default_openapi_path(k8s_version)
    if fetch and openapi_path is None and not path.is_file():
        fetch_module(k8s_version)
    core = load_core_schemas(path, k8s_version)
    return render(build_crd(source, core), k8s_version)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; see the module docstring for the options and exit codes."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail (exit 1) if the output file is stale")
    parser.add_argument(
        "--fetch",
        action="store_true",
        help="run `go mod download k8s.io/kubernetes@<version>` when the spec is missing",
    )
    parser.add_argument("--openapi", type=Path, help="core OpenAPI v3 document (default: Go module cache)")
    parser.add_argument("--source", type=Path, default=SOURCE, help="hand-written schema source")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="generated CRD file")
    args = parser.parse_args(argv)
    try:
        text = generate(args.source, args.openapi, args.fetch)
    except GenError as exc:
        print(f"gen_crd.py: error: {exc}", file=sys.stderr)
        return 2
    output: Path = args.output
    if args.check:
        current = output.read_text(encoding="utf-8") if output.is_file() else ""
        if current == text:
            print(f"{display(output)} is up to date")
            return 0
        diff = difflib.unified_diff(
            current.splitlines(), text.splitlines(), "committed", "generated", lineterm=""
        )
        shown = list(diff)
        print("\n".join(shown[:60]) + ("\n..." if len(shown) > 60 else ""), file=sys.stderr)
        print(
            f"gen_crd.py: {display(output)} is stale; run `python hack/gen_crd.py` and commit it",
            file=sys.stderr,
        )
        return 1
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"wrote {display(output)} ({len(text.encode())} bytes)")
    if output.resolve() == OUTPUT.resolve():
        CHART_COPY.write_text(text, encoding="utf-8")
        print(f"wrote {display(CHART_COPY)}")
    return 0


def display(path: Path) -> str:
    """Path relative to the repository when possible, for short messages."""
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
