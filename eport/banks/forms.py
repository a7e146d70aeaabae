"""Forms of the banks' pages: they parse what was typed; the services validate the meaning.

Each field is named after the service's keyword, so a service's ``ValidationError`` (keyed by
the same names) lands beside the right input.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from eport.accounts.models import Bank
from eport.web.forms import DateInput, ServiceForm

from .models import Financing
from .selectors import MAX_BATCH, normalise_numbers

# A thousand 18-digit numbers with separators fit in 20 KB; anything far larger is another file.
MAX_UPLOAD_BYTES = 256 * 1024


class FinancingForm(ServiceForm):
    """A bank's registration of a financing against a presented declaration."""

    instrument = forms.ChoiceField(label=_("Instrument"), choices=Financing.Instrument.choices)
    # Text, not a number field: the registry says what a valid amount is, in its own words.
    amount = forms.CharField(
        label=_("Amount"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    value_date = forms.DateField(label=_("Value date"), widget=DateInput)
    maturity_date = forms.DateField(label=_("Maturity date"), widget=DateInput)
    bank_reference = forms.CharField(
        label=_("Your reference"),
        max_length=35,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if currency:
            self.fields["amount"].label = _("Amount (%(currency)s)") % {"currency": currency}


class MoveForm(forms.Form):
    """A move on a financing, at the version the person saw, with the inputs the lifecycle
    declares for it (``lifecycle.MOVES``); the service judges what they mean."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    confirm = forms.BooleanField(required=False)

    def __init__(self, *args, move, **kwargs):
        super().__init__(*args, **kwargs)
        for move_input in move.inputs:
            self.fields[move_input.name] = forms.CharField(
                label=move_input.label, required=False, max_length=move_input.max_length
            )


class PresentForm(forms.Form):
    """A trader's choice of another active bank to present a declaration to."""

    bank = forms.ModelChoiceField(
        label=_("Bank"),
        queryset=Bank.objects.none(),
        empty_label=_("Choose a bank"),
        error_messages={"invalid_choice": _("Choose one of the active alliance banks listed.")},
    )

    def __init__(self, *args, banks=None, **kwargs):
        super().__init__(*args, **kwargs)
        if banks is not None:
            self.fields["bank"].queryset = banks
        self.fields["bank"].label_from_instance = lambda bank: f"{bank.legal_name} ({bank.bic})"


class BatchCheckForm(forms.Form):
    """Declaration numbers, pasted or in a CSV file, at most ``MAX_BATCH`` of them."""

    numbers = forms.CharField(
        label=_("Declaration numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "mono"}),
        help_text=_("One per line, or separated by commas, semicolons or spaces."),
    )
    upload = forms.FileField(
        label=_("…or a CSV file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
    )

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("numbers") or ""
        upload = cleaned.get("upload")
        if upload is not None:
            text = self._read(upload)
        numbers = normalise_numbers(_without_header(text))
        if not numbers:
            raise ValidationError(
                gettext("Paste declaration numbers or choose a CSV file of them to check.")
            )
        if len(numbers) > MAX_BATCH:
            raise ValidationError(
                gettext(
                    "You gave %(count)d numbers; a batch check takes at most %(max)d. "
                    "Split them into batches."
                )
                % {"count": len(numbers), "max": MAX_BATCH}
            )
        cleaned["declaration_numbers"] = numbers
        return cleaned

    def _read(self, upload) -> str:
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                {
                    "upload": gettext(
                        "The file is %(size)d KB; a batch of %(max)d numbers fits in "
                        "%(limit)d KB. Is it the right file?"
                    )
                    % {
                        "size": upload.size // 1024,
                        "max": MAX_BATCH,
                        "limit": MAX_UPLOAD_BYTES // 1024,
                    }
                }
            )
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(
                {"upload": gettext("The file is not UTF-8 text; save it as a CSV (UTF-8).")}
            ) from None


def _without_header(text: str) -> str:
    """The text without a first line that holds no digit at all (a CSV's column names)."""
    first, newline, rest = text.partition("\n")
    if newline and not any(character.isdigit() for character in first):
        return rest
    return text
