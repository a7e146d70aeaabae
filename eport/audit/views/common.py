"""What the audit pages share: the auditor-only gate, query parsing, and plain responses."""

from __future__ import annotations

import re
import uuid as uuid_module
from datetime import datetime, time

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from .. import browse

# ASCII digits only, and few enough for a bigint: str.isdigit() also accepts "²", which int()
# refuses, and a longer number overflows the database column; either would be a 500.
WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")


def auditor_required(view):
    """Signed-in auditors only: others are told the workspace is for the audit function."""

    @login_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_auditor:
            raise PermissionDenied(_("The audit workspace is for the customs audit function."))
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def int_param(request, name: str) -> int | None:
    """The whole number in query parameter ``name``, None if absent; FilterError if malformed."""
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    if not WHOLE_NUMBER.fullmatch(value):
        raise browse.FilterError(
            _("%(name)s must be a whole number, not %(value)r") % {"name": name, "value": value}
        )
    return int(value)


def parse_moment(value: str, *, end: bool) -> datetime | None:
    """A date or time from a filter field (a day means its start, or its end if ``end``)."""
    value = value.strip()
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise browse.FilterError(
                _("%(value)r is not a date or time; write 2026-11-27 or 2026-11-27T20:22")
                % {"value": value}
            )
        # "until 27 November" means through the end of that day.
        moment = datetime.combine(day, time.max if end else time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def uuid_or_none(text: str):
    """The UUID written in ``text``, or None if it is not one."""
    try:
        return uuid_module.UUID(text)
    except ValueError:
        return None
