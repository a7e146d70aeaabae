"""Forms of the declaration pages: they parse what was typed; the domain validates the meaning.

Each field is named after the model field, so the domain's ``ValidationError`` (keyed by the
same names, and ``items.<index>.<field>`` for goods items) lands next to the right input.
"""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.forms.formsets import DELETION_FIELD_NAME
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from eport.reference import codes

from . import lifecycle, selectors
from .fields import HEADER_FIELDS, HEADER_VALUE_FIELDS, ITEM_FIELDS, field_words
from .models import Declaration

ITEMS_PREFIX = "items"


# Header fieldsets, in the order a broker fills in a paper SAD.
FIELDSETS = (
    (
        _("Filing"),
        ("office", "flow", "procedure_code", "lrn"),
    ),
    (
        _("Parties"),
        (
            "consignor_name",
            "consignor_country",
            "consignor_id",
            "consignee_name",
            "consignee_country",
            "consignee_id",
        ),
    ),
    (
        _("Transport"),
        (
            "dispatch_country",
            "destination_country",
            "transport_mode",
            "transport_document",
            "transport_means_id",
            "port_of_loading",
            "port_of_discharge",
        ),
    ),
    (
        _("Commercial"),
        (
            "incoterm",
            "incoterm_place",
            "invoice_currency",
            "invoice_total",
            "exchange_rate",
            "freight",
            "insurance",
        ),
    ),
)

PROCEDURE_CODES = (
    ("4000", _("4000 Release for free circulation")),
    ("4071", _("4071 Free circulation from a bonded warehouse")),
    ("5100", _("5100 Inward processing")),
    ("7100", _("7100 Customs warehousing")),
    ("1000", _("1000 Permanent export")),
    ("2100", _("2100 Temporary export for outward processing")),
    ("3151", _("3151 Re-export after inward processing")),
)

VALUATION_METHODS = (
    ("1", _("1 Transaction value")),
    ("2", _("2 Identical goods")),
    ("3", _("3 Similar goods")),
    ("4", _("4 Deductive value")),
    ("5", _("5 Computed value")),
    ("6", _("6 Fall-back")),
)


def _code_input(datalist: str, size: int, placeholder: str = "") -> forms.TextInput:
    return forms.TextInput(
        attrs={
            "list": datalist,
            "maxlength": size,
            "autocomplete": "off",
            "spellcheck": "false",
            "class": "code",
            "placeholder": placeholder,
        }
    )


def _text(label: str, max_length: int = 300, **kwargs) -> forms.CharField:
    # Nothing is refused here: the domain's validation reports every problem at once, worded
    # for the person, and the view places each message next to its field.
    return forms.CharField(label=label, required=False, max_length=max_length * 4, **kwargs)


def _code(label: str, datalist: str, size: int, placeholder: str = "", **kwargs):
    return _text(label, size, widget=_code_input(datalist, size, placeholder), **kwargs)


def _amount(label: str, **kwargs) -> forms.CharField:
    return _text(
        label,
        40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        **kwargs,
    )


def _choice(label: str, **kwargs) -> forms.CharField:
    return _text(label, 10, widget=forms.Select(), **kwargs)


