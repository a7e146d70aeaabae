"""Small presentation helpers shared by every page: badges, hashes, ledger actions in words."""

import datetime
import functools
import re
from decimal import Decimal

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from eport.core.actors import is_system, system_label

register = template.Library()

STATUS_TONES = {
    "draft": "neutral",
    "submitted": "info",
    "under_review": "info",
    "query": "warning",
    "inspection": "warning",
    "assessed": "info",
    "paid": "info",
    "released": "success",
    "rejected": "danger",
    "cancelled": "neutral",
    # Financings
    "registered": "info",
    "disbursed": "warning",
    "repaid": "success",
    # Duties and taxes: bills, instructions, agreements, guarantees
    "open": "warning",
    "guaranteed": "info",
    "pending": "warning",
    "confirmed": "success",
    "refused": "danger",
    "withdrawn": "neutral",
    "requested": "info",
    "active": "success",
    "ended": "neutral",
    "live": "success",
    # Licences (submitted, query, refused and withdrawn read as above) and inspections
    "approved": "success",
    "passed": "success",
    "failed": "danger",
}

# Each lane has a shape as well as a colour, so it reads without colour vision.
LANES = {
    "green": ("●", _("Green lane")),
    "yellow": ("▲", _("Yellow lane")),
    "red": ("■", _("Red lane")),
}

ACTION_WORDS = {
    "declaration.created": _("Draft created"),
    "declaration.updated": _("Draft updated"),
    "declaration.document_added": _("Document added"),
    "declaration.document_removed": _("Document removed"),
    "declaration.submitted": _("Submitted"),
    "declaration.risk_assessed": _("Risk assessed"),
    "declaration.taken": _("Taken for review"),
    "declaration.queried": _("Query raised"),
    "declaration.amended": _("Amended and resubmitted"),
    "declaration.inspection_ordered": _("Inspection ordered"),
    "declaration.inspection_recorded": _("Inspection findings recorded"),
    "declaration.corrected": _("Correction made"),
    "declaration.assessed": _("Assessed"),
    "declaration.paid": _("Payment recorded"),
    "declaration.released": _("Released"),
    "declaration.rejected": _("Rejected"),
    "declaration.cancelled": _("Cancelled"),
    "declaration.guaranteed": _("Secured by a bank guarantee"),
    # Duties and taxes
    "bill.issued": _("Tax bill issued"),
    "bill.surcharged": _("Late-payment surcharge added"),
    "bill.paid": _("Tax bill paid"),
    "bill.guaranteed": _("Tax bill reserved against a guarantee"),
    "payment.instructed": _("Payment instructed"),
    "payment.confirmed": _("Payment confirmed by the bank"),
    "payment.refused": _("Payment refused by the bank"),
    "payment.withdrawn": _("Payment instruction withdrawn"),
    "agreement.requested": _("Payment agreement asked for"),
    "agreement.confirmed": _("Payment agreement confirmed"),
    "agreement.refused": _("Payment agreement refused"),
    "agreement.ended": _("Payment agreement ended"),
    "guarantee.issued": _("Guarantee issued"),
    "guarantee.reserved": _("Bill reserved against the guarantee"),
    "guarantee.restored": _("Guarantee balance restored"),
    "guarantee.ended": _("Guarantee ended"),
    # Licences, and the inspection agency's steps on a declaration
    "licence.applied": _("Licence applied for"),
    "licence.queried": _("Licence query raised"),
    "licence.answered": _("Licence query answered"),
    "licence.approved": _("Licence approved"),
    "licence.refused": _("Licence refused"),
    "licence.withdrawn": _("Licence application withdrawn"),
    "licence.written_off": _("Written off the licence"),
    "declaration.inspection_passed": _("Inspection passed"),
    "declaration.inspection_failed": _("Inspection failed"),
}


@register.simple_tag
def status_badge(status: str, label: str = "") -> str:
    """A status pill whose text is the status name; colour is a second cue, never the only one."""
    tone = STATUS_TONES.get(status, "neutral")
    return format_html(
        '<span class="badge badge-{}" data-status="{}">{}</span>',
        tone,
        status,
        label or status.replace("_", " ").capitalize(),
    )


@register.simple_tag
def lane_badge(lane: str) -> str:
    """A lane pill with shape, colour and words; a dash when no lane is set yet."""
    if not lane:
        return format_html('<span class="muted" title="{}">—</span>', _("No lane yet"))
    shape, words = LANES.get(lane, ("", lane))
    return format_html(
        '<span class="lane lane-{}"><span aria-hidden="true">{}</span> {}</span>',
        lane,
        shape,
        words,
    )


@register.filter
def short_hash(value: str, length: int = 12) -> str:
    return (value or "")[: int(length)]


@register.filter
def action_words(action: str) -> str:
    """A ledger action in words, e.g. ``declaration.queried`` → "Query raised"."""
    if action in ACTION_WORDS:
        return str(ACTION_WORDS[action])
    return action.split(".", 1)[-1].replace("_", " ").capitalize()


