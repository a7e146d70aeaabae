from django import forms
from django.utils.translation import gettext_lazy as _

LIFETIMES = [(30, _("30 days")), (90, _("90 days")), (180, _("180 days")), (365, _("1 year"))]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Integration name"),
        max_length=100,
        help_text=_("Which system will use it, e.g. “ERP export job”. One token per integration."),
    )
    lifetime_days = forms.TypedChoiceField(
        label=_("Expires after"), choices=LIFETIMES, coerce=int, initial=90
    )
