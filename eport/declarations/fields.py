"""The declaration's fields as a trader declares them, in form order: one list for every layer.

Validation, the form, the snapshot, the services and the API all name fields from here, so a new
field is added in one place.
"""

from django.utils.translation import gettext_lazy as _

HEADER_FIELDS = (
    "office",
    "flow",
    "procedure_code",
    "lrn",
    "consignor_name",
    "consignor_country",
    "consignor_id",
    "consignee_name",
    "consignee_country",
    "consignee_id",
    "dispatch_country",
    "destination_country",
    "transport_mode",
    "transport_document",
    "transport_means_id",
    "port_of_loading",
    "port_of_discharge",
    "incoterm",
    "incoterm_place",
    "invoice_currency",
    "invoice_total",
    "exchange_rate",
    "freight",
    "insurance",
)
# The header fields stored as plain values on Declaration (the office is a relation).
HEADER_VALUE_FIELDS = tuple(name for name in HEADER_FIELDS if name != "office")

ITEM_FIELDS = (
    "hs_code",
    "description",
    "origin_country",
    "quantity",
    "unit",
    "net_mass",
    "gross_mass",
    "invoice_value",
    "valuation_method",
    # Blank unless the HS code needs an import or export licence (eport.reference.controls).
    "licence_number",
)
# What assessment fills in on each item, and the declaration's assessed totals.
ASSESSED_ITEM_FIELDS = ("customs_value", "duty_rate", "duty", "vat_rate", "vat")
ASSESSED_TOTAL_FIELDS = ("customs_value", "duty_total", "vat_total")

# Each field in words as messages and amendment diffs name it mid-sentence: lower case except
# abbreviations and names ("consignor country", "HS code", "LRN", "VAT rate").
FIELD_WORDS = {
    "office": _("office"),
    "flow": _("flow"),
    "procedure_code": _("procedure code"),
    "lrn": _("LRN"),
    "consignor_name": _("consignor name"),
    "consignor_country": _("consignor country"),
    "consignor_id": _("consignor ID"),
    "consignee_name": _("consignee name"),
    "consignee_country": _("consignee country"),
    "consignee_id": _("consignee ID"),
    "dispatch_country": _("dispatch country"),
    "destination_country": _("destination country"),
    "transport_mode": _("transport mode"),
    "transport_document": _("transport document"),
    "transport_means_id": _("transport means ID"),
    "port_of_loading": _("port of loading"),
    "port_of_discharge": _("port of discharge"),
    "incoterm": _("Incoterm"),
    "incoterm_place": _("Incoterm place"),
    "invoice_currency": _("invoice currency"),
    "invoice_total": _("invoice total"),
    "exchange_rate": _("exchange rate"),
    "freight": _("freight"),
    "insurance": _("insurance"),
    "hs_code": _("HS code"),
    "description": _("description"),
    "origin_country": _("origin country"),
    "quantity": _("quantity"),
    "unit": _("unit"),
    "net_mass": _("net mass"),
    "gross_mass": _("gross mass"),
    "invoice_value": _("invoice value"),
    "valuation_method": _("valuation method"),
    "licence_number": _("licence number"),
    "line": _("line"),
    "reason": _("reason"),
    "item": _("item"),
    "document": _("document"),
    "documents": _("documents"),
    "answer": _("answer"),
    "question": _("question"),
    "instructions": _("instructions"),
    "findings": _("findings"),
    "certificate": _("certificate"),
    "reference": _("reference"),
    "note": _("note"),
    "customs_value": _("customs value"),
    "duty_rate": _("duty rate"),
    "duty": _("duty"),
    "vat_rate": _("VAT rate"),
    "vat": _("VAT"),
}


def field_words(name: str) -> str:
    """A field's name in words in the current language; an unknown name with its "_" as spaces."""
    words = FIELD_WORDS.get(name)
    return str(words) if words is not None else name.replace("_", " ")
