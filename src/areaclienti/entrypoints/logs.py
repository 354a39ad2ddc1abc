"""Log lines of every process (web, worker, CLI): JSON lines in production, text in development.

Each line carries the current request id (``app.tracing``): in the web process the request's own, in the
worker the id of the request that started the task being run. Fields given as ``extra={"fields": {...}}``
become keys of the JSON object (the request log's method, path, status, duration).
"""
from __future__ import annotations

import json
import logging
import logging.config
from datetime import datetime, timezone
from typing import Any

from areaclienti.app.tracing import current_request_id

FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s%(request_id_suffix)s"


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (``record.request_id``, None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        record.request_id_suffix = f" [{record.request_id}]" if record.request_id else ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, request_id, the record's fields and,
    for an exception, its traceback as one string (so a line is always one record)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            line["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


def log_format(development: bool, environ: dict[str, str]) -> str:
    """``AREACLIENTI_LOG_FORMAT`` (json or text); by default json outside development, text in it."""
    chosen = environ.get("AREACLIENTI_LOG_FORMAT") or ("text" if development else "json")
    if chosen not in FORMATS:
        raise SystemExit(f"AREACLIENTI_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {chosen!r}")
    return chosen


def logging_config(fmt: str, *, level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dictionary: the root logger and gunicorn's error log to stderr in
    ``fmt``. gunicorn takes it as ``logconfig_dict``; its access log stays off (the app logs requests)."""
    formatter = {"()": JsonFormatter} if fmt == "json" else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"areaclienti": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                                "formatter": "areaclienti", "filters": ["request_id"]}},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }


def configure_logging(fmt: str, *, level: str = "INFO") -> None:
    logging.config.dictConfig(logging_config(fmt, level=level))
