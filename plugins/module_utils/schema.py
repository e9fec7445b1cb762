# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Checks a Tenant against the CRD's own OpenAPI schema.

Render mode and playbook runs against a Tenant that never went through the
API server would otherwise accept what the cluster later rejects. The schema
is the CRD's, generated into module_utils/tenant_schema.py (modules run from
a zip without the CRD file); a unit test keeps the two identical.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path
from typing import Any

try:
    import yaml
    from jsonschema import Draft4Validator, FormatChecker
    from jsonschema.exceptions import ValidationError

    LIBRARY_IMPORT_ERROR: ImportError | None = None
except ImportError as _import_error:  # pragma: no cover - the import sanity test runs without them
    LIBRARY_IMPORT_ERROR = _import_error

from ansible_collections.rustfs.operator.plugins.module_utils.errors import FieldError, field_error
from ansible_collections.rustfs.operator.plugins.module_utils.tenant_schema import OPENAPI_V3_SCHEMA

CRD_FILE = Path(__file__).resolve().parents[2] / "crds" / "tenants.rustfs.com.yaml"


def require_libraries() -> None:
    if LIBRARY_IMPORT_ERROR is not None:  # pragma: no cover - installed wherever tests run
        raise RuntimeError(
            f"rustfs.operator needs the Python libraries PyYAML and jsonschema on the Ansible controller "
            f"({LIBRARY_IMPORT_ERROR}): pip install -r requirements.txt of the collection"
        )


def load_crd(path: Path = CRD_FILE) -> dict[str, Any]:
    require_libraries()
    # libyaml's loader reads the CRD ~8x faster; every Ansible task starts a fresh process.
    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as handle:
        crd: dict[str, Any] = yaml.load(handle, Loader=loader)
    return crd


def tenant_schema() -> dict[str, Any]:
    return OPENAPI_V3_SCHEMA


def drop_nulls(value: Any) -> Any:
    """The API server prunes null fields of non-nullable schemas before validating; so do we."""
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value


def json_path(parts: Any) -> str:
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "<document>"


def _messages(error: ValidationError) -> list[tuple[str, str]]:
    """Messages naming the rule, never echoing the value (it may be a credential)."""
    field = json_path(error.absolute_path)
    rule = error.validator
    expected: Any = error.validator_value
    if rule == "required":
        # jsonschema reports each missing property as its own error, all carrying the whole list:
        # name every missing one here, and let the caller drop the repeats.
        instance: Any = error.instance
        missing = [name for name in expected if name not in instance]
        return [((f"{field}.{name}" if error.absolute_path else name), "is required") for name in missing]
    if rule == "enum":
        return [(field, f"must be one of: {', '.join(map(str, expected))}")]
    messages = {
        "type": f"must be of type {expected}",
        "minimum": f"must be at least {expected}",
        "maximum": f"must be at most {expected}",
        "minLength": f"must be at least {expected} characters long",
        "maxLength": f"must be at most {expected} characters long",
        "minItems": f"must have at least {expected} items",
        "maxItems": f"must have at most {expected} items",
        "pattern": f"must match the regular expression {expected}",
        "minProperties": f"must have at least {expected} entries",
        "maxProperties": f"must have at most {expected} entries",
        "format": f"must be a valid {expected} value",
        "anyOf": "must be an integer or a string",
    }
    return [(field, messages.get(str(rule), f"violates the schema rule {rule}"))]


def reason_for(field: str) -> str:
    return "InvalidPoolSpec" if field.startswith("spec.pools") else "InvalidSpec"


INTEGER_RANGES = {"int32": 2**31, "int64": 2**63}


def _integer_formats() -> FormatChecker:
    """The API server stores these as fixed-width integers and rejects what does not fit."""
    checker = FormatChecker(formats=())
    for name, limit in INTEGER_RANGES.items():
        checker.checks(name)(
            lambda value, limit=limit: not isinstance(value, int) or isinstance(value, bool) or -limit <= value < limit
        )
    return checker


@lru_cache(maxsize=1)
def tenant_validator() -> Draft4Validator:
    """Built once per process: the operator and long plays validate many times."""
    return Draft4Validator(tenant_schema(), format_checker=_integer_formats())


