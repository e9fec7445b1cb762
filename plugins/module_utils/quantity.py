# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Kubernetes resource quantities as exact numbers.

Storage sizes must compare numerically (`1Gi` equals `1024Mi`); comparing the
strings would refuse harmless rewrites and miss real shrinks.
"""

from __future__ import annotations

import re
from decimal import Decimal

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}
# re.ASCII: Kubernetes takes only the digits 0-9 (Python's \d also matches other scripts' digits).
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$", re.ASCII)


def parse_quantity(value: object) -> Decimal:
    """Raise ValueError for anything Kubernetes would not accept as a quantity."""
    if isinstance(value, bool):
        raise ValueError(f"not a quantity: {value!r}")
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    match = _QUANTITY.match(str(value).strip())
    if not match:
        raise ValueError(f"not a quantity: {value!r}")
    number, suffix = match.group(1), match.group(2) or ""
    try:
        base = Decimal(number)
        if suffix in _BINARY:
            return base * _BINARY[suffix]
        if suffix[:1] in ("e", "E") and len(suffix) > 1:
            return base * (Decimal(10) ** int(suffix[1:]))
        return base * _DECIMAL[suffix]
    except ArithmeticError as error:  # an exponent too large for Decimal (decimal.Overflow)
        raise ValueError(f"not a quantity: {value!r}") from error