@register.filter
def actor_words(actor: str, people: dict | None = None) -> str:
    """A ledger actor as a person would name it, using the display names in ``people``."""
    if is_system(actor):
        return system_label(actor)
    if people and actor in people:
        return people[actor]
    return actor


@register.simple_tag(takes_context=True)
def query_string(context, **changes) -> str:
    """The current query string with some parameters replaced (None or "" removes one)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return "?" + encoded if encoded else "?"


@register.filter
def add_decimal(value, other):
    """Exact Decimal sum for money (the built-in ``add`` goes through int or float)."""
    if value is None or other is None:
        return value if other is None else other
    return value + other


@register.filter
def diff_value(value) -> str:
    """One side of an amendment diff in words; whole items and documents are summarised."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        if "hs_code" in value:
            return f"{value.get('hs_code')} {value.get('description', '')}".strip()
        if "type" in value:
            return (
                _("document %(type)s %(reference)s")
                % {"type": value.get("type"), "reference": value.get("reference", "")}
            ).strip()
        return ", ".join(f"{key}: {val}" for key, val in value.items())
    return str(value)


@register.filter
def diff_field(change: dict, words: dict | None = None) -> str:
    """The changed field of an amendment, e.g. "item 2 · invoice value".

    ``words`` names fields in the reader's language (the page passes its app's field words);
    a field it does not name is shown with its "_" as spaces.
    """
    if not isinstance(change, dict):
        return str(change)
    name = str(change.get("field", ""))
    field = str(words[name]) if words and name in words else name.replace("_", " ")
    if change.get("line") is not None:
        if name == "item":
            return _("item %(line)s") % {"line": change["line"]}
        return _("item %(line)s · %(field)s") % {"line": change["line"], "field": field}
    return field


# An amount as the domain writes it into a sentence: "1620060.00 CNY".
_AMOUNT_IN_TEXT = re.compile(r"(?<![\d.,])(\d+)(?:\.(\d+))? ([A-Z]{3})\b")


@register.filter
def grouped_amounts(text) -> str:
    """Each amount with its currency in a sentence written with the reader's thousands
    separators: "customs value 1620060.00 CNY" → "customs value 1,620,060.00 CNY"."""

    def grouped(match: re.Match) -> str:
        whole, decimals, currency = match.groups()
        number = Decimal(f"{whole}.{decimals}" if decimals else whole)
        places = len(decimals) if decimals else 0
        return f"{number_format(number, places, force_grouping=True)} {currency}"

    return _AMOUNT_IN_TEXT.sub(grouped, str(text or ""))


def zone_label(value: datetime.datetime) -> str:
    """The zone of an aware time as its offset from UTC: "UTC", "UTC+8", "UTC-3:30"."""
    minutes = int(value.utcoffset().total_seconds() // 60)
    hours, rest = divmod(abs(minutes), 60)
    sign = "+" if minutes >= 0 else "-"
    return "UTC" if not minutes else f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


@register.filter
def moment(value, precision: str = "minutes") -> str:
    """A date and time in the reader's language, always labelled with its zone as an offset
    from UTC: "6 Dec 2026 17:35 UTC+8". The one format for every time shown to people.

    ``precision`` holds "seconds" for seconds and "utc" for UTC (the ledger's and the auditor's
    zone); otherwise eport's zone (TIME_ZONE, Asia/Shanghai).
    """
    if not value:
        return ""
    return _moment(value, str(precision), get_language(), timezone.get_current_timezone())


@register.filter
def time_tag(value, precision: str = "minutes") -> str:
    """``moment`` in a <time> element whose ``datetime`` is the ISO 8601 instant, for machines."""
    if not value:
        return ""
    return _time_tag(value, str(precision), get_language(), timezone.get_current_timezone())


# A list page writes a time per row on every request, and formatting one in the reader's language
# (translated pattern, month names, zone conversion) costs tens of microseconds. The words depend
# only on the instant, the precision, the language and the zone, so each is made once per process;
# equal instants in different zones are equal keys and read the same, as they should.
_TIMES_KEPT = 8192


@functools.lru_cache(maxsize=_TIMES_KEPT)
def _moment(value: datetime.datetime, precision: str, language: str | None, zone) -> str:
    words = precision.split()
    local = value.astimezone(datetime.UTC) if "utc" in words else timezone.localtime(value, zone)
    pattern = gettext("j M Y H:i:s") if "seconds" in words else gettext("j M Y H:i")
    return f"{date_format(local, pattern)} {zone_label(local)}"


@functools.lru_cache(maxsize=_TIMES_KEPT)
def _time_tag(value: datetime.datetime, precision: str, language: str | None, zone) -> str:
    return format_html(
        '<time datetime="{}">{}</time>',
        value.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        _moment(value, precision, language, zone),
    )


@receiver(setting_changed)
def _forget_times(**kwargs) -> None:
    """Formats, zones and catalogues come from settings: a test that changes one starts afresh."""
    _moment.cache_clear()
    _time_tag.cache_clear()
