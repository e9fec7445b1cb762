# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""How a filter of this collection reports a bad argument.

The engine raises ValueError or TypeError for input it refuses, with a message
that names the argument and the rule; Ansible shows an AnsibleFilterError's
message as the task's failure, without a traceback. Every filter needs that
translation, and the certificate filters also need the cryptography library,
so both live here once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from ansible.errors import AnsibleFilterError

from ansible_collections.rustfs.operator.plugins.module_utils import certificates as certs

Result = TypeVar("Result")


def user_errors(function: Callable[..., Result]) -> Callable[..., Result]:
    """FUNCTION as a filter: its ValueError or TypeError is the user's error, shown as the task's failure."""

    @functools.wraps(function)
    def filter_function(*args: Any, **kwargs: Any) -> Result:
        try:
            return function(*args, **kwargs)
        except (ValueError, TypeError) as error:
            raise AnsibleFilterError(str(error)) from None

    return filter_function


def certificate_filter(function: Callable[..., Result]) -> Callable[..., Result]:
    """A filter over certificates: fails clearly without cryptography, and with the user's errors as above."""

    @functools.wraps(function)
    def needs_cryptography(*args: Any, **kwargs: Any) -> Result:
        certs.require_cryptography()
        return function(*args, **kwargs)

    return user_errors(needs_cryptography)


def required(value: Any, name: str) -> Any:
    """VALUE, which a filter's keyword argument NAME must be given."""
    if value is None:
        raise ValueError(f"{name} is required")
    return value
