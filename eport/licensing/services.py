"""Every change to a licence: the application, then one function per move, one transaction each.

Each move locks the licence row (SELECT ... FOR UPDATE), asks ``lifecycle.check_move`` whether
this actor may make this move now, refuses a stale ``version``, applies the change with
``save(update_fields=...)``, bumps ``version`` and, as the last step, appends its ledger entry
about ``licence:<uuid>``: what changed, the reason when one was given, and ``state``, the digest of
the licence's snapshot right after the change (``snapshot.licence_state``). What releases write
off a licence is in ``clearance.py``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.accounts.models import Agency
from eport.accounts.selectors import licensing_agencies
from eport.core.actors import Actor
from eport.core.money import decimal_from_text, parse_amount
from eport.core.text import checked_text, control_character_problem
from eport.reference import codes
from ledger.services import record

from . import lifecycle, signals
from .errors import StaleLicence
from .lifecycle import allowed_moves  # re-exported: callers find every move here
from .models import Licence
from .numbering import next_number
from .snapshot import licence_state

__all__ = [
    "MOVE_SERVICES",
    "allowed_moves",
    "answer_licence_query",
    "apply_for_licence",
    "approve_licence",
    "make_licence_move",
    "raise_licence_query",
    "refuse_licence",
    "withdraw_licence",
]

Status = Licence.Status

HS_CODE_MIN_DIGITS, HS_CODE_MAX_DIGITS = 6, 10
DESCRIPTION_MAX_LENGTH = Licence._meta.get_field("description").max_length
QUANTITY_PLACES, QUANTITY_DIGITS = 3, 16
QUANTITY_QUANTUM = Decimal("0.001")


# --- checking what a person typed -------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _date(value: Any) -> datetime.date | None:
    """A date given as a date or as ISO 8601 text (``2026-12-01``); None if it is neither."""
    if isinstance(value, datetime.datetime):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(_text(value))
    except ValueError:
        return None


def _one_year_on(day: datetime.date) -> datetime.date:
    """The last day of a year's validity starting on ``day`` (29 February counts to 28th)."""
    try:
        anniversary = day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        anniversary = day.replace(year=day.year + 1, day=28) + datetime.timedelta(days=1)
    return anniversary - datetime.timedelta(days=1)


def _hs_code_problem(hs_code: str) -> str | None:
    if not hs_code:
        return _("Enter the HS code of the goods: 6 to 10 digits, e.g. 2709000000.")
    if not hs_code.isdigit() or not HS_CODE_MIN_DIGITS <= len(hs_code) <= HS_CODE_MAX_DIGITS:
        return _(
            "%(code)s is not an HS code for a licence: it has 6 to 10 digits only, e.g. 270900 "
            "or 2709000000."
        ) % {"code": repr(hs_code)}
    if not codes.is_hs_subheading(hs_code[:6]):
        return _(
            "%(subheading)s is not a subheading of HS 2022; check the first 6 digits of "
            "%(code)s against the nomenclature."
        ) % {"subheading": hs_code[:6], "code": hs_code}
    return None


def _quantity(value: Any, problems: dict[str, list[str]]) -> Decimal:
    try:
        quantity = decimal_from_text(_text(value).replace(",", ""))
    except (InvalidOperation, ValueError):
        quantity = Decimal("NaN")
    if not quantity.is_finite():
        problems["quantity"] = [_("Enter the quantity as a number such as 1000 or 12.5.")]
        return Decimal(0)
    if quantity <= 0:
        problems["quantity"] = [_("The quantity must be more than zero.")]
        return Decimal(0)
    if quantity.adjusted() + 1 > QUANTITY_DIGITS - QUANTITY_PLACES:
        problems["quantity"] = [
            _("The quantity is too large: at most %(digits)s digits before the point.")
            % {"digits": QUANTITY_DIGITS - QUANTITY_PLACES}
        ]
        return Decimal(0)
    if quantity != quantity.quantize(QUANTITY_QUANTUM):
        problems["quantity"] = [_("The quantity has at most 3 decimal places.")]
        return Decimal(0)
    return quantity.quantize(QUANTITY_QUANTUM)


