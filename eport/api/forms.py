from django import forms

LIFETIMES = [(30, "30 days"), (90, "90 days"), (180, "180 days"), (365, "1 year")]


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Integration name",
        max_length=100,
        help_text="Which system will use it, e.g. “ERP export job”. One token per integration.",
    )
    lifetime_days = forms.TypedChoiceField(
        label="Expires after", choices=LIFETIMES, coerce=int, initial=90
    )
