"""Request and response shapes. Requests are checked for shape only (types, lists); what the
values mean is checked by the domain's validation, so the API and the pages say the same things,
all at once, with the same field keys."""

from __future__ import annotations

import copy
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from eport.declarations import lifecycle, selectors
from eport.declarations.fields import ASSESSED_ITEM_FIELDS, ITEM_FIELDS
from eport.declarations.models import Declaration, Document, GoodsItem, Query
from eport.declarations.validation import MAX_ITEMS
from eport.reference.choices import DocumentType, Incoterm, TransportMode

from .schema import COUNTRY_CODES, CURRENCY_CODES, UNIT_CODES, stated, text_rules

DECIMAL_PATTERN = r"^-?[0-9]{1,16}(\.[0-9]{1,6})?$"
# A UN/LOCODE: an ISO 3166-1 country and three letters or digits 2-9; optional, so it may be blank.
LOCODE = f"^(({'|'.join(COUNTRY_CODES)})[A-Z2-9]{{3}})?$"


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        "pattern": DECIMAL_PATTERN,
        "example": "1250.00",
        "description": "A decimal number as a string, e.g. 1250.00 (a JSON number is accepted "
        "too).",
    }
)
class DecimalText(serializers.Field):
    """A decimal given as a string or a JSON number (parsed exactly, never as a float)."""

    default_error_messages = {"invalid": gettext_lazy("Give a decimal number such as 1250.00.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | Decimal):
            self.fail("invalid")
        return data if isinstance(data, str) else str(data)

    def to_representation(self, value):
        return None if value is None else str(value)


class Text(serializers.CharField):
    """Text given as a JSON string. DRF's CharField takes a number and keeps its digits as text,
    which the schema (``type: string``) says is not a value: a number here is refused."""

    default_error_messages = {"invalid": gettext_lazy("Give text (a JSON string).")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def _text(max_length: int = 300, *, required: bool = False, **rules) -> serializers.CharField:
    field = Text(required=False, allow_blank=True, allow_null=True, max_length=max_length)
    return stated(field, required=required, **text_rules(required=required), **rules)


def fresh_fields(fields: dict) -> dict:
    """Copies of declared fields for one serializer instance.

    DRF deep-copies every field for every instance, re-running each field's ``__init__``: a
    country field flattens its 250 choices again each time, and that copying cost more than
    checking a whole draft. A plain field holds nothing that changes once it is made, so a shallow
    copy (which ``bind`` then names) is enough; fields that hold other fields are deep-copied
    as DRF does.
    """
    return {
        name: copy.deepcopy(field) if isinstance(field, _HOLDING_FIELDS) else _shallow_copy(field)
        for name, field in fields.items()
    }


_HOLDING_FIELDS = (serializers.BaseSerializer, serializers.ListField, serializers.DictField)


def _shallow_copy(field: serializers.Field) -> serializers.Field:
    # What copy.copy() makes, without its generic __reduce_ex__ path: several times faster, and
    # a declaration's response copies some 70 fields.
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone


# A serializer whose instances get their declared fields by ``fresh_fields``. (A comment, not a
# docstring: the schema would publish it as the description of subclasses without their own.)
class LeanSerializer(serializers.Serializer):
    def get_fields(self):
        return fresh_fields(self._declared_fields)


class CodeText(serializers.ChoiceField):
    """A code from a list. The schema lists the codes; the domain checks the value, so an unknown
    code is refused with its message, beside the request's other problems."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid_choice", input=data)
        return str(data)


def _code(*, required: bool = False, choices=None, **rules) -> serializers.CharField:
    """A code from a list (``choices``) or of a fixed form (a ``pattern`` in ``rules``)."""
    if choices is not None:
        field = CodeText(choices, required=False, allow_blank=True, allow_null=True)
    else:
        field = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    return stated(field, required=required, **rules)


def decimal_pattern(digits: int, places: int, *, positive: bool) -> str:
    """At most ``digits`` digits before the point and ``places`` after it; not zero when the
    value must be ``positive`` (more than 0)."""
    not_zero = r"(?!0+(\.0+)?$)" if positive else ""
    return f"^{not_zero}[0-9]{{1,{digits}}}(\\.[0-9]{{1,{places}}})?$"


def _decimal(
    digits: int,
    places: int,
    *,
    required: bool = False,
    positive: bool = False,
    example: str,
    help_text: str = "",
) -> DecimalText:
    """A decimal as the domain reads it (``positive``: more than 0, else at least 0)."""
    field = DecimalText(required=False, allow_null=True, help_text=help_text or None)
    pattern = decimal_pattern(digits, places, positive=positive)
    return stated(field, required=required, pattern=pattern, example=example)


def _country(description: str = "ISO 3166-1 alpha-2 code, e.g. CN.", **kwargs):
    return _code(choices=COUNTRY_CODES, description=description, **kwargs)


def amount_field(
    help_text: str | None, *, required: bool = True, allow_null: bool = False
) -> DecimalText:
    """An amount of money, more than 0: at most 14 digits before the point and 2 after it."""
    field = DecimalText(required=required, allow_null=allow_null, help_text=help_text)
    pattern = decimal_pattern(14, 2, positive=True)
    return stated(field, required=required, pattern=pattern, example="1250.00")


def bic_field() -> serializers.CharField:
    """An alliance bank, by its SWIFT BIC (8 or 11 characters; any letter case is read)."""
    field = serializers.CharField(
        max_length=11, help_text="The alliance bank's SWIFT BIC, e.g. ICBKCNBJSHI."
    )
    return stated(field, pattern="^[A-Za-z]{6}[A-Za-z0-9]{2}([A-Za-z0-9]{3})?$")


def cny_field() -> serializers.CharField:
    """The currency of duties and taxes, which is always CNY (the default when left out)."""
    field = serializers.CharField(
        max_length=3, required=False, allow_blank=True, help_text="CNY (the default)."
    )
    return stated(field, pattern="^(CNY)?$")


def reference_field(help_text: str) -> serializers.CharField:
    """A bank's or a counter's own reference: required, at most 35 characters of text."""
    field = serializers.CharField(max_length=35, allow_blank=True, help_text=help_text)
    return stated(field, **text_rules(required=True))


class ItemInSerializer(LeanSerializer):
    """A goods item of a declaration."""

    hs_code = _code(
        required=True,
        pattern="^[0-9]{10}$",
        example="8471300000",
        description="10-digit commodity code whose first 6 digits are an HS 2022 subheading.",
    )
    description = _text(300, required=True, example="Laptop computers, 14-inch")
    origin_country = _country("Country of origin, ISO 3166-1 alpha-2, e.g. CN.", required=True)
    quantity = _decimal(13, 3, required=True, positive=True, example="10", help_text="More than 0.")
    unit = _code(
        required=True, choices=UNIT_CODES, description="UN/ECE Rec. 20 unit, e.g. PCE, KGM."
    )
    net_mass = _decimal(13, 3, required=True, example="12.500", help_text="Net mass in kg.")
    gross_mass = _decimal(
        13, 3, required=True, example="13.000", help_text="Gross mass in kg, at least the net mass."
    )
    invoice_value = _decimal(
        14,
        2,
        required=True,
        positive=True,
        example="1250.00",
        help_text="Item invoice value in the invoice currency, more than 0.",
    )
    valuation_method = stated(
        serializers.IntegerField(
            required=False,
            allow_null=True,
            help_text="WTO valuation method, 1–6 (default 1: transaction value of the goods).",
        ),
        minimum=1,
        maximum=6,
    )
    licence_number = _text(
        20,
        description=(
            "The number of your company's approved import or export licence this item is "
            "declared under; required to submit when its HS code needs a licence."
        ),
    )


class HeaderInSerializer(LeanSerializer):
    office = _code(
        required=True,
        pattern="^[0-9]{4}$",
        example="2201",
        description="An open customs office of lodgement, 4 digits, e.g. 2201.",
    )
    flow = _code(required=True, choices=Declaration.Flow.choices)
    procedure_code = _code(
        required=True,
        pattern="^[0-9]{4}$",
        example="4000",
        description="4 digits, e.g. 4000 (release for free circulation) or 1000 (export).",
    )
    lrn = _text(
        35,
        required=True,
        example="PO-2026-0042",
        description="Your own reference, unique per company.",
    )
    consignor_name = _text(200, required=True)
    consignor_country = _country(required=True)
    consignor_id = _text(35)
    consignee_name = _text(200, required=True)
    consignee_country = _country(required=True)
    consignee_id = _text(35, description="For a Chinese party (country CN), its 18-character USCI.")
    dispatch_country = _country(required=True)
    destination_country = _country(required=True)
    transport_mode = _code(
        required=True,
        choices=TransportMode.choices,
        description="UN Rec. 19: 1 sea, 2 rail, 3 road, 4 air, 5 post, 7 fixed installation, "
        "8 inland waterway, 9 own propulsion.",
    )
    transport_document = _text(
        35,
        description="Bill of lading or air waybill number; required to submit when the mode is "
        "sea or air.",
    )
    transport_means_id = _text(35)
    port_of_loading = _code(pattern=LOCODE, example="DEHAM", description="UN/LOCODE, e.g. DEHAM.")
    port_of_discharge = _code(pattern=LOCODE, example="CNSHA", description="UN/LOCODE, e.g. CNSHA.")
    incoterm = _code(required=True, choices=Incoterm.choices, description="Incoterms 2020.")
    incoterm_place = _text(100)
    invoice_currency = _code(
        required=True, choices=CURRENCY_CODES, description="ISO 4217 code, e.g. USD."
    )
    invoice_total = _decimal(
        14, 2, required=True, positive=True, example="27000.00", help_text="More than 0."
    )
    exchange_rate = _decimal(
        8,
        6,
        required=True,
        positive=True,
        example="7.100000",
        help_text="CNY per one unit of the invoice currency, more than 0 (1 for CNY).",
    )
    freight = _decimal(12, 2, example="120.00", help_text="Default 0.")
    insurance = _decimal(12, 2, example="35.00", help_text="Default 0.")


class DraftInSerializer(HeaderInSerializer):
    """A declaration's draft: the header fields and the goods items (the whole list, which
    replaces the old one). Every problem is answered at once in a 422's `errors`."""

    items = serializers.ListField(
        child=ItemInSerializer(), max_length=MAX_ITEMS, required=False, default=list
    )

    def split(self) -> tuple[dict, list[dict]]:
        data = dict(self.validated_data)
        items = [dict(item) for item in data.pop("items", [])]
        return data, items


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        max_value=2_147_483_647,
        help_text="The declaration's version you acted on; a stale version answers 409.",
    )


class CopyInSerializer(serializers.Serializer):
    """Copying a declaration as a new draft: the new draft's LRN, or none for a suggested one."""

    lrn = _text(
        35,
        example="PO-2026-0043",
        description=(
            "The new draft's own reference, unique per company; left out, a free one is made "
            "from the original's (e.g. PO-2026-0042-2)."
        ),
    )


class DraftUpdateSerializer(DraftInSerializer, VersionSerializer):
    pass


class ItemsUpdateSerializer(VersionSerializer):
    items = serializers.ListField(child=ItemInSerializer(), max_length=MAX_ITEMS)


class CorrectionSerializer(serializers.Serializer):
    """An officer's correction of one goods item at assessment."""

    line = serializers.IntegerField(min_value=1, max_value=999)
    hs_code = _code(
        pattern="^([0-9]{10})?$", example="8471300000", description="The corrected HS code."
    )
    invoice_value = _decimal(14, 2, example="1250.00", help_text="The corrected invoice value.")
    reason = stated(
        serializers.CharField(required=False, allow_blank=True, max_length=2000),
        **text_rules(required=False),
    )


def text_input(*, required: bool, max_length: int | None, help_text: str | None):
    """A move's or a step's text input. A required one must be present; whether it says enough
    is the service's call, so a blank one is refused with the domain's own sentence (422), and
    the schema says it may not be blank."""
    field = Text(required=required, allow_blank=True, max_length=max_length, help_text=help_text)
    return stated(field, **text_rules(required=required))


def _input_fields(move: lifecycle.Move) -> dict[str, serializers.Field]:
    """The request fields of a move's inputs, as the registry declares them."""
    fields: dict[str, serializers.Field] = {}
    for move_input in move.inputs:
        help_text = move_input.help or None  # lazy: said in the schema's language
        if move_input.kind in (lifecycle.TEXT, lifecycle.LINE):
            fields[move_input.name] = text_input(
                required=move_input.required, max_length=move_input.max_length, help_text=help_text
            )
        elif move_input.kind == lifecycle.CORRECTIONS:
            fields[move_input.name] = serializers.ListField(
                child=CorrectionSerializer(),
                required=False,
                default=list,
                max_length=MAX_ITEMS,
                help_text=help_text,
            )
    return fields


def move_request_serializer(move: lifecycle.Move) -> type[serializers.Serializer]:
    """The request body of a move's endpoint: ``version`` plus the move's inputs."""
    drafted = any(move_input.kind == lifecycle.DRAFT for move_input in move.inputs)
    bases = (DraftInSerializer, VersionSerializer) if drafted else (VersionSerializer,)
    name = "".join(part.title() for part in move.name.split("_")) + "MoveSerializer"
    return type(name, bases, {"__module__": __name__, **_input_fields(move)})


def move_arguments(move: lifecycle.Move, data: dict) -> dict:
    """The service's keyword arguments (besides declaration, actor, version) from a request."""
    data = dict(data)
    data.pop("version", None)
    arguments = {}
    for move_input in move.inputs:
        if move_input.kind == lifecycle.CORRECTIONS:
            arguments[move_input.name] = [dict(value) for value in data.pop(move_input.name, [])]
        elif move_input.kind in (lifecycle.TEXT, lifecycle.LINE) and move_input.name in data:
            arguments[move_input.name] = data.pop(move_input.name)
    if any(move_input.kind == lifecycle.DRAFT for move_input in move.inputs):
        # What is left is the draft: its header fields and goods items.
        arguments["items"] = [dict(item) for item in data.pop("items", [])]
        arguments["header"] = data
    return arguments


class DocumentInSerializer(LeanSerializer):
    """A document to attach: its type, reference, date of issue and file."""

    type = stated(
        CodeText(DocumentType.choices),
        description="UN/CEFACT 1001: 380 commercial invoice, 271 packing list, 705 bill of "
        "lading, 740 air waybill, 861 certificate of origin, 911 import licence.",
    )
    reference = stated(
        serializers.CharField(allow_blank=True, max_length=200),
        **text_rules(required=False),
        description="The document's own number, e.g. the invoice number.",
    )
    issued_on = serializers.DateField(required=False, help_text="The date of issue.")
    file = serializers.FileField(
        help_text="PDF, PNG or JPEG; its content is checked, not its name.",
        allow_empty_file=True,
    )


# Responses -----------------------------------------------------------------------------------


# A response serializer whose fields are worked out from the model once per class.
# ModelSerializer inspects the model for every instance it is created for, which cost more than
# turning a declaration into JSON; the fields depend only on the class, so each instance gets
# fresh copies (``fresh_fields``) of the ones built the first time. (A comment,
# not a docstring: the schema would publish a docstring as every response's description.)
class ReadOnlyModelSerializer(serializers.ModelSerializer):
    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return fresh_fields(built)


class ItemSerializer(ReadOnlyModelSerializer):
    """A goods item: what was declared and, once assessed, the duty and VAT on it."""

    class Meta:
        model = GoodsItem
        # needs_inspection: set on submission, from the statutory inspection list.
        fields = ["line", *ITEM_FIELDS, "needs_inspection", *ASSESSED_ITEM_FIELDS]
        read_only_fields = fields


class DocumentSerializer(ReadOnlyModelSerializer):
    """A document attached to a declaration; `download` is its file."""

    declaration = serializers.UUIDField(source="declaration.uuid", read_only=True)
    declaration_version = serializers.IntegerField(
        source="declaration.version",
        read_only=True,
        help_text="The declaration's version now: adding or removing a document changes it.",
    )
    download = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "uuid",
            "declaration",
            "declaration_version",
            "type",
            "reference",
            "issued_on",
            "sha256",
            "size",
            "content_type",
            "uploaded_at",
            "download",
        ]
        read_only_fields = fields

    def get_download(self, document) -> str:
        return reverse("api:document_file", kwargs={"uuid": document.uuid})


