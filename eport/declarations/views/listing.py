"""The declarations list: a trader's dashboard, an office's queue, an auditor's register."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import TIME_STRINGS, timesince
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from eport.web.templatetags.eport import lane_badge, moment, status_badge, time_tag

from .. import selectors
from ..forms import ListFilterForm
from ..models import Declaration

PAGE_SIZE = 25
Status = Declaration.Status


@login_required
@require_GET
def declaration_list(request: HttpRequest) -> HttpResponse:
    """Trader: the company's dashboard. Officer: the office's queue. Auditor: everything."""
    user = request.user
    filters = ListFilterForm(request.GET)
    declarations = listed_declarations(user, filters)
    wanted = {name: value for name, value in filters.cleaned_data.items() if value}

    page_number = wanted.get("page") or 1
    offset = (page_number - 1) * PAGE_SIZE
    # One row more than a page tells whether there is a next page without counting them all.
    rows = list(_row_columns(declarations)[offset : offset + PAGE_SIZE + 1])
    context = {
        "filters": filters,
        "declarations": rows[:PAGE_SIZE],
        "rows": _list_rows(rows[:PAGE_SIZE], user),
        "is_trader": user.is_trader,
        "is_officer": user.is_officer,
        "status_select": _select_html(filters, "status"),
        "lane_select": _select_html(filters, "lane"),
        "inspection_select": _select_html(filters, "inspection"),
        "age_select": _select_html(filters, "age"),
        "search_more": _search_more_html(filters),
        "page_number": page_number,
        "has_next": len(rows) > PAGE_SIZE,
        "has_previous": page_number > 1,
        "first_row": offset + 1,
        "last_row": offset + min(len(rows), PAGE_SIZE),
        "filtered": bool(set(wanted) - {"page", "date_by"}),
        "export_query": _export_query(request),
    }
    if user.is_trader:
        counts = selectors.status_counts(user)
        context["status_counts"] = [
            {"status": value, "label": label, "count": counts.get(value, 0)}
            for value, label in Status.choices
        ]
        context["total_count"] = sum(counts.values())
    if user.is_officer:
        context["waiting_count"] = selectors.officer_queue(user, status=Status.SUBMITTED).count()
    return render(request, "declarations/list.html", context)


def listed_declarations(user, filters: ListFilterForm):
    """What the list shows this user for these filters, in the list's order (the export's too).

    Invalid filters are left out (the form says why beside each), never an error page.
    """
    filters.is_valid()
    chosen = filters.list_filters()
    if user.is_officer:
        # The queue shows what the office still has to act on unless a status is chosen.
        return selectors.queue_order(selectors.declaration_list(user, _with_open_default(chosen)))
    # Traders see what moved last; auditors, who look across every company, see the newest
    # filings first, which the primary key index serves without sorting 100,000 rows.
    ordering = ("-updated_at", "-pk") if user.is_trader else ("-pk",)
    return selectors.declaration_list(user, chosen).order_by(*ordering)


def _row_columns(declarations):
    """Only the columns a list row shows: a declaration has over forty, with JSON and decimals
    to decode, and the joined company and officer rows carry more that the page never reads."""
    return declarations.select_related(None).select_related(*ROW_RELATED).only(*ROW_COLUMNS)


ROW_RELATED = ("company", "assigned_officer")
ROW_COLUMNS = (
    "uuid",
    "number",
    "lrn",
    "flow",
    "status",
    "lane",
    "transport_document",
    "updated_at",
    "submitted_at",
    "company__name",
    "assigned_officer__username",
    "assigned_officer__first_name",
    "assigned_officer__last_name",
)


def _export_query(request: HttpRequest) -> str:
    """The list's query string without its page: the export takes every page."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _with_open_default(filters: selectors.ListFilters) -> selectors.ListFilters:
    if filters.status:
        return filters
    return selectors.ListFilters(**{**filters.__dict__, "status": selectors.OPEN})


# The list renders 25 rows per request; what each row shows is worked out here in one pass,
# because the template language's per-row lookups, {% url %}, get_FOO_display and timesince
# filters were most of the page's CPU time. The HTML is the same as the template would make.
FLOW_LABELS = dict(Declaration.Flow.choices)
STATUS_LABELS = dict(Status.choices)
_STATUS_BADGES: dict = {}
_LANE_BADGES: dict = {}
_SELECTS: dict = {}
_ZERO_UUID = "00000000-0000-0000-0000-000000000000"


