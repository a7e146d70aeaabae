"""Forms of the saved pages: they parse what was typed; the services check it as a declaration."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SavedParty


def _text(label, max_length, *, required=True, **attrs):
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=forms.TextInput(attrs=attrs),
    )


class PartyForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=SavedParty.Role.choices)
    name = _text(_("Name"), 200)
    country = _text(_("Country (ISO 3166-1, e.g. CN)"), 2, list="dl-countries", autocomplete="off")
    party_id = _text(_("Id (for a Chinese party its USCI)"), 35, required=False)


class GoodsLineForm(forms.Form):
    hs_code = _text(_("HS code (10 digits)"), 13, inputmode="numeric")
    description = _text(_("Description"), 300)
    origin_country = _text(
        _("Country of origin (e.g. CN)"), 2, list="dl-countries", autocomplete="off"
    )
    unit = _text(_("Unit (e.g. PCE, KGM)"), 3, list="dl-units", autocomplete="off")