def _licensing_agency(value: Any, problems: dict[str, list[str]]) -> Agency | None:
    """The agency applied to: the one chosen, else the only active licensing agency."""
    active = licensing_agencies()
    if value in (None, ""):
        agencies = list(active[:2])
        if len(agencies) == 1:
            return agencies[0]
        if not agencies:
            problems["agency"] = [
                _("No licensing agency takes applications in the single window yet; try later.")
            ]
        else:
            problems["agency"] = [
                _("Choose the licensing agency to apply to: %(codes)s.")
                % {"codes": ", ".join(active.values_list("code", flat=True))}
            ]
        return None
    code = value.code if isinstance(value, Agency) else _text(value).upper()
    agency = active.filter(code=code).first()
    if agency is None:
        problems["agency"] = [
            _("%(code)s is not an active licensing agency; choose one of %(codes)s.")
            % {"code": repr(code), "codes": ", ".join(active.values_list("code", flat=True))}
        ]
    return agency


def _validity_problems(
    valid_from: datetime.date | None, valid_until: datetime.date | None, today: datetime.date
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if valid_from is None:
        problems["valid_from"] = [_("Enter the first day of validity, e.g. 2026-12-01.")]
    elif valid_from < today:
        problems["valid_from"] = [
            _("The validity cannot start in the past; start it on %(today)s or later.")
            % {"today": today.isoformat()}
        ]
    if valid_until is None:
        problems["valid_until"] = [_("Enter the last day of validity, e.g. 2027-05-31.")]
    elif valid_from is not None and valid_until < valid_from:
        problems["valid_until"] = [_("The validity ends before it starts.")]
    elif valid_from is not None and valid_until > _one_year_on(valid_from):
        problems["valid_until"] = [
            _(
                "A licence is valid for at most one year (the usual validity of a Chinese import "
                "licence); end it on %(latest)s or earlier."
            )
            % {"latest": _one_year_on(valid_from).isoformat()}
        ]
    return problems


def _move_text(move_name: str, name: str, value: Any, missing: str = "") -> str:
    """A move's text input as its registry entry allows it; a ValidationError naming it if not."""
    spec = next(i for i in lifecycle.MOVES[move_name].inputs if i.name == name)
    return checked_text(
        value, name, max_length=spec.max_length, missing=missing if spec.required else ""
    )


# --- the application --------------------------------------------------------------------------


@transaction.atomic
def apply_for_licence(
    *,
    actor: Actor,
    flow: str,
    hs_code: str,
    description: str,
    quantity: Any,
    unit: str,
    value: Any,
    currency: str,
    counterparty_country: str,
    valid_from: Any,
    valid_until: Any,
    agency: Agency | str | None = None,
) -> Licence:
    """Apply for an import or export licence for the actor's company; ledgered as
    ``licence.applied``. Every problem with the application is named at once (ValidationError)."""
    lifecycle.check_applicant(actor)
    problems: dict[str, list[str]] = {}
    flow = _text(flow).lower()
    if flow not in Licence.Flow.values:
        problems["flow"] = [_("Choose the flow: import or export.")]
    hs_code = _text(hs_code).replace(".", "").replace(" ", "")
    if problem := _hs_code_problem(hs_code):
        problems["hs_code"] = [problem]
    description = _text(description)
    if not description:
        problems["description"] = [_("Describe the goods the licence is for.")]
    elif len(description) > DESCRIPTION_MAX_LENGTH:
        problems["description"] = [
            _("The description has at most %(max)s characters.") % {"max": DESCRIPTION_MAX_LENGTH}
        ]
    elif problem := control_character_problem(description):
        problems["description"] = [problem]
    quantity_value = _quantity(quantity, problems)
    unit = _text(unit).upper()
    if problem := codes.unit_problem(unit):
        problems["unit"] = [problem]
    amount = parse_amount(value, "value", problems)
    currency = _text(currency).upper()
    if not codes.is_currency(currency):
        problems["currency"] = [
            _("%(code)s is not a currency code; use ISO 4217, e.g. USD, EUR, CNY.")
            % {"code": repr(currency)}
            if currency
            else _("Enter the currency of the value (ISO 4217), e.g. USD.")
        ]
    country = _text(counterparty_country).upper()
    if not codes.is_country(country):
        problems["counterparty_country"] = [
            _(
                "%(code)s is not a country code; use the ISO 3166-1 two-letter code, "
                "e.g. SA, DE, US."
            )
            % {"code": repr(country)}
            if country
            else _("Enter the counterparty's country as an ISO 3166-1 two-letter code, e.g. SA.")
        ]
    start, end = _date(valid_from), _date(valid_until)
    problems.update(_validity_problems(start, end, timezone.localdate()))
    chosen = _licensing_agency(agency, problems)
    if problems:
        raise ValidationError(problems)

    licence = Licence.objects.create(
        company_id=actor.company_id,
        agency=chosen,
        applied_by=actor,
        flow=flow,
        hs_code=hs_code,
        description=description,
        quantity=quantity_value,
        unit=unit,
        value=amount,
        currency=currency,
        counterparty_country=country,
        valid_from=start,
        valid_until=end,
    )
    licence.company = actor.company
    _record(
        licence,
        actor,
        "licence.applied",
        {
            "agency": chosen.code,
            "flow": flow,
            "hs_code": hs_code,
            "quantity": f"{quantity_value:.3f}",
            "unit": unit,
            "value": f"{amount:.2f}",
            "currency": currency,
            "counterparty_country": country,
            "valid_from": start.isoformat(),
            "valid_until": end.isoformat(),
        },
    )
    signals.applied.send(sender=Licence, licence=licence, actor=actor)
    return licence


# --- the shape shared by every move -----------------------------------------------------------


def _lock(licence: Licence | Any) -> Licence:
    pk = licence.pk if isinstance(licence, Licence) else licence
    return (
        Licence.objects.select_for_update(of=("self",))
        .select_related("company", "agency")
        .get(pk=pk)
    )


def _begin(licence: Licence, actor: Any, move: str, version: Any) -> tuple[Licence, Any]:
    locked = _lock(licence)
    transition = lifecycle.check_move(locked, actor, move)
    try:
        expected = int(version)
    except (TypeError, ValueError):
        raise StaleLicence(
            _(
                "The form did not say which version of the licence it was made from; reload the "
                "licence and try again."
            )
        ) from None
    if expected != locked.version:
        raise StaleLicence(
            _(
                "This licence changed after you opened it (you saw version %(expected)s, it is "
                "now version %(current)s); reload it to see its current state."
            )
            % {"expected": expected, "current": locked.version}
        )
    return locked, transition


def _record(licence: Licence, actor: Any, action: str, data: dict) -> None:
    facts = {key: value for key, value in data.items() if value not in ("", None)}
    facts["state"] = licence_state(licence)
    record(actor=actor, action=action, subject=licence.ledger_subject, data=facts)


def _finish(
    licence: Licence, transition, actor: Any, action: str, data: dict, fields=()
) -> Licence:
    """Move to the transition's target, save with the next version, and ledger the move."""
    licence.status = transition.target
    licence.version += 1
    licence.save(update_fields=sorted({"status", "version", "updated_at", *fields}))
    _record(licence, actor, action, data)
    # Told after the entry, in the same transaction: what the domains above do goes with it.
    inputs = lifecycle.MOVES[transition.move].inputs
    said = (data.get(i.name) for i in inputs if i.kind == lifecycle.TEXT)
    signals.moved.send(
        sender=Licence,
        licence=licence,
        move=transition.move,
        actor=actor,
        reason=next((text for text in said if text), ""),
    )
    return licence


# --- the moves --------------------------------------------------------------------------------


@transaction.atomic
def raise_licence_query(*, licence: Licence, actor: Actor, version: int, question: str) -> Licence:
    """Ask the applicant a question; the application waits for the answer."""
    licence, transition = _begin(licence, actor, "query", version)
    question = _move_text(
        "query", "question", question, _("Write the question the applicant must answer.")
    )
    licence.query = question
    return _finish(licence, transition, actor, "licence.queried", {"question": question}, ["query"])


@transaction.atomic
def answer_licence_query(*, licence: Licence, actor: Actor, version: int, answer: str) -> Licence:
    """Answer the agency's query; the application returns to the agency."""
    licence, transition = _begin(licence, actor, "answer", version)
    answer = _move_text(
        "answer", "answer", answer, _("Write your answer to the officer's question.")
    )
    return _finish(licence, transition, actor, "licence.answered", {"answer": answer})


@transaction.atomic
def approve_licence(
    *,
    licence: Licence,
    actor: Actor,
    version: int,
    valid_from: Any = None,
    valid_until: Any = None,
    note: str = "",
) -> Licence:
    """Grant the licence: numbered, valid for the period applied for (or a part of it), with the
    whole quantity and value applied for left to write off; final."""
    licence, transition = _begin(licence, actor, "approve", version)
    note = _move_text("approve", "note", note)
    problems: dict[str, list[str]] = {}
    start, end = licence.valid_from, licence.valid_until
    applied = {"from": licence.valid_from.isoformat(), "until": licence.valid_until.isoformat()}
    if valid_from not in (None, ""):
        start = _date(valid_from)
        if start is None:
            problems["valid_from"] = [_("Enter the first day of validity, e.g. 2026-12-01.")]
        elif start < licence.valid_from:
            problems["valid_from"] = [
                _("The applicant asked for a licence valid from %(from)s; grant no earlier.")
                % applied
            ]
    if valid_until not in (None, ""):
        end = _date(valid_until)
        if end is None:
            problems["valid_until"] = [_("Enter the last day of validity, e.g. 2027-05-31.")]
        elif end > licence.valid_until:
            problems["valid_until"] = [
                _("The applicant asked for a licence valid until %(until)s; grant no later.")
                % applied
            ]
    if not problems and start > end:
        problems["valid_until"] = [_("The validity ends before it starts.")]
    elif not problems and end < timezone.localdate():
        problems["valid_until"] = [
            _(
                "A licence valid until %(until)s would have expired already; refuse the "
                "application, and the applicant can apply again."
            )
            % {"until": end.isoformat()}
        ]
    if problems:
        raise ValidationError(problems)

    now = timezone.now()
    licence.number = next_number(agency_id=licence.agency_id, year=timezone.localdate(now).year)
    licence.valid_from, licence.valid_until = start, end
    licence.remaining_quantity, licence.remaining_value = licence.quantity, licence.value
    licence.decision_reason = note
    licence.decided_by, licence.decided_at = actor, now
    return _finish(
        licence,
        transition,
        actor,
        "licence.approved",
        {
            "number": licence.number,
            "valid_from": start.isoformat(),
            "valid_until": end.isoformat(),
            "note": note,
        },
        [
            "number",
            "valid_from",
            "valid_until",
            "remaining_quantity",
            "remaining_value",
            "decision_reason",
            "decided_by",
            "decided_at",
        ],
    )


@transaction.atomic
def refuse_licence(*, licence: Licence, actor: Actor, version: int, reason: str) -> Licence:
    """Refuse the application, with the reason; final."""
    licence, transition = _begin(licence, actor, "refuse", version)
    reason = _move_text("refuse", "reason", reason, _("Give the reason for refusing the licence."))
    licence.decision_reason = reason
    licence.decided_by, licence.decided_at = actor, timezone.now()
    return _finish(
        licence,
        transition,
        actor,
        "licence.refused",
        {"reason": reason},
        ["decision_reason", "decided_by", "decided_at"],
    )


@transaction.atomic
def withdraw_licence(*, licence: Licence, actor: Actor, version: int, reason: str = "") -> Licence:
    """The applicant withdraws an application not yet decided; final."""
    licence, transition = _begin(licence, actor, "withdraw", version)
    reason = _move_text("withdraw", "reason", reason)
    licence.decision_reason = reason
    return _finish(
        licence, transition, actor, "licence.withdrawn", {"reason": reason}, ["decision_reason"]
    )


# Every registered move's service, looked up once: a move naming a missing service fails here.
MOVE_SERVICES = {name: globals()[move.service] for name, move in lifecycle.MOVES.items()}


def make_licence_move(
    move_name: str, *, licence: Licence, actor: Actor, version: int, **inputs
) -> Licence:
    """Make a registered move through the service the registry names for it."""
    lifecycle.check_role(actor, move_name)  # an unknown move is refused in words, not KeyError
    return MOVE_SERVICES[move_name](licence=licence, actor=actor, version=version, **inputs)
