"""Forms of the payments pages: they parse what was typed; the services judge what it means.

Each field is named after the service's keyword, so a service's ``ValidationError`` (keyed by
the same names) lands beside the right input. Whether an amount, a reference or a choice is
acceptable is the services' to say, in their words: the forms only turn text into values.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from eport.accounts.models import Bank, Company
from eport.declarations.lifecycle import LINE
from eport.web.forms import DateInput, ServiceForm

from .rules import AMOUNT, DATE, Step

MAX_REFERENCE = 35


def _date_field(label, required=False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput,
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD, e.g. 2026-12-01.")},
    )


def _amount_field(label) -> forms.CharField:
    # Text, not a number field: the service says what a valid amount is, in its own words.
    return forms.CharField(
        label=label,
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def _line_field(label, max_length: int) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class PaymentsForm(ServiceForm):
    """What every payments form shares: problems in words, each naming its field."""

    def problems(self) -> list[str]:
        """Every problem as a sentence that names its field, for a message on the next page."""
        lines = []
        for key, problems in self.errors.items():
            field = self.fields.get(key)
            where = f"{field.label}: " if field is not None and key != "version" else ""
            lines.extend(where + str(problem) for problem in problems)
        return lines


class StepForm(PaymentsForm):
    """A step of an agreement, an instruction or a guarantee, at the version the person saw,
    with the inputs ``rules`` declares for it."""

    version = forms.IntegerField(
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("The form was incomplete; reload the page and try again."),
            "invalid": _("The form was incomplete; reload the page and try again."),
            "min_value": _("The form was incomplete; reload the page and try again."),
        },
    )

    def __init__(self, *args, step: Step, **kwargs):
        super().__init__(*args, **kwargs)
        self.step = step
        for step_input in step.inputs:
            if step_input.kind == DATE:
                field = _date_field(step_input.label)
            elif step_input.kind == AMOUNT:
                field = _amount_field(step_input.label)
            elif step_input.kind == LINE:
                field = _line_field(step_input.label, step_input.max_length)
            else:
                field = forms.CharField(
                    label=step_input.label,
                    required=False,
                    max_length=step_input.max_length,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
            if step_input.required:
                field.widget.attrs["required"] = True
            self.fields[step_input.name] = field

    def inputs(self) -> dict:
        return {
            step_input.name: self.cleaned_data[step_input.name] for step_input in self.step.inputs
        }


class AgreementRequestForm(PaymentsForm):
    """A trader's request to an alliance bank to debit one of the company's accounts."""

    bank = forms.ModelChoiceField(
        label=_("Bank"),
        queryset=Bank.objects.filter(active=True),
        empty_label=_("Choose a bank"),
        error_messages={
            "required": _("Choose the bank that holds the account."),
            "invalid_choice": _("Choose one of the active alliance banks listed."),
        },
    )
    account_number = forms.CharField(
        label=_("Account number"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("As the bank issued it: 8 to 34 letters and digits; spaces are ignored."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank"].label_from_instance = lambda bank: f"{bank.legal_name} ({bank.bic})"


class InstructForm(PaymentsForm):
    """The trader's choice of the account under agreement that pays a bill."""

    agreement = forms.ModelChoiceField(
        label=_("Pay from account"),
        queryset=None,
        empty_label=None,
        error_messages={
            "required": _("Choose the account to pay from."),
            "invalid_choice": _("Choose one of your company's accounts listed."),
        },
    )

    def __init__(self, *args, agreements, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["agreement"]
        field.queryset = agreements
        field.label_from_instance = lambda agreement: (
            f"{agreement.account_number} · {agreement.bank.legal_name} ({agreement.bank.bic})"
        )


class ReleaseForm(PaymentsForm):
    """The trader's choice of the guarantee a bill is reserved against."""

    guarantee = forms.ModelChoiceField(
        label=_("Guarantee"),
        queryset=None,
        empty_label=None,
        error_messages={
            "required": _("Choose the guarantee to reserve the bill against."),
            "invalid_choice": _("Choose one of your company's guarantees listed."),
        },
    )

    def __init__(self, *args, guarantees, remaining: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["guarantee"]
        field.queryset = guarantees
        remaining = remaining or {}

        def label(guarantee):
            text = f"{guarantee.bank_reference} · {guarantee.bank.legal_name}"
            if guarantee.pk in remaining:
                text += " · " + gettext("CNY %(left)s left") % {
                    "left": f"{remaining[guarantee.pk]:,.2f}"
                }
            return text

        field.label_from_instance = label


class CounterPaymentForm(PaymentsForm):
    """An officer's record of a bill paid at a customs counter."""

    receipt_number = _line_field(_("Counter receipt number"), MAX_REFERENCE)


class GuaranteeForm(PaymentsForm):
    """A bank's general guarantee for a company, named by its USCI."""

    company = forms.CharField(
        label=_("Company USCI"),
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Enter the company's USCI (18 characters).")},
    )
    amount = _amount_field(_("Amount (CNY)"))
    valid_from = _date_field(_("Valid from"))
    valid_until = _date_field(_("Valid until"))
    bank_reference = _line_field(_("Your reference"), MAX_REFERENCE)

    def clean_company(self) -> Company:
        usci = self.cleaned_data["company"].strip().upper()
        company = Company.objects.filter(usci=usci).first()
        if company is None:
            raise ValidationError(
                gettext("No company is registered in eport under USCI %(usci)s.") % {"usci": usci}
            )
        return company


class StatementForm(PaymentsForm):
    """The value date of the statement a bank downloads."""

    value_date = _date_field(_("Value date"), required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value_date"].error_messages["required"] = _(
            "Choose the value date of the statement."
        )
