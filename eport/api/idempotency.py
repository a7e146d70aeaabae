"""``Idempotency-Key`` on POST: a retry gets the original response, never a second change.

How a key is claimed (PostgreSQL, READ COMMITTED), all inside the one transaction that also
makes the change:

1. ``pg_try_advisory_xact_lock(hash(caller, key))``. If another request holds it, that request
   is still running: answer 409 at once (with Retry-After) rather than hold a worker waiting.
2. Read the key's row. Because the lock is only released when its holder commits or rolls back,
   a row seen here is committed and complete: replay it, or answer 422 if this request differs.
3. Otherwise insert the row (``in_progress``; the unique constraint (caller, key) is the
   backstop), run the view, and store the response in the row (``complete``) before the commit.

So the change, its ledger entry and the stored response commit together or not at all; a crash
leaves no half state and the key free. Only successful (2xx) responses are stored: an error
changes nothing, so its transaction is rolled back and the key may be used again with a corrected
request. On SQLite, IMMEDIATE transactions already run writers one at a time, so step 1 is
skipped and the second request simply sees the first one's committed row.

A key is remembered for ``EPORT_IDEMPOTENCY_KEY_HOURS`` (24 by default). After that it is
forgotten, whether or not ``purge_expired()`` (the hourly ``api.purge_idempotency_keys`` task)
has deleted its row yet: the key may then name a new operation.
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .models import IdempotencyRecord
from .problems import ApiProblem

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
STORED_HEADERS = ("Location",)
PURGE_BATCH = 5000


def expiry_cutoff() -> datetime:
    """Keys created before this moment are forgotten."""
    return timezone.now() - timedelta(hours=settings.EPORT_IDEMPOTENCY_KEY_HOURS)


def purge_expired(batch: int = PURGE_BATCH) -> int:
    """Delete the records of forgotten keys, ``batch`` rows per transaction; how many went."""
    cutoff = expiry_cutoff()
    purged = 0
    while True:
        with transaction.atomic():
            ids = list(
                IdempotencyRecord.objects.filter(created_at__lt=cutoff)
                .order_by("created_at")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                return purged
            purged += IdempotencyRecord.objects.filter(pk__in=ids).delete()[0]


def _lock_id(caller_id: int, key: str) -> int:
    digest = hashlib.sha256(f"eport.api.idempotency\x00{caller_id}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _file_digest(upload) -> dict:
    sha = hashlib.sha256()
    for chunk in upload.chunks():
        sha.update(chunk)
    upload.seek(0)
    return {"name": upload.name, "size": upload.size, "sha256": sha.hexdigest()}


def request_fingerprint(request) -> str:
    """SHA-256 of method, path and the canonical body (files by their SHA-256)."""
    data = request.data  # may raise ParseError: a 400 before anything is claimed
    if hasattr(data, "getlist"):
        body = {
            "fields": {key: data.getlist(key) for key in sorted(data.keys())},
            "files": {
                key: [_file_digest(f) for f in request.FILES.getlist(key)]
                for key in sorted(request.FILES.keys())
            },
        }
    else:
        body = _jsonable(data)
    canonical = json.dumps(
        {"method": request.method, "path": request.get_full_path(), "body": body},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _checked_key(raw: str) -> str:
    key = raw.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not all(" " <= ch <= "~" for ch in key):
        raise ApiProblem(
            400,
            "malformed-request",
            _(
                "The %(header)s header must be 1 to %(most)s printable ASCII characters, "
                "e.g. a UUID you generate for each operation."
            )
            % {"header": HEADER, "most": MAX_KEY_LENGTH},
        )
    return key


def _replay(record: IdempotencyRecord) -> Response:
    headers = dict(record.response_headers or {})
    headers[REPLAYED_HEADER] = "true"
    return Response(record.response_body, status=record.response_status, headers=headers)


def _claim(*, caller, key: str, fingerprint: str) -> IdempotencyRecord | Response:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_lock_id(caller.pk, key)])
            (locked,) = cursor.fetchone()
        if not locked:
            raise _in_use()
    existing = IdempotencyRecord.objects.filter(caller=caller, key=key).first()
    if existing is not None and existing.created_at < expiry_cutoff():
        # Forgotten, though not purged yet: the key is free for a new operation.
        existing.delete()
        existing = None
    if existing is not None:
        if existing.fingerprint != fingerprint:
            raise ApiProblem(
                422,
                "idempotency-key-reused",
                _(
                    "The %(header)s %(key)r was already used for a different request; use a new "
                    "key for a new operation."
                )
                % {"header": HEADER, "key": key},
            )
        if existing.status != IdempotencyRecord.Status.COMPLETE:
            raise _in_use()
        return _replay(existing)
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(caller=caller, key=key, fingerprint=fingerprint)
    except IntegrityError:
        raise _in_use() from None


def _in_use() -> ApiProblem:
    return ApiProblem(
        409,
        "idempotency-key-in-use",
        _(
            "A request with this %(header)s is still being processed; retry shortly to get its "
            "result."
        )
        % {"header": HEADER},
        headers={"Retry-After": "1"},
    )


def idempotent(handler):
    """Make a POST handler honour ``Idempotency-Key`` (see the module docstring)."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        raw = request.headers.get(HEADER)
        if raw is None:
            return handler(view, request, *args, **kwargs)
        key = _checked_key(raw)
        fingerprint = request_fingerprint(request)
        with transaction.atomic():
            claimed = _claim(caller=request.user, key=key, fingerprint=fingerprint)
            if isinstance(claimed, Response):
                return claimed
            try:
                response = handler(view, request, *args, **kwargs)
            except Exception as exc:
                response = view.handle_exception(exc)
            if not 200 <= response.status_code < 300:
                transaction.set_rollback(True)
                return response
            claimed.status = IdempotencyRecord.Status.COMPLETE
            claimed.response_status = response.status_code
            claimed.response_body = json.loads(JSONRenderer().render(response.data) or b"null")
            claimed.response_headers = {
                name: response[name] for name in STORED_HEADERS if response.has_header(name)
            }
            claimed.save(
                update_fields=["status", "response_status", "response_body", "response_headers"]
            )
            return response

    wrapper.idempotent = True
    return wrapper