class QuerySerializer(ReadOnlyModelSerializer):
    """An officer's question about a declaration and the trader's answer."""

    class Meta:
        model = Query
        fields = ["question", "asked_at", "answer", "answered_at"]
        read_only_fields = fields


class InspectionSerializer(serializers.Serializer):
    """Inspection and quarantine by another agency, when an item is on the statutory list."""

    status = serializers.ChoiceField(Declaration.Inspection.choices)
    agency = serializers.CharField(help_text="The inspection agency's code.")
    agency_name = serializers.CharField()
    certificate = serializers.CharField(
        help_text="The inspection certificate's number, once passed; blank otherwise."
    )
    reason = serializers.CharField(help_text="Why the goods failed inspection; blank otherwise.")
    inspected_at = serializers.DateTimeField(
        allow_null=True, help_text="When the result was recorded; null while pending."
    )


class ActionSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The move, e.g. take, query, assess.")
    label = serializers.CharField()
    needs = serializers.CharField(allow_null=True, help_text="The input the move takes, if any.")
    required = serializers.BooleanField(help_text="Whether that input must be given.")
    method = serializers.CharField()
    href = serializers.CharField()


def declaration_url(declaration: Declaration) -> str:
    return reverse("api:declaration", kwargs={"uuid": declaration.uuid})


