# Copyright: rustfs.operator contributors
# Apache License 2.0 (see LICENSE)
"""Field errors: the one shape in which every mode reports bad input.

Playbooks print them, the operator turns them into conditions and events, and
render mode fails with them; so they carry the field path, a sentence for a
human and the status reason of the Tenant API.
"""

from __future__ import annotations

from typing import TypedDict


class FieldError(TypedDict):
    field: str
    message: str
    reason: str


def field_error(field: str, message: str, reason: str) -> FieldError:
    return {"field": field, "message": message, "reason": reason}


def format_errors(errors: list[FieldError]) -> str:
    """One line per error, the way a user reads them in a failed task."""
    return "\n".join(f"{e['field']}: {e['message']} ({e['reason']})" for e in errors)


class TenantInvalidError(ValueError):
    """Raised only by callers that need an exception (filters); carries the list."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(format_errors(errors))
        self.errors = errors


class ModuleFailure(Exception):
    """A task that fails with a message and the result so far, from a module or its action plugin alike."""

    def __init__(self, msg: str, **result: object) -> None:
        super().__init__(msg)
        self.result = result
