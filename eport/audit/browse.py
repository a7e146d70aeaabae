"""The ledger browser's reads: filtered, keyset-paginated pages that stay fast at any size.

Every page is one indexed query: ``seq`` bounds plus at most one equality filter served by the
(actor, seq), (action, seq) or (subject, seq) index, newest first, ``LIMIT page + 1``. A time
filter is turned into ``seq`` bounds first (entry times never run backwards along the chain, so
the first entry at or after a moment bounds every later one), and nothing ever counts the table:
the size shown is the head's ``seq`` + 1.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from eport.declarations.models import Declaration
from eport.licensing.models import Licence
from eport.licensing.numbering import NUMBER as LICENCE_NUMBER
from ledger.models import Entry
from ledger.selectors import entries_about

PAGE_SIZE = 50


class FilterError(ValueError):
    """A filter value that cannot be understood; the message says how to write it."""


@dataclass(frozen=True)
class EntryFilter:
    actor: str = ""
    action: str = ""
    subject: str = ""
    since: datetime | None = None
    until: datetime | None = None

    @property
    def active(self) -> bool:
        return any((self.actor, self.action, self.subject, self.since, self.until))


@dataclass
class EntryPage:
    entries: list[Entry]
    newer: int | None  # pass as ?after= to see the page before this one
    older: int | None  # pass as ?before= to see the page after this one
    head_seq: int | None

    @property
    def about(self) -> int:
        return 0 if self.head_seq is None else self.head_seq + 1


def head_seq() -> int | None:
    """The newest entry's seq, read from the primary key index."""
    return Entry.objects.order_by("-seq").values_list("seq", flat=True).first()


def resolve_subject(text: str) -> str:
    """A subject from what an auditor types: a subject, a declaration or licence number, or a
    (declaration's) uuid."""
    text = text.strip()
    if not text or ":" in text:
        return text
    if text.isdigit() and len(text) == 18:
        found = Declaration.objects.filter(number=text).values_list("uuid", flat=True).first()
        if found is None:
            raise FilterError(_("no declaration has the number %(number)s") % {"number": text})
        return f"declaration:{found}"
    if LICENCE_NUMBER.match(text):
        number = text.upper()
        found = Licence.objects.filter(number=number).values_list("uuid", flat=True).first()
        if found is None:
            raise FilterError(_("no licence has the number %(number)s") % {"number": number})
        return f"licence:{found}"
    try:
        return f"declaration:{uuid.UUID(text)}"
    except ValueError:
        raise FilterError(
            _(
                "%(text)r is not a subject; write it as type:id (e.g. declaration:<uuid>, "
                "company:<USCI>), or give an 18-digit declaration number or a licence number"
            )
            % {"text": text}
        ) from None


def resolve_actor(text: str) -> str:
    """An actor from what an auditor types: ``user:<id>``, ``system:<component>`` or a username."""
    text = text.strip()
    if not text or ":" in text:
        return text
    found = get_user_model().objects.filter(username=text).values_list("pk", flat=True).first()
    if found is None:
        raise FilterError(
            _("no user is called %(text)r; write an actor as user:<id> or system:<component>")
            % {"text": text}
        )
    return f"user:{found}"


def _seq_bounds(entry_filter: EntryFilter) -> tuple[int | None, int | None]:
    low = high = None
    if entry_filter.since is not None:
        first = (
            Entry.objects.filter(time__gte=entry_filter.since)
            .order_by("time", "seq")
            .values_list("seq", flat=True)
            .first()
        )
        low = first if first is not None else (head_seq() or 0) + 1
    if entry_filter.until is not None:
        last = (
            Entry.objects.filter(time__lt=entry_filter.until)
            .order_by("-time", "-seq")
            .values_list("seq", flat=True)
            .first()
        )
        high = last if last is not None else -1
    return low, high


def browse_entries(
    entry_filter: EntryFilter,
    *,
    before: int | None = None,
    after: int | None = None,
    page_size: int = PAGE_SIZE,
) -> EntryPage:
    """One page of entries matching the filter, newest first, before or after a seq."""
    queryset = entries_about(entry_filter.subject) if entry_filter.subject else Entry.objects.all()
    if entry_filter.actor:
        queryset = queryset.filter(actor=entry_filter.actor)
    if entry_filter.action:
        queryset = queryset.filter(action=entry_filter.action)
    low, high = _seq_bounds(entry_filter)
    if low is not None:
        queryset = queryset.filter(seq__gte=low)
    if high is not None:
        queryset = queryset.filter(seq__lte=high)
    head = head_seq()
    # Only the listed columns: the canonical bytes are read on the entry's own page.
    columns = ("seq", "time", "actor", "action", "subject", "hash")
    if after is not None:
        rows = list(queryset.filter(seq__gt=after).order_by("seq").only(*columns)[: page_size + 1])
        has_more_newer = len(rows) > page_size
        rows = rows[:page_size][::-1]
        newer = rows[0].seq if rows and has_more_newer else None
        older = rows[-1].seq if rows else None
        if rows and not queryset.filter(seq__lt=rows[-1].seq).exists():
            older = None
        return EntryPage(rows, newer, older, head)
    queryset_page = queryset.filter(seq__lt=before) if before is not None else queryset
    rows = list(queryset_page.order_by("-seq").only(*columns)[: page_size + 1])
    has_more_older = len(rows) > page_size
    rows = rows[:page_size]
    older = rows[-1].seq if rows and has_more_older else None
    newer = rows[0].seq if rows and before is not None else None
    return EntryPage(rows, newer, older, head)
