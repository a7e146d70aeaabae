"""Forms of the licence pages: they parse what was typed; the services validate the meaning.

Each field is named after the service's keyword, so a service's ``ValidationError`` (keyed by
the same names) lands beside the right input.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from eport.accounts.selectors import licensing_agencies
from eport.web.forms import DateInput, ServiceForm

from . import lifecycle
from .models import Licence


def _text(label, max_length: int = 300, **kwargs) -> forms.CharField:
    # Nothing is refused here: the service reports every problem at once, worded for the
    # person, and the view places each message next to its field.
    return forms.CharField(label=label, required=False, max_length=max_length * 4, **kwargs)


def _amount(label) -> forms.CharField:
    return _text(
        label, 40, widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    )


def _code(label, size: int, placeholder: str, datalist: str = "") -> forms.CharField:
    attrs = {
        "maxlength": size,
        "autocomplete": "off",
        "spellcheck": "false",
        "class": "code",
        "placeholder": placeholder,
    }
    if datalist:
        attrs["list"] = datalist
    return _text(label, size, widget=forms.TextInput(attrs=attrs))


class ApplyForm(ServiceForm):
    """A trader's application for an import or export licence."""

    agency = _text(_("Licensing agency"), 10, widget=forms.Select())
    flow = _text(_("Flow"), 10, widget=forms.Select(choices=Licence.Flow.choices))
    hs_code = _text(
        _("HS code"),
        10,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "class": "code"}
        ),
        help_text=_("6 to 10 digits; the licence covers every code that starts with them."),
    )
    description = _text(_("Description of goods"), 300)
    quantity = _amount(_("Quantity"))
    unit = _code(_("Unit"), 3, "KGM", "dl-units")
    value = _amount(_("Value"))
    currency = _code(_("Currency"), 3, "USD", "dl-currencies")
    counterparty_country = _code(
        _("Counterparty country"),
        2,
        "DE",
        "dl-countries",
    )
    valid_from = _text(_("Valid from"), 10, widget=DateInput)
    valid_until = _text(_("Valid until"), 10, widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.agencies = list(licensing_agencies())
        self.fields["agency"].widget.choices = [
            ("", _("Choose an agency…")),
            *((agency.code, agency.name) for agency in self.agencies),
        ]
        self.fields["counterparty_country"].help_text = _(
            "Where the goods come from (import) or go to (export)."
        )

    def application(self) -> dict:
        """What was typed, as ``apply_for_licence`` takes it (it validates the meaning)."""
        data = dict(self.cleaned_data)
        data["agency"] = data["agency"] or None
        return data


class MoveForm(forms.Form):
    """A move on a licence, at the version the person saw, with the inputs the lifecycle
    declares for it (``lifecycle.MOVES``); the service judges what they mean."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, move, **kwargs):
        super().__init__(*args, **kwargs)
        self.move = move
        for move_input in move.inputs:
            if move_input.kind == lifecycle.DATE:
                # Its problem is shown as a message above the page, so it names the input.
                invalid = _("%(input)s: enter a date as year-month-day, e.g. 2026-03-31.")
                field = forms.DateField(
                    label=move_input.label,
                    required=False,
                    widget=DateInput,
                    error_messages={"invalid": invalid % {"input": move_input.label}},
                )
            else:
                field = forms.CharField(
                    label=move_input.label,
                    required=False,
                    max_length=move_input.max_length,
                    widget=(
                        forms.Textarea(attrs={"rows": 2})
                        if move_input.kind == lifecycle.TEXT
                        else forms.TextInput(attrs={"autocomplete": "off"})
                    ),
                )
            if move_input.required:
                field.widget.attrs["required"] = True
            self.fields[move_input.name] = field

    def clean(self):
        cleaned = super().clean()
        for move_input in self.move.inputs:
            name = move_input.name
            if move_input.required and name not in self.errors and not cleaned.get(name):
                self.add_error(
                    name,
                    _("Please fill in “%(input)s” before you continue.")
                    % {"input": move_input.label},
                )
        return cleaned

    def inputs(self) -> dict:
        """The service's keyword arguments for the move's inputs."""
        return {
            move_input.name: self.cleaned_data.get(move_input.name)
            for move_input in self.move.inputs
        }


class LicenceFilterForm(forms.Form):
    """The licence list's filter; a bad value is left out and named beside its field."""

    status = forms.ChoiceField(required=False, label=_("Status"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *Licence.Status.choices]

    def chosen_status(self) -> str:
        return self.cleaned_data.get("status", "") if self.is_valid() else ""
