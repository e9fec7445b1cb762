"""Kubernetes quantities as exact numbers (spec §8: storage sizes compare numerically)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ansible_collections.rustfs.operator.plugins.module_utils.quantity import parse_quantity

GI = 1024**3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", Decimal(0)),
        ("10", Decimal(10)),
        ("1Ki", Decimal(1024)),
        ("1Mi", Decimal(1048576)),
        ("1Gi", Decimal(1073741824)),
        ("10Gi", Decimal(10737418240)),
        ("1Ti", Decimal(1099511627776)),
        ("1Pi", Decimal(1125899906842624)),
        ("1Ei", Decimal(1152921504606846976)),
        ("1.5Gi", Decimal(1610612736)),
        (".5Gi", Decimal(536870912)),
        ("1.", Decimal(1)),
        ("5n", Decimal("0.000000005")),
        ("5u", Decimal("0.000005")),
        ("500m", Decimal("0.5")),
        ("1k", Decimal(1000)),
        ("1M", Decimal(1000000)),
        ("1G", Decimal(1000000000)),
        ("1T", Decimal(10**12)),
        ("1P", Decimal(10**15)),
        ("1E", Decimal(10**18)),  # a lone E is the exa suffix, not an exponent
        ("1e3", Decimal(1000)),
        ("1E3", Decimal(1000)),
        ("1e+3", Decimal(1000)),
        ("1e-3", Decimal("0.001")),
        ("12e6", Decimal(12000000)),
        ("+1Gi", Decimal(1073741824)),
        ("-1Gi", Decimal(-1073741824)),
    ],
)
def test_parses_every_suffix(text, expected):
    value = parse_quantity(text)
    assert isinstance(value, Decimal)
    assert value == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("1Gi", "1024Mi"),
        ("1.5Gi", "1536Mi"),
        ("1G", "1000M"),
        ("1Mi", "1024Ki"),
        ("1Ti", "1024Gi"),
        ("1k", "1e3"),
        ("1G", "1e9"),
        ("0.5Gi", "512Mi"),
        ("1000m", "1"),
        ("1Gi", 1073741824),
    ],
)
def test_numerically_equal_quantities_compare_equal(a, b):
    assert parse_quantity(a) == parse_quantity(b)


@pytest.mark.parametrize(("a", "b"), [("1Gi", "1G"), ("1Ki", "1k"), ("10Gi", "1Gi"), ("1Gi", "1025Mi"), ("1m", "1M")])
def test_different_quantities_compare_different(a, b):
    assert parse_quantity(a) != parse_quantity(b)


def test_exact_not_floating_point():
    # 0.1 + 0.2 == 0.3 holds only for exact decimals; binary floats would round.
    assert parse_quantity("0.1") + parse_quantity("0.2") == parse_quantity("0.3")
    assert parse_quantity("100m") * 3 == Decimal("0.3")
    # One byte more than 1Ei is still distinguishable.
    assert parse_quantity("1152921504606846977") - parse_quantity("1Ei") == 1


def test_numbers_are_accepted_as_they_are():
    assert parse_quantity(10) == Decimal(10)
    assert parse_quantity(1.5) == Decimal("1.5")
    assert parse_quantity(0) == Decimal(0)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "Gi",
        "1KB",
        "1K",  # kilo is lowercase k; uppercase K only exists as Ki
        "1ki",
        "1gi",
        "1 Gi",
        "1.5.5Gi",
        "1e",
        "1e+",
        "1Gi1",
        "--1",
        "0x10",
        "ten",
        "1GiB",
        "\u0661Gi",  # ARABIC-INDIC DIGIT ONE: Kubernetes accepts only ASCII digits
        "1e1000000",  # no finite exact value fits; must not escape as decimal.Overflow
        None,
        True,
        False,
        [],
        {},
    ],
)
def test_bad_input_raises_value_error(bad):
    with pytest.raises(ValueError, match="not a quantity"):
        parse_quantity(bad)