class DeclarationForm(forms.Form):
    """The declaration header; ``office`` is chosen from the active customs offices."""

    office = _choice(_("Customs office of lodgement"))
    flow = _choice(_("Flow"))
    procedure_code = _code(
        _("Procedure code"),
        "dl-procedures",
        4,
        help_text=_("4000 release for free circulation, 1000 export."),
    )
    lrn = _text(_("Your reference (LRN)"), 35, help_text=_("Unique within your company."))
    consignor_name = _text(_("Consignor / exporter"), 200)
    consignor_country = _code(_("Consignor country"), "dl-countries", 2, "DE")
    consignor_id = _text(_("Consignor id"), 35)
    consignee_name = _text(_("Consignee / importer"), 200)
    consignee_country = _code(_("Consignee country"), "dl-countries", 2, "CN")
    consignee_id = _text(
        _("Consignee id (USCI)"), 35, help_text=_("18 characters for a Chinese party.")
    )
    dispatch_country = _code(_("Country of dispatch"), "dl-countries", 2)
    destination_country = _code(_("Country of destination"), "dl-countries", 2)
    transport_mode = _choice(_("Transport mode at the border"))
    transport_document = _text(
        _("Transport document"), 35, help_text=_("Bill of lading or air waybill number.")
    )
    transport_means_id = _text(
        _("Means of transport"), 35, help_text=_("Vessel IMO number, flight or vehicle.")
    )
    port_of_loading = _code(_("Port of loading"), "", 5, "DEHAM", help_text=_("UN/LOCODE"))
    port_of_discharge = _code(_("Port of discharge"), "", 5, "CNSHA", help_text=_("UN/LOCODE"))
    incoterm = _choice(_("Incoterm 2020"))
    incoterm_place = _text(_("Named place"), 100)
    invoice_currency = _code(_("Invoice currency"), "dl-currencies", 3, "USD")
    invoice_total = _amount(_("Invoice total"))
    exchange_rate = _amount(
        _("Exchange rate to CNY"), help_text=_("CNY per one unit of the invoice currency.")
    )
    freight = _amount(_("Freight"), help_text=_("In the invoice currency."))
    insurance = _amount(_("Insurance"), help_text=_("In the invoice currency."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].widget.choices = [
            ("", _("Choose an office…")),
            *codes.office_choices(),
        ]
        self.fields["flow"].widget.choices = Declaration.Flow.choices
        self.fields["transport_mode"].widget.choices = [
            ("", _("Choose…")),
            *codes.transport_mode_choices(),
        ]
        self.fields["incoterm"].widget.choices = [("", _("Choose…")), *codes.incoterm_choices()]
        for name in ("port_of_loading", "port_of_discharge"):
            self.fields[name].widget.attrs.pop("list", None)

    def fieldsets(self):
        return [(title, [self[name] for name in names]) for title, names in FIELDSETS]

    def header(self) -> dict:
        """What was typed, in the shape the domain services take (they validate it)."""
        return {name: self.cleaned_data.get(name, "") for name in HEADER_FIELDS}


class GoodsItemForm(forms.Form):
    hs_code = _text(
        _("HS code"),
        10,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "class": "code"}
        ),
        help_text=_("10 digits"),
    )
    description = _text(_("Description of goods"), 300)
    origin_country = _code(_("Origin"), "dl-countries", 2)
    quantity = _amount(_("Quantity"))
    unit = _code(_("Unit"), "dl-units", 3, "PCE")
    net_mass = _amount(_("Net mass (kg)"))
    gross_mass = _amount(_("Gross mass (kg)"))
    invoice_value = _amount(_("Invoice value"))
    valuation_method = _choice(_("Valuation"), initial="1")
    licence_number = _text(
        _("Licence number"),
        20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "class": "code"}
        ),
        help_text=_("Only for goods that need an import or export licence."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valuation_method"].widget.choices = VALUATION_METHODS
        hs_id = "id_" + self.add_prefix("hs_code")
        self.fields["hs_code"].widget.attrs.update(
            {
                "data-hs-lookup": reverse("web:hs_lookup", args=["__code__"]),
                "aria-describedby": f"{hs_id}-hint {hs_id}_helptext",
            }
        )

    def item(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in ITEM_FIELDS}


class BaseItemFormSet(forms.BaseFormSet):
    def removes(self, form: GoodsItemForm) -> bool:
        """Whether the person ticked "remove" on this item (read from its cleaned data)."""
        return self.can_delete and bool(
            getattr(form, "cleaned_data", {}).get(DELETION_FIELD_NAME, False)
        )

    def kept_forms(self) -> list[GoodsItemForm]:
        """The item forms that become goods items, in order: not removed, not left blank."""
        kept = []
        for form in self.forms:
            if self.removes(form):
                continue
            if not form.has_changed() and form.empty_permitted:
                continue
            kept.append(form)
        return kept

    def clean(self):
        super().clean()
        if not any(self.errors) and not self.kept_forms():
            raise ValidationError(_("A declaration needs at least one goods item."))


GoodsItemFormSet = forms.formset_factory(
    GoodsItemForm,
    formset=BaseItemFormSet,
    extra=0,
    min_num=1,
    max_num=999,
    absolute_max=999,
    can_delete=True,
)


def header_initial(declaration: Declaration) -> dict:
    initial = {name: getattr(declaration, name) for name in HEADER_VALUE_FIELDS}
    initial["exchange_rate"] = _plain(initial["exchange_rate"])
    initial["office"] = declaration.office.code
    return initial


def items_initial(declaration: Declaration) -> list[dict]:
    amounts = {"quantity", "net_mass", "gross_mass"}
    return [
        {
            name: _plain(getattr(item, name)) if name in amounts else getattr(item, name)
            for name in ITEM_FIELDS
        }
        for item in declaration.items.all()
    ]


def _plain(value) -> str:
    """A Decimal as a person would type it: 12.500 -> 12.5, 100.00 -> 100."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


_ANSWER = next(i for i in lifecycle.MOVES["amend"].inputs if i.name == "answer")


class AmendForm(forms.Form):
    """The answer that goes with an amendment (the draft itself is the declaration form)."""

    answer = forms.CharField(
        label=_ANSWER.label,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=_ANSWER.max_length,
        help_text=_("Say what you changed and why; the officer sees it next to the changes."),
    )


class DocumentForm(forms.Form):
    type = forms.ChoiceField(label=_("Document type"))
    reference = forms.CharField(label=_("Reference"), max_length=70)
    issued_on = forms.DateField(
        label=_("Issued on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    upload = forms.FileField(
        label=_("File (PDF, PNG or JPEG)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = codes.document_type_choices()
        limit_mb = settings.EPORT_MAX_UPLOAD_BYTES / (1024 * 1024)
        self.fields["upload"].help_text = _("Up to %(size)s MB.") % {"size": f"{limit_mb:g}"}


class ActionForm(forms.Form):
    """A move on the declaration page: the version it was shown at, plus the move's input.

    The input is the registry's: the move's free text arrives as ``text`` and goes to the
    service argument the move names; assessment may carry one correction of a goods item.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    text = forms.CharField(required=False, strip=True)
    correction_line = forms.IntegerField(required=False, min_value=1, max_value=999)
    correction_hs_code = forms.RegexField(
        regex=r"^[0-9]{6,10}$",
        required=False,
        error_messages={"invalid": _("An HS code is 6 to 10 digits.")},
    )
    correction_invoice_value = forms.DecimalField(
        required=False, max_digits=16, decimal_places=2, min_value=0
    )

    def __init__(self, *args, move: lifecycle.Move, **kwargs):
        super().__init__(*args, **kwargs)
        self.move = move
        text_input = move.text_input
        if text_input is not None:
            self.fields["text"].max_length = text_input.max_length
            self.fields["text"].validators.append(MaxLengthValidator(text_input.max_length))

    def clean(self):
        cleaned = super().clean()
        text_input = self.move.text_input
        if text_input is not None and text_input.required and not cleaned.get("text"):
            self.add_error(
                "text",
                _("Please give the %(input)s before you continue.")
                % {"input": field_words(text_input.name)},
            )
        line = cleaned.get("correction_line")
        hs_code = cleaned.get("correction_hs_code")
        value = cleaned.get("correction_invoice_value")
        if (hs_code or value is not None) and not line:
            self.add_error("correction_line", _("Say which goods item line you are correcting."))
        if line and not hs_code and value is None:
            self.add_error(
                "correction_line",
                _("Give the corrected HS code or invoice value for that line."),
            )
        if line and not cleaned.get("text"):
            self.add_error("text", _("A correction needs a reason; it is recorded in the ledger."))
        return cleaned

    def inputs(self) -> dict:
        """The service's keyword arguments for the move's inputs, from what was posted."""
        values: dict = {}
        for move_input in self.move.inputs:
            if move_input.kind == lifecycle.CORRECTIONS:
                values[move_input.name] = self._corrections()
            elif move_input is self.move.text_input:
                values[move_input.name] = self.cleaned_data["text"]
        return values

    def _corrections(self) -> list[dict] | None:
        line = self.cleaned_data.get("correction_line")
        if not line:
            return None
        correction: dict = {"line": line}
        if self.cleaned_data.get("correction_hs_code"):
            correction["hs_code"] = self.cleaned_data["correction_hs_code"]
        if self.cleaned_data.get("correction_invoice_value") is not None:
            correction["invoice_value"] = self.cleaned_data["correction_invoice_value"]
        return [correction]


class ListFilterForm(forms.Form):
    """Search and filters of the declarations list and its export; every field optional, a bad
    value left out of the search and named beside its field."""

    q = forms.CharField(required=False, max_length=50, label=_("Search"))
    status = forms.ChoiceField(required=False, label=_("Status"))
    lane = forms.ChoiceField(required=False, label=_("Lane"))
    inspection = forms.ChoiceField(required=False, label=_("Inspection and quarantine"))
    age = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label=_("Waiting"),
        choices=[
            ("", _("Any age")),
            ("1", _("over 1 day")),
            ("3", _("over 3 days")),
            ("7", _("over 7 days")),
        ],
    )
    company = forms.CharField(
        required=False, max_length=200, label=pgettext_lazy("company", "Trader")
    )
    hs_code = forms.CharField(required=False, max_length=13, label=_("HS code"))
    party = forms.CharField(required=False, max_length=200, label=_("Party name"))
    date_from = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_by = forms.ChoiceField(
        required=False,
        label=_("Dates of"),
        choices=[
            (selectors.SUBMITTED, _("submission")),
            (selectors.UPDATED, _("last update")),
        ],
    )
    # Bounded so the OFFSET it becomes always fits the database's integer type.
    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *Declaration.Status.choices]
        self.fields["lane"].choices = [("", _("Any lane")), *Declaration.Lane.choices]
        self.fields["inspection"].choices = [
            ("", _("Any")),
            *Declaration.Inspection.choices,
            (selectors.NO_INSPECTION, _("Not needed")),
        ]
        for name in ("date_from", "date_to"):
            self.fields[name].error_messages["invalid"] = _(
                "Enter a date as year-month-day, e.g. 2026-03-31."
            )

    def clean_hs_code(self) -> str:
        # Written as a broker writes it ("8471.30"): the digits are what is searched.
        code = "".join(self.cleaned_data["hs_code"].replace(".", "").split())
        if code and (not code.isdigit() or len(code) > 10):
            raise ValidationError(
                _("Enter the start of an HS code: up to 10 digits, e.g. 8471 or 847130.")
            )
        return code

    def clean(self):
        cleaned = super().clean()
        problem = selectors.date_range_problem(cleaned.get("date_from"), cleaned.get("date_to"))
        if problem:
            # The range as a whole is wrong: neither end of it is searched.
            self.add_error("date_to", problem)
            cleaned.pop("date_from", None)
        return cleaned

    def list_filters(self) -> selectors.ListFilters:
        """The valid filters (an invalid one is left out, its message shown beside it)."""
        wanted = {name: value for name, value in self.cleaned_data.items() if value}
        return selectors.ListFilters(
            q=wanted.get("q", ""),
            status=wanted.get("status", ""),
            lane=wanted.get("lane", ""),
            inspection=wanted.get("inspection", ""),
            company=wanted.get("company", ""),
            age_days=wanted.get("age"),
            hs_code=wanted.get("hs_code", ""),
            party=wanted.get("party", ""),
            date_from=wanted.get("date_from"),
            date_to=wanted.get("date_to"),
            date_by=wanted.get("date_by", ""),
        )


