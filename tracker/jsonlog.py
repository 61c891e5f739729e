"""The security log's format: one JSON object a line (python-json-logger), so every value
is escaped and a line break in a username cannot forge a line. Kept apart from
tracker.security, which needs the apps loaded, because logging is configured first."""

import datetime as dt
import logging
from typing import Any

from pythonjsonlogger.json import JsonFormatter


class SecurityLogFormatter(JsonFormatter):
    """One JSON object a line: time (UTC), level, logger, then the event's fields."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        super().__init__("%(levelname)s %(name)s", **kwargs)

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        created = dt.datetime.fromtimestamp(record.created, tz=dt.UTC)
        log_data["time"] = created.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        super().add_fields(log_data, record, message_dict)
        if not isinstance(record.msg, dict):
            log_data["message"] = record.getMessage()
