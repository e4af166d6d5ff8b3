"""Logs as JSON lines (LOG_FORMAT=json), with a request id that follows the work into Celery tasks.

Each web request gets an id (the proxy's X-Request-ID when it sends a sane one, else a new one), returned in
the response's X-Request-ID header and put on every log line written while handling it. Tasks published
meanwhile (the outbox publishes after commit, still inside the request) carry it in a message header, and the
worker puts it on its log lines for that task, and passes it on to the tasks that one publishes. So
``grep <id>`` across web and worker logs tells the whole story of one submission.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import uuid
from contextvars import ContextVar

HEADER = "mmip_request_id"  # the Celery message header
_SANE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
_request_id: ContextVar[str] = ContextVar("mmip_request_id", default="")


def current() -> str:
    return _request_id.get()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.processName,
        }
        if request_id := _request_id.get():
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestIdMiddleware:
    """Give each request an id for the logs (first in MIDDLEWARE)."""

    def __init__(self, get_response):
        from django.core.signals import request_finished

        self.get_response = get_response
        # Kept until the response is closed: Django logs a 404 or 500 after the middleware has returned.
        request_finished.connect(_forget, weak=False, dispatch_uid="mmip-request-id")

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SANE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        _request_id.set(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


def _forget(**kwargs) -> None:
    _request_id.set("")


# --- Celery: carry the id in the message, restore it in the worker --------------------------------------------


def add_to_message(headers=None, **kwargs) -> None:
    """before_task_publish: put the current request id on the task's message."""
    request_id = _request_id.get()
    if request_id and headers is not None:
        headers.setdefault(HEADER, request_id)


_tokens: dict[str, object] = {}


def restore_in_task(task_id=None, task=None, **kwargs) -> None:
    """task_prerun: the task's log lines carry the id of the request that caused it."""
    request_id = getattr(task.request, HEADER, None) if task is not None else None
    if request_id and task_id:
        _tokens[task_id] = _request_id.set(request_id)


def clear_after_task(task_id=None, **kwargs) -> None:
    """task_postrun."""
    token = _tokens.pop(task_id, None)
    if token is not None:
        _request_id.reset(token)


def use_json_for_celery(logger=None, **kwargs) -> None:
    """after_setup_logger / after_setup_task_logger: Celery's own handlers write JSON too."""
    for handler in getattr(logger, "handlers", []):
        handler.setFormatter(JsonFormatter())
