"""A request id in every log line, from the request that caused it into the tasks it queued.

The middleware takes the client's ``X-Request-ID`` when it is a sane token, else makes one, keeps
it in a context variable for the request and returns it in the response. Celery carries it in the
message headers, so a task's log lines name the request that queued it.

Imported by the logging configuration, before apps are ready: nothing here imports models.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from eport.core.context import MESSAGE_HEADER
from eport.core.context import request_id as _request_id

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")

_task_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("task_id", default=None)
_task_name: contextvars.ContextVar[str | None] = contextvars.ContextVar("task_name", default=None)


def sane(value: str | None) -> str | None:
    """The value when it is a token we may log and echo (≤ 64 of [A-Za-z0-9._-]), else None."""
    if value and _SANE.fullmatch(value):
        return value
    return None


class RequestIdMiddleware:
    """Give every request an id: the client's X-Request-ID if sane, else a fresh uuid4 hex."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        current = sane(request.headers.get(HEADER)) or uuid.uuid4().hex
        request.request_id = current
        # Left set after the response: Django logs a 4xx/5xx after the middleware returns. The
        # next request overwrites it, and request_finished clears it.
        _request_id.set(current)
        response = self.get_response(request)
        response[HEADER] = current
        return response


class RequestIdFilter(logging.Filter):
    """Add ``request_id`` to every record, and ``task_id``/``task_name`` inside a Celery task."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        current_task = _task_id.get()
        if current_task and not hasattr(record, "task_id"):
            record.task_id = current_task
            record.task_name = _task_name.get()
        return True


def _clear_request(**kwargs) -> None:
    _request_id.set(None)


def _add_to_message(headers=None, **kwargs) -> None:
    current = _request_id.get()
    if current and headers is not None:
        headers.setdefault(MESSAGE_HEADER, current)


# What each running task replaced, restored when it ends: a task run eagerly (inside a request)
# gives the request its own id back.
_replaced: dict[str, list[contextvars.Token]] = {}


def _task_started(task_id=None, task=None, **kwargs) -> None:
    carried = sane(getattr(task.request, MESSAGE_HEADER, None)) if task is not None else None
    tokens = [
        _request_id.set(carried or _request_id.get()),
        _task_id.set(task_id),
        _task_name.set(getattr(task, "name", None)),
    ]
    if task_id:
        _replaced[task_id] = tokens


def _task_finished(task_id=None, **kwargs) -> None:
    for token in reversed(_replaced.pop(task_id, [])):
        try:
            token.var.reset(token)
        except ValueError:  # ended in another context than it started: nothing to restore
            token.var.set(None)


def connect_signals() -> None:
    """Wire the request id into Django's request cycle and Celery's publish and run signals."""
    from celery.signals import before_task_publish, task_postrun, task_prerun
    from django.core.signals import request_finished

    request_finished.connect(_clear_request, dispatch_uid="eport.ops.request_id")
    before_task_publish.connect(_add_to_message, dispatch_uid="eport.ops.request_id")
    task_prerun.connect(_task_started, dispatch_uid="eport.ops.request_id")
    task_postrun.connect(_task_finished, dispatch_uid="eport.ops.request_id")