class DeclarationSummarySerializer(ReadOnlyModelSerializer):
    """A declaration in a list: its numbers, status, lane and totals."""

    lane = serializers.SerializerMethodField()
    office = serializers.CharField(source="office.code", read_only=True)
    company = serializers.CharField(source="company.usci", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Declaration
        fields = [
            "uuid",
            "url",
            "number",
            "lrn",
            "status",
            "lane",
            "version",
            "flow",
            "office",
            "company",
            "transport_document",
            "invoice_currency",
            "invoice_total",
            "created_at",
            "submitted_at",
            "status_changed_at",
        ]
        read_only_fields = fields

    def get_url(self, declaration) -> str:
        return declaration_url(declaration)

    @extend_schema_field(
        {
            "type": "string",
            "enum": [*Declaration.Lane.values, None],
            "nullable": True,
            "description": "The risk lane; null until the declaration is submitted.",
        }
    )
    def get_lane(self, declaration) -> str | None:
        return declaration.lane or None


class DeclarationSerializer(DeclarationSummarySerializer):
    """A declaration with its goods items, documents and queries, and the moves you may make on it
    now (`actions`). `risk` gives officers and auditors the reasons for the lane; a trader sees
    only what to expect (e.g. "Documentary check")."""

    # Held by selectors.with_related (or by the service that returned the declaration).
    items = ItemSerializer(many=True, read_only=True, source="held_items")
    documents = DocumentSerializer(many=True, read_only=True, source="held_documents")
    queries = QuerySerializer(many=True, read_only=True, source="held_queries")
    risk = serializers.SerializerMethodField()
    inspection = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(DeclarationSummarySerializer.Meta):
        fields = [
            *DeclarationSummarySerializer.Meta.fields,
            "procedure_code",
            "consignor_name",
            "consignor_country",
            "consignor_id",
            "consignee_name",
            "consignee_country",
            "consignee_id",
            "dispatch_country",
            "destination_country",
            "transport_mode",
            "transport_means_id",
            "port_of_loading",
            "port_of_discharge",
            "incoterm",
            "incoterm_place",
            "exchange_rate",
            "freight",
            "insurance",
            "customs_value",
            "duty_total",
            "vat_total",
            "payment_reference",
            "decision_reason",
            "updated_at",
            "released_at",
            "items",
            "documents",
            "queries",
            "risk",
            "inspection",
            "actions",
        ]
        read_only_fields = fields

    def _user(self):
        return self.context["request"].user

    def get_risk(self, declaration) -> list[str]:
        return selectors.risk_reasons_for(self._user(), declaration)

    @extend_schema_field(
        InspectionSerializer(
            allow_null=True,
            help_text="Null when no goods item is on the statutory inspection list.",
        )
    )
    def get_inspection(self, declaration) -> dict | None:
        if not declaration.inspection_status:
            return None
        agency = declaration.inspection_agency  # read only for the declarations inspected
        return InspectionSerializer(
            {
                "status": declaration.inspection_status,
                "agency": agency.code if agency else "",
                "agency_name": agency.name if agency else "",
                "certificate": declaration.inspection_certificate,
                "reason": declaration.inspection_reason,
                "inspected_at": declaration.inspected_at,
            }
        ).data

    @extend_schema_field(ActionSerializer(many=True))
    def get_actions(self, declaration) -> list[dict]:
        base = declaration_url(declaration)
        actions = []
        for move in lifecycle.allowed_moves(declaration, self._user()):
            actions.append(
                {
                    "name": move.name,
                    "label": move.label,
                    "needs": move.needs,
                    "required": move.required,
                    "method": move.method,
                    "href": base + move.endpoint,
                }
            )
        return actions


class TimelineEntrySerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    time = serializers.CharField(help_text="RFC 3339, UTC, microseconds.")
    actor = serializers.CharField(help_text="user:<id> or system:<component>.")
    action = serializers.CharField()
    subject = serializers.CharField()
    data = serializers.DictField(help_text="What changed, and the state digest.")
    prev = serializers.CharField(help_text="The previous entry's hash.")
    hash = serializers.CharField(help_text="SHA-256 of the entry's canonical bytes, hex.")


class ReceiptSerializer(serializers.Serializer):
    format = serializers.CharField()
    entry = serializers.CharField(help_text="Base64 of the entry's canonical bytes.")
    index = serializers.IntegerField()
    tree_size = serializers.IntegerField()
    inclusion = serializers.ListField(child=serializers.CharField())
    checkpoint = serializers.CharField(help_text="The signed note of the notarized checkpoint.")
    subject = serializers.DictField(
        required=False, help_text="The declaration's snapshot whose digest is data.state."
    )


class EstimateLineSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    hs_code = serializers.CharField()
    customs_value = serializers.DecimalField(max_digits=18, decimal_places=2)
    duty_rate = serializers.DecimalField(max_digits=6, decimal_places=2)
    duty = serializers.DecimalField(max_digits=18, decimal_places=2)
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    vat = serializers.DecimalField(max_digits=18, decimal_places=2)


class EstimateSerializer(serializers.Serializer):
    """What the assessment would give now (services.estimate_duties), or why it cannot."""

    problems = serializers.ListField(
        child=serializers.CharField(),
        help_text="Why no estimate can be worked out (then `items` is empty and totals null).",
    )
    items = EstimateLineSerializer(many=True)
    customs_value = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    duty_total = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    vat_total = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)

    def to_representation(self, estimate):
        result = estimate.assessment
        return super().to_representation(
            {
                "problems": list(estimate.problems),
                "items": [
                    {
                        "line": item.line,
                        "hs_code": item.hs_code,
                        "customs_value": amounts.customs_value,
                        "duty_rate": amounts.duty_rate,
                        "duty": amounts.duty,
                        "vat_rate": amounts.vat_rate,
                        "vat": amounts.vat,
                    }
                    for item, amounts in estimate.lines
                ],
                "customs_value": result.customs_value if result else None,
                "duty_total": result.duty_total if result else None,
                "vat_total": result.vat_total if result else None,
            }
        )
