"""errors.py: the one shape of a field error, and its text form."""

from __future__ import annotations

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils.errors import (
    TenantInvalidError,
    field_error,
    format_errors,
)


def test_field_error():
    assert field_error("spec.image", "is bad", "InvalidSpec") == {
        "field": "spec.image",
        "message": "is bad",
        "reason": "InvalidSpec",
    }


def test_format_errors_one_line_each():
    errors = [field_error("a", "m1", "R1"), field_error("b.c[0]", "m2", "R2")]
    assert format_errors(errors) == "a: m1 (R1)\nb.c[0]: m2 (R2)"
    assert format_errors([]) == ""


def test_tenant_invalid_error_carries_the_list():
    errors = [field_error("spec.pools[0].servers", "servers must be greater than 0", "InvalidPoolSpec")]
    with pytest.raises(
        ValueError, match=r"^spec\.pools\[0\]\.servers: servers must be greater than 0 \(InvalidPoolSpec\)$"
    ):
        raise TenantInvalidError(errors)
    assert TenantInvalidError(errors).errors == errors
