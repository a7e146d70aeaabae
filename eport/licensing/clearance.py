"""Licences at clearance: what a declaration's items cite, checked at submission and written off at
release. The licence knows nothing of declarations: the caller says what each item cites
(``Citation``) and under which reference its write-offs go.

``citation_problems`` names every problem per item line, as sentences the trader can act on; it
never tells a licence of another company apart from one that does not exist. ``write_off`` runs in
the releasing transaction and locks the cited licences (SELECT ... FOR UPDATE, in primary key
order, so two releases citing the same licences never wait for each other in a circle): a
concurrent release waits, then sees what is left after the first, so no licence is ever overdrawn
(and the database's check constraints would refuse it if it were).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from eport.core.actors import Actor
from eport.reference.controls import needs_licence
from ledger.services import record

from .errors import LicenceError
from .models import Licence, LicenceUsage
from .snapshot import licence_state

__all__ = ["Citation", "citation_problems", "write_off"]

Status = Licence.Status


@dataclass(frozen=True)
class Citation:
    """A declaration item as a licence sees it: its line, goods, amounts and the licence cited.

    ``value`` is in the declaration's currency; ``licence_number`` is blank when none is cited.
    """

    line: int
    hs_code: str
    quantity: Decimal | None
    unit: str
    value: Decimal | None
    licence_number: str = ""


def _quantity_text(quantity: Decimal, unit: str) -> str:
    # 1,000 KGM, 12.5 KGM: as people write a quantity, without the stored trailing zeros.
    normal = Decimal(quantity).normalize()
    return f"{normal:,f} {unit}"


def _money_text(value: Decimal, currency: str) -> str:
    return f"{currency} {Decimal(value):,.2f}"


def _flow_words(flow: str) -> str:
    return _("an import licence") if flow == Licence.Flow.IMPORT else _("an export licence")


def _number(citation: Citation) -> str:
    return str(citation.licence_number or "").strip().upper()


def citation_problems(
    *,
    company_id: int,
    flow: str,
    currency: str,
    citations: Iterable[Citation],
    on: datetime.date,
) -> dict[int, list[str]]:
    """Each item line's problems with the licence it cites (or should cite); empty when none.

    An item whose HS code needs a licence for ``flow`` must cite an approved licence of the
    company, of that flow, covering its HS code, valid on ``on``, in the item's unit and the
    declaration's currency, with enough left for every item of the declaration citing it.
    """
    citations = list(citations)
    numbers = {_number(c) for c in citations if _number(c)}
    licences = {
        licence.number: licence
        for licence in Licence.objects.filter(company_id=company_id, number__in=numbers)
    }
    problems: dict[int, list[str]] = defaultdict(list)
    drawn: dict[str, list[Citation]] = defaultdict(list)
    for citation in citations:
        line, number = citation.line, _number(citation)
        say = problems[line].append
        words = {"line": line, "number": number, "code": citation.hs_code}
        if not number:
            if citation.hs_code and needs_licence(citation.hs_code, flow):
                say(
                    _(
                        "Item %(line)s: goods of HS code %(code)s need %(licence)s; cite the "
                        "number of your company's approved licence for them."
                    )
                    % {**words, "licence": _flow_words(flow)}
                )
            continue
        licence = licences.get(number)
        if licence is None:
            # The same words for a number that does not exist and another company's licence.
            say(
                _(
                    "Item %(line)s: your company has no approved licence numbered %(number)s; "
                    "check the number on the licence."
                )
                % words
            )
            continue
        if licence.status != Status.APPROVED:
            say(
                _("Item %(line)s: licence %(number)s is not approved, so it cannot be cited.")
                % words
            )
            continue
        before = len(problems[line])
        if licence.flow != flow:
            say(
                _(
                    "Item %(line)s: licence %(number)s is %(licence)s; this declaration needs "
                    "%(wanted)s."
                )
                % {**words, "licence": _flow_words(licence.flow), "wanted": _flow_words(flow)}
            )
        if not str(citation.hs_code or "").startswith(licence.hs_code):
            say(
                _(
                    "Item %(line)s: licence %(number)s covers HS code %(covered)s; the item's HS "
                    "code %(code)s is not covered by it."
                )
                % {**words, "covered": licence.hs_code}
            )
        if on < licence.valid_from:
            say(
                _(
                    "Item %(line)s: licence %(number)s is valid from %(from)s; it cannot be used "
                    "before then."
                )
                % {**words, "from": licence.valid_from.isoformat()}
            )
        elif on > licence.valid_until:
            say(
                _(
                    "Item %(line)s: licence %(number)s expired on %(until)s; apply for a new "
                    "licence."
                )
                % {**words, "until": licence.valid_until.isoformat()}
            )
        if citation.unit != licence.unit:
            say(
                _(
                    "Item %(line)s: licence %(number)s counts its quantity in %(unit)s; declare "
                    "the item's quantity in %(unit)s too."
                )
                % {**words, "unit": licence.unit}
            )
        if currency != licence.currency:
            say(
                _(
                    "Item %(line)s: licence %(number)s is in %(currency)s, and this declaration is "
                    "invoiced in %(invoiced)s; only a declaration in %(currency)s can draw on it."
                )
                % {**words, "currency": licence.currency, "invoiced": currency}
            )
        if len(problems[line]) == before:
            drawn[number].append(citation)

    for number, citing in drawn.items():
        licence = licences[number]
        quantity = sum((c.quantity or Decimal(0) for c in citing), Decimal(0))
        value = sum((c.value or Decimal(0) for c in citing), Decimal(0))
        if quantity <= licence.remaining_quantity and value <= licence.remaining_value:
            continue
        left = {
            "number": number,
            "left_quantity": _quantity_text(licence.remaining_quantity, licence.unit),
            "left_value": _money_text(licence.remaining_value, licence.currency),
            "quantity": _quantity_text(quantity, licence.unit),
            "value": _money_text(value, licence.currency),
        }
        for citation in citing:
            if len(citing) == 1:
                message = _(
                    "Item %(line)s: licence %(number)s has %(left_quantity)s and %(left_value)s "
                    "left; this declaration draws %(quantity)s and %(value)s. Declare less, or "
                    "cite another licence for the rest."
                )
            else:
                message = _(
                    "Item %(line)s: licence %(number)s has %(left_quantity)s and %(left_value)s "
                    "left; this declaration's items %(lines)s draw %(quantity)s and %(value)s in "
                    "all. Declare less, or cite another licence for the rest."
                )
            problems[citation.line].append(
                message
                % {**left, "line": citation.line, "lines": ", ".join(str(c.line) for c in citing)}
            )
    return {line: messages for line, messages in sorted(problems.items()) if messages}


def write_off(
    *, company_id: int, citations: Iterable[Citation], reference_prefix: str, actor: Actor
) -> None:
    """Write the citing items off their licences, inside the caller's (releasing) transaction.

    Each item leaves a ``LicenceUsage`` under ``<reference_prefix>/<line>``; each licence one
    ``licence.written_off`` entry. Refused with ``LicenceError``, writing off nothing, when a
    cited licence is not an approved licence of ``company_id`` (the declaring company) or has too
    little left.
    """
    citing: dict[str, list[Citation]] = defaultdict(list)
    for citation in citations:
        if _number(citation):
            citing[_number(citation)].append(citation)
    if not citing:
        return
    # Primary key order: every release locks the licences it shares with another in one order.
    licences = list(
        Licence.objects.select_for_update(of=("self",))
        .select_related("company", "agency")
        .filter(company_id=company_id, number__in=list(citing))
        .order_by("pk")
    )
    found = {licence.number: licence for licence in licences}
    for number in sorted(citing):
        licence = found.get(number)
        if licence is None or licence.status != Status.APPROVED:
            raise LicenceError(
                _(
                    "Licence %(number)s cited by item %(line)s is not an approved licence; nothing "
                    "was written off."
                )
                % {"number": number, "line": citing[number][0].line}
            )
    references = [f"{reference_prefix}/{c.line}" for cs in citing.values() for c in cs]
    if LicenceUsage.objects.filter(licence__in=licences, reference__in=references).exists():
        raise LicenceError(
            _("%(reference)s was already written off its licences.")
            % {"reference": reference_prefix}
        )

    planned = []
    for licence in licences:
        items = citing[licence.number]
        quantity = sum((c.quantity or Decimal(0) for c in items), Decimal(0))
        value = sum((c.value or Decimal(0) for c in items), Decimal(0))
        if quantity > licence.remaining_quantity or value > licence.remaining_value:
            raise LicenceError(
                _(
                    "Licence %(number)s has %(left_quantity)s and %(left_value)s left; releasing "
                    "%(reference)s would draw %(quantity)s and %(value)s. Nothing was written off."
                )
                % {
                    "number": licence.number,
                    "left_quantity": _quantity_text(licence.remaining_quantity, licence.unit),
                    "left_value": _money_text(licence.remaining_value, licence.currency),
                    "reference": reference_prefix,
                    "quantity": _quantity_text(quantity, licence.unit),
                    "value": _money_text(value, licence.currency),
                }
            )
        planned.append((licence, items, quantity, value))

    usages = []
    for licence, items, quantity, value in planned:
        licence.remaining_quantity -= quantity
        licence.remaining_value -= value
        licence.version += 1
        licence.save(
            update_fields=["remaining_quantity", "remaining_value", "version", "updated_at"]
        )
        usages.extend(
            LicenceUsage(
                licence=licence,
                reference=f"{reference_prefix}/{c.line}",
                quantity=c.quantity or Decimal(0),
                value=c.value or Decimal(0),
            )
            for c in items
        )
    LicenceUsage.objects.bulk_create(usages)
    # The ledger last, as every service does: its append lock is held only briefly.
    for licence, items, quantity, value in planned:
        record(
            actor=actor,
            action="licence.written_off",
            subject=licence.ledger_subject,
            data={
                "reference": reference_prefix,
                "items": [
                    {
                        "line": c.line,
                        "quantity": f"{c.quantity or 0:.3f}",
                        "value": f"{c.value or 0:.2f}",
                    }
                    for c in items
                ],
                "quantity": f"{quantity:.3f}",
                "value": f"{value:.2f}",
                "remaining_quantity": f"{licence.remaining_quantity:.3f}",
                "remaining_value": f"{licence.remaining_value:.2f}",
                "state": licence_state(licence),
            },
        )
