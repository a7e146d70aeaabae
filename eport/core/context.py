"""The id of the request being handled, or of the request that queued the running task.

Set by eport.ops' request-id middleware and Celery signals, read by its log filter and by the
outbox, which keeps it with a task that waits for the broker so the task's log lines still name
the request that queued it. Nothing here imports models: the logging configuration imports it.
"""

from __future__ import annotations

import contextvars

# The Celery message header that carries it into a task.
MESSAGE_HEADER = "request_id"

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request (or of the request that queued the task) being handled, if any."""
    return request_id.get()
