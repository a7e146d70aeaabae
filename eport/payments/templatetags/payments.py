"""The tax bill on pages that are not payments' own: the declaration page's "Duties and taxes"
panel, and a bill's due date in words.

Declarations never import payments; their page loads this library instead
(``{% load payments %}{% bill_panel declaration %}``), as it links to trade finance.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from eport.declarations import lifecycle

from .. import selectors
from ..dues import Due
from ..models import TaxBill

register = template.Library()


@register.filter
def due_words(due: Due | None) -> str:
    """When an unpaid bill is due, in words: in how many days, today, or overdue and by how
    much the surcharge has grown so far."""
    if due is None:
        return ""
    day = date_format(due.due_on, "Y-m-d")
    if due.late:
        return ngettext(
            "overdue by %(days)d day since %(day)s: surcharge CNY %(surcharge)s so far",
            "overdue by %(days)d days since %(day)s: surcharge CNY %(surcharge)s so far",
            due.days_late,
        ) % {
            "days": due.days_late,
            "day": day,
            "surcharge": number_format(due.surcharge, 2, force_grouping=True),
        }
    left = (due.due_on - due.on).days
    if left == 0:
        return _("due today, %(day)s") % {"day": day}
    return ngettext("due by %(day)s, in %(days)d day", "due by %(day)s, in %(days)d days", left) % {
        "day": day,
        "days": left,
    }


def _offers(bill: TaxBill, user) -> bool:
    """Whether this person has something to do about the bill: the trader pays an unpaid bill,
    an officer of the office may record a payment at the counter for an open one."""
    if user.is_trader:
        return bill.unpaid
    if user.is_officer:
        return bill.status == TaxBill.Status.OPEN and lifecycle.can(bill.declaration, user, "pay")
    return False


def _panel(context, declaration) -> dict:
    # Both tags of a page ask about the same declaration: work it out once per rendering.
    key = ("payments.bill_panel", declaration.pk)
    cache = context.render_context
    if key not in cache:
        user = context["request"].user
        bill = selectors.bill_of(user, declaration)
        cache[key] = (
            {"bill": None, "offers": False}
            if bill is None
            else {
                "bill": bill,
                "due": selectors.amount_due(bill) if bill.unpaid else None,
                "url": reverse("payments:bill", args=[bill.uuid]),
                "offers": _offers(bill, user),
                "is_trader": user.is_trader,
            }
        )
    return cache[key]


@register.inclusion_tag("payments/_bill_panel.html", takes_context=True)
def bill_panel(context, declaration) -> dict:
    """The declaration's tax bill as this person may see it: number, amount and due date, and
    the way to pay it (traders) or to open it (officers, auditors)."""
    return _panel(context, declaration)


@register.simple_tag(takes_context=True)
def bill_offers(context, declaration) -> bool:
    """Whether the bill panel offers this person something to do (so the page need not say
    "nothing for you to do")."""
    return _panel(context, declaration)["offers"]