class _PluralCache:
    """A ``timesince`` unit string that remembers each number's wording per language."""

    def __init__(self, lazy):
        self.lazy = lazy
        self.done: dict = {}

    def __mod__(self, values: dict) -> str:
        key = (get_language(), values["num"])
        if key not in self.done:
            self.done[key] = str(self.lazy % values)
        return self.done[key]


_TIME_STRINGS = {name: _PluralCache(lazy) for name, lazy in TIME_STRINGS.items()}


def _badge(cache: dict, make, *args):
    key = (get_language(), *args)
    if key not in cache:
        cache[key] = make(*args)
    return cache[key]


def _list_rows(declarations, user) -> list[dict]:
    """What each list row shows, as the template's filters and tags would have written it."""
    detail_url = reverse("declarations:detail", kwargs={"uuid": _ZERO_UUID})
    now = timezone.now()
    rows = []
    for declaration in declarations:
        row = {
            "url": detail_url.replace(_ZERO_UUID, str(declaration.uuid)),
            "number": declaration.number or _unnumbered(declaration),
            "lrn": declaration.lrn,
            "flow": FLOW_LABELS.get(declaration.flow, declaration.flow),
            "status": _badge(
                _STATUS_BADGES,
                status_badge,
                declaration.status,
                STATUS_LABELS.get(declaration.status, declaration.status),
            ),
            "lane": _badge(_LANE_BADGES, lane_badge, declaration.lane),
        }
        if not user.is_trader:
            row["company"] = declaration.company.name
        if user.is_officer:
            # The checkbox's label (the template's {% blocktranslate %} cost a node per row).
            row["select_label"] = _("Select %(number)s") % {"number": row["number"]}
            submitted = declaration.submitted_at
            row["submitted_title"] = moment(submitted)
            row["waiting"] = _waiting(submitted, now) if submitted else ""
            if declaration.assigned_officer_id == user.pk:
                row["officer"] = _("You")
            elif declaration.assigned_officer_id:
                officer = declaration.assigned_officer
                row["officer"] = officer.get_full_name() or officer.username
            else:
                row["officer"] = None
        else:
            row["transport_document"] = declaration.transport_document or "—"
            row["updated_title"] = moment(declaration.updated_at)
            row["updated"] = time_tag(declaration.updated_at)
        rows.append(row)
    return rows


def _unnumbered(declaration) -> str:
    """What stands in the number column before a number is given (at submission)."""
    if declaration.status == Status.CANCELLED:
        return _("no number (cancelled draft)")
    return _("draft")


def _waiting(since, now) -> str:
    """How long ago, in words: "just now" under a minute, else "3 hours, 2 minutes ago"."""
    if now - since < timedelta(minutes=1):
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(since, now, time_strings=_TIME_STRINGS)}


def _select_html(filters: ListFilterForm, name: str) -> str:
    """A filter's select as the form renders it, remembered for each valid choice."""
    bound = filters[name]
    value = bound.value()
    key = (name, value, get_language())
    if not isinstance(value, str | None) or value not in {
        str(choice) for choice, _label in filters.fields[name].choices
    } | {None}:
        return str(bound)
    if key not in _SELECTS:
        _SELECTS[key] = str(bound)
    return _SELECTS[key]


# The "more search options" fields that stay closed until one is used.
SEARCH_MORE_FIELDS = ("hs_code", "party", "date_from", "date_to", "date_by")
_SEARCH_MORE: dict = {}


def _search_more_html(filters: ListFilterForm) -> str:
    """declarations/_search_more.html for these filters. While none of its fields is used and
    the form has no error it reads the same for everyone, so it is made once per language."""
    values = tuple(filters[name].value() for name in SEARCH_MORE_FIELDS)
    if filters.errors or any(values):
        return render_to_string("declarations/_search_more.html", {"filters": filters})
    key = (get_language(), values)
    if key not in _SEARCH_MORE:
        _SEARCH_MORE[key] = render_to_string("declarations/_search_more.html", {"filters": filters})
    return _SEARCH_MORE[key]
