"""Structured JSON logs, one object per line on stderr.

Log collectors parse JSON without regexes; a fixed set of extra fields
(tenant, result, duration, ...) makes the logs queryable. Playbook output is
never logged: it goes to the run's artifacts only.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

# Extra attributes copied into the JSON object when a log call sets them.
FIELDS = (
    "tenant",
    "reason",
    "result",
    "duration",
    "changed",
    "generation",
    "identity",
    "category",
    "rc",
    "k8s_ref",
    "batch",
    "tenants",
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def setup(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Kopf is chatty at INFO about every handler; its warnings and errors stay.
    logging.getLogger("kopf").setLevel(max(logging.WARNING, root.level))
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