def _document_order(error: ValidationError) -> list[tuple[int, int | str]]:
    """Sort key that puts pools[2] before pools[10], as the user reads the document."""
    return [(0, part) if isinstance(part, int) else (1, str(part)) for part in error.absolute_path]


# The fields of ObjectMeta (k8s.io/apimachinery/pkg/apis/meta/v1): the CRD schema says only
# `metadata: {type: object}`, and the API server checks metadata against ObjectMeta itself.
OBJECT_META_FIELDS = frozenset(
    (
        "name",
        "generateName",
        "namespace",
        "selfLink",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "labels",
        "annotations",
        "ownerReferences",
        "finalizers",
        "managedFields",
    )
)


def _child(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def prune(value: Any, schema: dict[str, Any], dropped: list[str] | None = None, path: str = "") -> Any:
    """Drop the fields a structural schema does not declare, as the API server does on write.

    Without this, render mode would copy a mistyped or unknown field (say a pod
    `securityContext.privileged`) into the output, where the cluster path would
    never see it: both paths must produce the same objects. With DROPPED, the
    path of each field dropped is added to it (PATH is where VALUE stands).
    """
    if isinstance(value, dict):
        properties = schema.get("properties")
        additional = schema.get("additionalProperties")
        if properties is not None:
            keep_unknown = bool(schema.get("x-kubernetes-preserve-unknown-fields"))
            kept = {}
            for key, item in value.items():
                if key in properties:
                    kept[key] = prune(item, properties[key], dropped, _child(path, key) if dropped is not None else "")
                elif keep_unknown:
                    kept[key] = item
                elif dropped is not None:
                    dropped.append(_child(path, key))
            return kept
        if isinstance(additional, dict):
            return {
                key: prune(item, additional, dropped, _child(path, key) if dropped is not None else "")
                for key, item in value.items()
            }
        return value
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [
            prune(item, schema["items"], dropped, f"{path}[{index}]" if dropped is not None else "")
            for index, item in enumerate(value)
        ]
    return value


def pruned_spec(document: dict[str, Any]) -> dict[str, Any]:
    spec_schema = tenant_schema()["properties"]["spec"]
    return {**document, "spec": prune(document.get("spec"), spec_schema)}


def unknown_fields(document: Any) -> list[str]:
    """The path of every field of a Tenant the API server would drop (`spec.replicas`,
    `spec.pools[0].priorityClassname`, `metadata.lables`), in document order.

    What kubectl's field validation names (`--validate=warn` warns, `strict` refuses): the
    spec's fields this collection prunes too (prune), a top-level field the CRD does not
    declare and a metadata field ObjectMeta does not have. The status is not read: the
    API server ignores it on a write of the Tenant.
    """
    if not isinstance(document, dict):
        return []
    declared = tenant_schema()["properties"]
    found: list[str] = []
    for key, value in document.items():
        if key not in declared:
            found.append(str(key))
        elif key == "metadata" and isinstance(value, dict):
            found += [f"metadata.{name}" for name in value if name not in OBJECT_META_FIELDS]
        elif key == "spec":
            prune(value, declared["spec"], found, "spec")
    return found


def similar_field(path: str) -> str | None:
    """The declared field an unknown one at PATH most likely misspells (`priorityClassName` for
    `spec.pools[0].priorityClassname`, `labels` for `metadata.lables`), for a hint; None when none is close."""
    *parents, name = path.replace("]", "").replace("[", ".").split(".")
    schema = tenant_schema()
    for part in parents:
        if part.isdigit() and isinstance(schema.get("items"), dict):
            schema = schema["items"]
        elif part in schema.get("properties", {}):
            schema = schema["properties"][part]
        elif isinstance(schema.get("additionalProperties"), dict):
            schema = schema["additionalProperties"]
        else:
            return None
    names = sorted(OBJECT_META_FIELDS if parents == ["metadata"] else schema.get("properties", {}))
    same = [known for known in names if known.lower() == name.lower()]
    close = same or difflib.get_close_matches(name, names, n=1, cutoff=0.8)
    return close[0] if close else None


def schema_errors(document: Any) -> list[FieldError]:
    validator = tenant_validator()
    errors: list[FieldError] = []
    for error in sorted(validator.iter_errors(drop_nulls(document)), key=_document_order):
        for field, message in _messages(error):
            item = field_error(field, message, reason_for(field))
            if item not in errors:
                errors.append(item)
    return errors