class GoodsImportForm(forms.Form):
    """Goods lines from a CSV or .xlsx file, added to a draft's items or replacing them."""

    ADD, REPLACE = "add", "replace"

    upload = forms.FileField(
        label=_("File (CSV or Excel .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    mode = forms.ChoiceField(
        label=_("The draft's goods items"),
        choices=[
            (ADD, _("Keep them and add the file's lines after them")),
            (REPLACE, _("Replace them with the file's lines")),
        ],
        initial=ADD,
        widget=forms.RadioSelect,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


# A picker's "Use" button (name ``fill``) names what it fills, its select (``fill-<target>``)
# holds the chosen values as JSON named by the declaration's own fields: a saved party fills
# ``consignor_*`` or ``consignee_*``; a saved goods line fills the first blank item, or a new one.
FILL = "fill"
FILL_PARTIES = ("consignor", "consignee")
FILL_ITEM = "item"


def with_chosen_values(data):
    """The posted form data with the values a picker posted filled in (the no-JavaScript "Use")."""
    target = str(data.get(FILL, ""))
    try:
        chosen = json.loads(str(data.get(f"{FILL}-{target}", "")))
    except ValueError:
        chosen = None
    data = data.copy()
    if not isinstance(chosen, dict):
        return data
    if target in FILL_PARTIES:
        names = {f"{target}_{key}": key for key in chosen if f"{target}_{key}" in HEADER_FIELDS}
    elif target == FILL_ITEM:
        prefix = _blank_item_prefix(data)
        names = {f"{prefix}-{key}": key for key in chosen if key in ITEM_FIELDS}
    else:
        return data
    for name, key in names.items():
        data[name] = str(chosen[key])
    return data


def _blank_item_prefix(data) -> str:
    """The prefix of the first item left blank, or of a new item added at the end."""
    total_key = f"{ITEMS_PREFIX}-TOTAL_FORMS"
    try:
        total = max(0, min(int(data.get(total_key, "0")), 999))
    except ValueError:
        total = 0
    for index in range(total):
        prefix = f"{ITEMS_PREFIX}-{index}"
        # The valuation method is never blank: its choice starts at 1.
        typed = (name for name in ITEM_FIELDS if name != "valuation_method")
        if not any(str(data.get(f"{prefix}-{name}", "")).strip() for name in typed):
            return prefix
    data[total_key] = str(min(total + 1, 999))
    return f"{ITEMS_PREFIX}-{total}"
