"""Checking what a trader declares (workflow spec, "The declaration").

Every function collects all problems and raises one ``ValidationError`` whose ``message_dict``
maps a field to its messages: header fields by model field name, goods items as
``items.<index>.<field>`` (0-based), totals as ``__all__`` and mandatory documents as
``documents``. Each message names the problem and says how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from eport.accounts.models import CustomsOffice
from eport.accounts.usci import validate_usci
from eport.core.money import decimal_from_text
from eport.core.text import control_character_problem
from eport.licensing.clearance import Citation, citation_problems
from eport.reference import codes

from .fields import HEADER_FIELDS, ITEM_FIELDS
from .models import Declaration, Document, GoodsItem

MAX_ITEMS = 999
# A goods item's commodity code: the HS subheading (6) and the national tariff digits (4).
COMMODITY_CODE_DIGITS = 10
TOTAL_TOLERANCE = Decimal("0.01")
# As GoodsItem.licence_number (and Licence.number) store it.
LICENCE_NUMBER_LENGTH = 20
# Sea and air need their transport document attached (UN/CEFACT 1001 codes).
TRANSPORT_DOCUMENTS = {
    Declaration.TransportMode.SEA: (Document.Type.BILL_OF_LADING, gettext_lazy("bill of lading")),
    Declaration.TransportMode.AIR: (Document.Type.AIR_WAYBILL, gettext_lazy("air waybill")),
}


PARTY_LABELS = {
    "consignor": {
        "name": gettext_lazy("consignor's name"),
        "country": gettext_lazy("consignor's country"),
        "id": gettext_lazy("consignor's id"),
    },
    "consignee": {
        "name": gettext_lazy("consignee's name"),
        "country": gettext_lazy("consignee's country"),
        "id": gettext_lazy("consignee's id"),
    },
}
# Fields' names in messages: lazy, so a value without a problem costs no translation.
LABELS = {
    "lrn": gettext_lazy("LRN (your own reference)"),
    "dispatch_country": gettext_lazy("dispatch country"),
    "destination_country": gettext_lazy("destination country"),
    "transport_means_id": gettext_lazy("transport means id"),
    "incoterm_place": gettext_lazy("Incoterm's named place"),
    "invoice_total": gettext_lazy("invoice total"),
    "exchange_rate": gettext_lazy("exchange rate (CNY per unit of the invoice currency)"),
    "description": gettext_lazy("description of the goods"),
    "origin_country": gettext_lazy("country of origin"),
    "quantity": gettext_lazy("quantity"),
    "net_mass": gettext_lazy("net mass in kg"),
    "gross_mass": gettext_lazy("gross mass in kg"),
    "invoice_value": gettext_lazy("item's invoice value"),
    "licence_number": gettext_lazy("licence number"),
}
AMOUNT_LABELS = {
    "freight": gettext_lazy("freight amount (in the invoice currency)"),
    "insurance": gettext_lazy("insurance amount (in the invoice currency)"),
}


def _too_long(label, max_length: int) -> str:
    return _("The %(label)s has at most %(max)s characters.") % {
        "label": label,
        "max": max_length,
    }


class _Problems:
    def __init__(self, prefix: str = ""):
        self.prefix = prefix
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(f"{self.prefix}{field}", []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _text(data: dict, name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    return str(value).strip()


def _code(data: dict, name: str) -> str:
    return _text(data, name).upper()


def _decimal(
    problems: _Problems,
    data: dict,
    name: str,
    label: str,
    *,
    places: int,
    max_digits: int,
    minimum: Decimal | None = Decimal(0),
    exclusive: bool = False,
    required: bool = True,
    default: Decimal | None = None,
    example: str = "1250.00",
) -> Decimal | None:
    raw = data.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            problems.add(
                name,
                _("Enter the %(label)s, e.g. %(example)s.") % {"label": label, "example": example},
            )
        return default
    if isinstance(raw, float):
        problems.add(
            name,
            _("The %(label)s must be given as a decimal number such as %(example)s.")
            % {"label": label, "example": example},
        )
        return None
    try:
        value = decimal_from_text(str(raw).replace(",", ""))
    except InvalidOperation:
        problems.add(
            name,
            _("The %(label)s must be a number such as %(example)s; %(value)s is not.")
            % {"label": label, "example": example, "value": repr(raw)},
        )
        return None
    if not value.is_finite():
        problems.add(
            name,
            _("The %(label)s must be a number such as %(example)s.")
            % {"label": label, "example": example},
        )
        return None
    if value and value.adjusted() + 1 > max_digits - places:
        problems.add(
            name,
            _("The %(label)s is too large: at most %(digits)s digits before the point.")
            % {"label": label, "digits": max_digits - places},
        )
        return None
    if value.as_tuple().exponent < -places and value != value.quantize(Decimal(1).scaleb(-places)):
        problems.add(
            name,
            _("The %(label)s has at most %(places)s decimal places.")
            % {"label": label, "places": places},
        )
        return None
    value = value.quantize(Decimal(1).scaleb(-places))
    if not value:
        # "-0" is zero: stored as 0.00 it must also digest as 0.00, or reconciliation would see
        # the saved declaration differ from its ledger entry forever.
        value = value.copy_abs()
    if minimum is not None and (value <= minimum if exclusive else value < minimum):
        message = (
            _("The %(label)s must be more than %(minimum)s.")
            if exclusive
            else _("The %(label)s must be at least %(minimum)s.")
        )
        problems.add(name, message % {"label": label, "minimum": minimum})
        return None
    return value


def _country(problems: _Problems, data: dict, name: str, label: str, *, required=True) -> str:
    code = _code(data, name)
    if not code:
        if required:
            problems.add(
                name,
                _("Enter the %(label)s as an ISO 3166-1 two-letter code, e.g. CN.")
                % {"label": label},
            )
        return code
    if not codes.is_country(code):
        problems.add(
            name,
            _(
                "%(code)s is not a country code; use the ISO 3166-1 two-letter code, "
                "e.g. CN, DE, US."
            )
            % {"code": repr(code)},
        )
    return code


def _required_text(problems: _Problems, data: dict, name: str, label: str, max_length: int) -> str:
    value = _text(data, name)
    if not value:
        problems.add(name, _("Enter the %(label)s.") % {"label": label})
    else:
        _check_text(problems, name, label, value, max_length)
    return value


def _optional_text(problems: _Problems, data: dict, name: str, label: str, max_length: int) -> str:
    value = _text(data, name)
    _check_text(problems, name, label, value, max_length)
    return value


def _check_text(problems: _Problems, name: str, label, value: str, max_length: int) -> None:
    if len(value) > max_length:
        problems.add(name, _too_long(label, max_length))
    problem = control_character_problem(value)
    if problem:
        problems.add(name, problem)


def _office(problems: _Problems, value: Any) -> CustomsOffice | None:
    code = value.code if isinstance(value, CustomsOffice) else str(value or "").strip()
    if not code:
        problems.add("office", _("Choose the customs office of lodgement."))
        return None
    if isinstance(value, CustomsOffice) and value.pk is not None:
        # A stored office the caller has just read (a declaration's, with it): judge that row.
        office = value if value.active else None
    else:
        office = CustomsOffice.objects.filter(code=code, active=True).first()
    if office is None:
        problems.add(
            "office",
            _("%(code)s is not an open customs office; choose the office of lodgement.")
            % {"code": repr(code)},
        )
    return office


def _party_id(problems: _Problems, data: dict, name: str, country: str, label: str) -> str:
    value = _code(data, name)
    if len(value) > 35:
        problems.add(name, _too_long(label, 35))
    elif problem := control_character_problem(value):
        problems.add(name, problem)
    elif value and country == "CN":
        # A Chinese party is identified by its USCI; check it so typing mistakes surface now.
        # The message is shown next to the field (or after its name in a list), so it does
        # not name the field again.
        try:
            validate_usci(value)
        except ValidationError as error:
            for message in error.messages:
                problems.add(name, message)
    return value


def clean_header(data: dict) -> dict:
    """The header, normalised (codes upper-cased, text stripped), or every problem at once."""
    problems = _Problems()
    cleaned: dict[str, Any] = {"office": _office(problems, data.get("office"))}

    flow = _text(data, "flow").lower()
    if flow not in Declaration.Flow.values:
        problems.add("flow", _("Choose whether this is an import or an export declaration."))
    cleaned["flow"] = flow

    procedure = _text(data, "procedure_code")
    if not (len(procedure) == 4 and procedure.isdigit()):
        problems.add(
            "procedure_code",
            _(
                "The procedure code is 4 digits, e.g. 4000 (release for free circulation) or "
                "1000 (export)."
            ),
        )
    cleaned["procedure_code"] = procedure
    cleaned["lrn"] = _required_text(problems, data, "lrn", LABELS["lrn"], 35)

    for party in ("consignor", "consignee"):
        labels = PARTY_LABELS[party]
        cleaned[f"{party}_name"] = _required_text(
            problems, data, f"{party}_name", labels["name"], 200
        )
        cleaned[f"{party}_country"] = _country(
            problems, data, f"{party}_country", labels["country"]
        )
        cleaned[f"{party}_id"] = _party_id(
            problems, data, f"{party}_id", cleaned[f"{party}_country"], labels["id"]
        )
    cleaned["dispatch_country"] = _country(
        problems, data, "dispatch_country", LABELS["dispatch_country"]
    )
    cleaned["destination_country"] = _country(
        problems, data, "destination_country", LABELS["destination_country"]
    )

    mode = _text(data, "transport_mode")
    if not codes.is_transport_mode(mode):
        problems.add(
            "transport_mode",
            _(
                "Choose the transport mode at the border (UN Rec. 19): 1 sea, 2 rail, 3 road, "
                "4 air, 5 post, 7 fixed installation, 8 inland waterway, 9 own propulsion."
            ),
        )
    cleaned["transport_mode"] = mode
    cleaned["transport_document"] = _code(data, "transport_document")
    if len(cleaned["transport_document"]) > 35:
        problems.add(
            "transport_document", _("The transport document number has at most 35 characters.")
        )
    cleaned["transport_means_id"] = _optional_text(
        problems, data, "transport_means_id", LABELS["transport_means_id"], 35
    )
    for port in ("port_of_loading", "port_of_discharge"):
        code = _code(data, port).replace(" ", "")
        if code:
            problem = codes.locode_problem(code)
            if problem:
                problems.add(port, problem)
        cleaned[port] = code

    incoterm = _code(data, "incoterm")
    if not codes.is_incoterm(incoterm):
        problems.add(
            "incoterm",
            _("%(incoterm)s is not an Incoterms 2020 rule; use one of %(rules)s.")
            % {"incoterm": repr(incoterm), "rules": " ".join(Declaration.Incoterm.values)}
            if incoterm
            else _("Choose the Incoterm (Incoterms 2020), e.g. FOB or CIF."),
        )
    cleaned["incoterm"] = incoterm
    cleaned["incoterm_place"] = _optional_text(
        problems, data, "incoterm_place", LABELS["incoterm_place"], 100
    )

    currency = _code(data, "invoice_currency")
    if not codes.is_currency(currency):
        problems.add(
            "invoice_currency",
            _("%(currency)s is not a currency code; use the ISO 4217 code, e.g. USD, EUR, CNY.")
            % {"currency": repr(currency)}
            if currency
            else _("Enter the invoice currency as an ISO 4217 code, e.g. USD."),
        )
    cleaned["invoice_currency"] = currency
    cleaned["invoice_total"] = _decimal(
        problems,
        data,
        "invoice_total",
        LABELS["invoice_total"],
        places=2,
        max_digits=16,
        exclusive=True,
    )
    rate = _decimal(
        problems,
        data,
        "exchange_rate",
        LABELS["exchange_rate"],
        places=6,
        max_digits=14,
        exclusive=True,
        example="7.100000",
    )
    if rate is not None and currency == "CNY" and rate != 1:
        problems.add("exchange_rate", _("The invoice is in CNY, so the exchange rate is 1."))
    cleaned["exchange_rate"] = rate
    for name in ("freight", "insurance"):
        cleaned[name] = _decimal(
            problems,
            data,
            name,
            AMOUNT_LABELS[name],
            places=2,
            max_digits=14,
            required=False,
            default=Decimal("0.00"),
            example="120.00",
        )
    problems.raise_if_any()
    return cleaned


def clean_item(data: dict, index: int) -> dict:
    """One goods item, normalised, or every problem at once under ``items.<index>.<field>``."""
    cleaned, problems = item_problems(data, index)
    problems.raise_if_any()
    return cleaned


def commodity_code_problem(code: str) -> str | None:
    """Why ``code`` is not a commodity code (digits only, exactly COMMODITY_CODE_DIGITS of them),
    naming what was typed against the rule; None when its form is right."""
    if not code.isdigit():
        return _(
            "%(code)s is not a commodity code: it may hold only digits, %(digits)s of them, "
            "e.g. 8471300000."
        ) % {"code": repr(code), "digits": COMMODITY_CODE_DIGITS}
    if len(code) != COMMODITY_CODE_DIGITS:
        return ngettext(
            "%(code)s is not a commodity code: it has %(count)s digit and needs %(digits)s, "
            "e.g. 8471300000.",
            "%(code)s is not a commodity code: it has %(count)s digits and needs %(digits)s, "
            "e.g. 8471300000.",
            len(code),
        ) % {"code": repr(code), "count": len(code), "digits": COMMODITY_CODE_DIGITS}
    return None


def item_problems(data: dict, index: int) -> tuple[dict, _Problems]:
    """(normalised values, problems) of one goods item, without raising."""
    problems = _Problems(prefix=f"items.{index}.")
    cleaned: dict[str, Any] = {}

    hs_code = _text(data, "hs_code").replace(".", "").replace(" ", "")
    if not hs_code:
        problems.add("hs_code", _("Enter the 10-digit HS commodity code."))
    elif problem := commodity_code_problem(hs_code):
        problems.add("hs_code", problem)
    elif not codes.is_hs_subheading(hs_code[:6]):
        problems.add(
            "hs_code",
            _(
                "%(subheading)s is not a subheading of HS 2022; check the first 6 digits of "
                "%(code)s against the nomenclature."
            )
            % {"subheading": hs_code[:6], "code": hs_code},
        )
    cleaned["hs_code"] = hs_code
    cleaned["description"] = _required_text(
        problems, data, "description", LABELS["description"], 300
    )
    cleaned["origin_country"] = _country(problems, data, "origin_country", LABELS["origin_country"])
    cleaned["quantity"] = _decimal(
        problems,
        data,
        "quantity",
        LABELS["quantity"],
        places=3,
        max_digits=16,
        exclusive=True,
        example="10",
    )
    unit = _code(data, "unit")
    if problem := codes.unit_problem(unit):
        problems.add("unit", problem)
    cleaned["unit"] = unit
    net = _decimal(
        problems, data, "net_mass", LABELS["net_mass"], places=3, max_digits=16, example="12.500"
    )
    gross = _decimal(
        problems,
        data,
        "gross_mass",
        LABELS["gross_mass"],
        places=3,
        max_digits=16,
        example="13.000",
    )
    if net is not None and gross is not None and net > gross:
        problems.add(
            "net_mass",
            _(
                "The net mass (%(net)s kg) is above the gross mass (%(gross)s kg); the gross mass "
                "includes packaging, so it is at least the net mass."
            )
            % {"net": net, "gross": gross},
        )
    cleaned["net_mass"], cleaned["gross_mass"] = net, gross
    cleaned["invoice_value"] = _decimal(
        problems,
        data,
        "invoice_value",
        LABELS["invoice_value"],
        places=2,
        max_digits=16,
        exclusive=True,
    )
    method = data.get("valuation_method")
    if method is None:
        method = 1  # left out or null: the transaction value of the goods
    try:
        method = int(str(method).strip() or "1")
    except ValueError:
        method = 0
    if not 1 <= method <= 6:
        problems.add(
            "valuation_method",
            _("The valuation method is 1 to 6 (1: transaction value of the goods)."),
        )
    cleaned["valuation_method"] = method
    licence = _code(data, "licence_number")
    if len(licence) > LICENCE_NUMBER_LENGTH:
        problems.add("licence_number", _too_long(LABELS["licence_number"], LICENCE_NUMBER_LENGTH))
    elif problem := control_character_problem(licence):
        problems.add("licence_number", problem)
    cleaned["licence_number"] = licence
    return cleaned, problems


def clean_draft(header: dict, items: list[dict]) -> tuple[dict, list[dict]]:
    """Header and items cleaned together: all their problems raised in one ValidationError."""
    errors: dict[str, list[str]] = {}
    cleaned_header: dict = {}
    cleaned_items: list[dict] = []
    try:
        cleaned_header = clean_header(header)
    except ValidationError as error:
        errors.update(error.message_dict)
    if len(items) > MAX_ITEMS:
        errors.setdefault("__all__", []).append(
            _(
                "A declaration has at most %(max)s goods items; this one has %(count)s. "
                "Split it into several declarations."
            )
            % {"max": MAX_ITEMS, "count": len(items)}
        )
    for index, item in enumerate(items):
        try:
            cleaned_items.append(clean_item(item, index))
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned_header, cleaned_items


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def citations_of(items: Iterable[GoodsItem]) -> list[Citation]:
    """The goods items as the licensing agency's clearance rules read them, in line order."""
    return [
        Citation(
            line=item.line,
            hs_code=item.hs_code,
            quantity=item.quantity,
            unit=item.unit,
            value=item.invoice_value,
            licence_number=item.licence_number,
        )
        for item in sorted(items, key=lambda item: item.line)
    ]


