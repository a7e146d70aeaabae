"""Saved parties and goods lines offered in the declaration form.

Declarations never import this app; their form loads this library
(``{% load saved %}{% saved_pickers %}``). Each picker is a select and a "Use" button of the
form: the option values are the saved values named by the declaration's own fields, which the
form's view fills in (``declarations.forms.with_chosen_values``); eport.js fills them at once.
"""

from __future__ import annotations

import json

from django import template
from django.utils.translation import gettext_lazy as _

from eport.declarations.forms import FILL, FILL_ITEM, FILL_PARTIES

from .. import access, selectors
from ..models import SavedParty

register = template.Library()


def _party_choice(party: SavedParty) -> dict:
    values = {"name": party.name, "country": party.country, "id": party.party_id}
    label = f"{party.name} ({party.country}{', ' + party.party_id if party.party_id else ''})"
    return {"value": json.dumps(values, ensure_ascii=False), "label": label}


@register.inclusion_tag("saved/_pickers.html", takes_context=True)
def saved_pickers(context):
    """The pickers for the signed-in trader's saved parties and goods lines, if any."""
    user = context["request"].user
    parties = list(selectors.parties_for(user))
    pickers = []
    for role in FILL_PARTIES:
        choices = [_party_choice(party) for party in parties if party.role == role]
        if choices:
            pickers.append(
                {"target": role, "label": SavedParty.Role(role).label, "choices": choices}
            )
    lines = [
        {
            "value": json.dumps(
                {
                    "hs_code": line.hs_code,
                    "description": line.description,
                    "origin_country": line.origin_country,
                    "unit": line.unit,
                },
                ensure_ascii=False,
            ),
            "label": str(line),
        }
        for line in selectors.goods_lines_for(user)
    ]
    return {
        "fill": FILL,
        "parties": pickers,
        "item_target": FILL_ITEM,
        "lines": lines,
        "may_keep": access.may_keep(user),
    }


@register.inclusion_tag("saved/_save_for_later.html", takes_context=True)
def save_for_later(context, declaration):
    """Buttons that save a declaration's parties or goods lines for the trader's later filings."""
    user = context["request"].user
    return {
        "declaration": declaration,
        "may_keep": access.may_keep(user) and declaration.company_id == user.company_id,
        "choices": [
            ("consignor", _("Save the consignor")),
            ("consignee", _("Save the consignee")),
            ("lines", _("Save the goods lines")),
        ],
        "csrf_token": context.get("csrf_token"),
    }
