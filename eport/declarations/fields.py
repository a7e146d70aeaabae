"""The declaration's fields as a trader declares them, in form order: one list for every layer.

Validation, the form, the snapshot, the services and the API all name fields from here, so a new
field is added in one place.
"""

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
)
# What assessment fills in on each item, and the declaration's assessed totals.
ASSESSED_ITEM_FIELDS = ("customs_value", "duty_rate", "duty", "vat_rate", "vat")
ASSESSED_TOTAL_FIELDS = ("customs_value", "duty_total", "vat_total")