def check_ready_to_submit(
    declaration: Declaration,
    *,
    items: Iterable[GoodsItem] | None = None,
    documents: Iterable[Document] | None = None,
    on: date | None = None,
) -> None:
    """Raise ValidationError with every reason this declaration cannot be submitted yet.

    ``items`` and ``documents`` are the stored rows when the caller already holds them;
    otherwise they are read. Items under licence control must cite a licence of the company
    that covers them on ``on`` (default: today); their problems are the item's
    ``licence_number`` problems.
    """
    if items is None:
        items = list(declaration.items.order_by("line"))
    else:
        items = sorted(items, key=lambda item: item.line)
    header = {name: getattr(declaration, name) for name in HEADER_FIELDS}
    header["office"] = declaration.office
    errors: dict[str, list[str]] = {}
    try:
        clean_draft(header, [{name: getattr(item, name) for name in ITEM_FIELDS} for item in items])
    except ValidationError as error:
        errors.update(error.message_dict)

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not items:
        add("__all__", _("Add at least one goods item before submitting."))
    else:
        cited = citation_problems(
            company_id=declaration.company_id,
            flow=declaration.flow,
            currency=declaration.invoice_currency,
            citations=citations_of(items),
            on=on or timezone.localdate(),
        )
        index_of = {item.line: index for index, item in enumerate(items)}
        for line, messages in sorted(cited.items()):
            for message in messages:
                add(f"items.{index_of.get(line, line - 1)}.licence_number", message)
        items_total = sum((item.invoice_value for item in items), Decimal("0.00"))
        difference = abs(items_total - declaration.invoice_total)
        if difference > TOTAL_TOLERANCE:
            add(
                "__all__",
                _(
                    "The items' invoice values add up to %(items_total)s but the invoice total is "
                    "%(invoice_total)s %(currency)s (difference %(difference)s); correct an "
                    "item's value or the invoice total."
                )
                % {
                    "items_total": _money(items_total),
                    "invoice_total": _money(declaration.invoice_total),
                    "currency": declaration.invoice_currency,
                    "difference": _money(difference),
                },
            )
    if documents is None:
        types = set(declaration.documents.values_list("type", flat=True))
    else:
        types = {document.type for document in documents}
    if Document.Type.COMMERCIAL_INVOICE not in types:
        add("documents", _("Attach the commercial invoice (document type 380)."))
    required = TRANSPORT_DOCUMENTS.get(declaration.transport_mode)
    if required is not None:
        code, name = required
        mode = Declaration.TransportMode(declaration.transport_mode).label.lower()
        if code not in types:
            add(
                "documents",
                _("Attach the %(name)s (document type %(code)s): goods go by %(mode)s.")
                % {"name": name, "code": code, "mode": mode},
            )
        if not declaration.transport_document:
            add(
                "transport_document",
                _("Enter the %(name)s number: it is required for transport by %(mode)s.")
                % {"name": name, "mode": mode},
            )
    if errors:
        raise ValidationError(errors)
