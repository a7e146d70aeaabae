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

DECIMAL_PATTERN = r"^-?[0-9]{1,16}(\.[0-9]{1,6})?$"


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        "pattern": DECIMAL_PATTERN,
        "example": "1250.00",
        "description": "A decimal amount as a string (a JSON number is accepted too).",
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


def _text(max_length: int = 300, **kwargs) -> serializers.CharField:
    return serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=max_length, **kwargs
    )


def _decimal(**kwargs) -> DecimalText:
    return DecimalText(required=False, allow_null=True, **kwargs)


class ItemInSerializer(serializers.Serializer):
    hs_code = _text(20, help_text="10-digit HS commodity code, e.g. 8471300000.")
    description = _text(300)
    origin_country = _text(2, help_text="ISO 3166-1 alpha-2, e.g. CN.")
    quantity = _decimal()
    unit = _text(3, help_text="UN/ECE Rec. 20 unit, e.g. PCE, KGM.")
    net_mass = _decimal(help_text="Net mass in kg.")
    gross_mass = _decimal(help_text="Gross mass in kg.")
    invoice_value = _decimal(help_text="Item invoice value, in the invoice currency.")
    valuation_method = serializers.IntegerField(
        required=False, allow_null=True, help_text="WTO valuation method, 1–6 (default 1)."
    )


class HeaderInSerializer(serializers.Serializer):
    office = _text(4, help_text="Customs office of lodgement, 4 digits, e.g. 2201.")
    flow = _text(6, help_text="import or export.")
    procedure_code = _text(4, help_text="e.g. 4000 (release for free circulation).")
    lrn = _text(35, help_text="Your own reference, unique per company.")
    consignor_name = _text(200)
    consignor_country = _text(2)
    consignor_id = _text(35)
    consignee_name = _text(200)
    consignee_country = _text(2)
    consignee_id = _text(35, help_text="For a Chinese party, its 18-character USCI.")
    dispatch_country = _text(2)
    destination_country = _text(2)
    transport_mode = _text(1, help_text="UN Rec. 19: 1 sea, 2 rail, 3 road, 4 air, 5 post, ...")
    transport_document = _text(35, help_text="Bill of lading or air waybill number.")
    transport_means_id = _text(35)
    port_of_loading = _text(6, help_text="UN/LOCODE, e.g. DEHAM.")
    port_of_discharge = _text(6, help_text="UN/LOCODE, e.g. CNSHA.")
    incoterm = _text(3, help_text="Incoterms 2020, e.g. FOB, CIF.")
    incoterm_place = _text(100)
    invoice_currency = _text(3, help_text="ISO 4217, e.g. USD.")
    invoice_total = _decimal()
    exchange_rate = _decimal(help_text="CNY per one unit of the invoice currency.")
    freight = _decimal()
    insurance = _decimal()


class DraftInSerializer(HeaderInSerializer):
    """A draft: the header fields and the goods items (the whole list; it replaces the old one)."""

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


class DraftUpdateSerializer(DraftInSerializer, VersionSerializer):
    pass


class ItemsUpdateSerializer(VersionSerializer):
    items = serializers.ListField(child=ItemInSerializer(), max_length=MAX_ITEMS)


class CorrectionSerializer(serializers.Serializer):
    line = serializers.IntegerField(min_value=1, max_value=999)
    hs_code = _text(20)
    invoice_value = _decimal()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


def _input_fields(move: lifecycle.Move) -> dict[str, serializers.Field]:
    """The request fields of a move's inputs, as the registry declares them."""
    fields: dict[str, serializers.Field] = {}
    for move_input in move.inputs:
        help_text = str(move_input.help) if move_input.help else None
        if move_input.kind in (lifecycle.TEXT, lifecycle.LINE):
            # Required inputs must be present; whether they say enough is the service's call,
            # so a blank one is refused with the domain's own sentence (422).
            fields[move_input.name] = serializers.CharField(
                required=move_input.required,
                allow_blank=True,
                max_length=move_input.max_length,
                help_text=help_text,
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


class DocumentInSerializer(serializers.Serializer):
    type = serializers.CharField(
        max_length=3, help_text="UN/CEFACT 1001: 380 invoice, 271, 705, 740, 861, 911."
    )
    reference = serializers.CharField(allow_blank=True, max_length=200)
    issued_on = serializers.DateField(required=False, allow_null=True)
    file = serializers.FileField(
        help_text="PDF, PNG or JPEG; its content is checked, not its name.",
        allow_empty_file=True,
    )


# Responses -----------------------------------------------------------------------------------


class ReadOnlyModelSerializer(serializers.ModelSerializer):
    """A response serializer whose fields are worked out from the model once per class.

    ModelSerializer inspects the model for every instance it is created for, which cost more
    than turning a declaration into JSON; the fields depend only on the class, so each instance
    gets fresh copies of the ones built the first time (as DRF does for declared fields).
    """

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return copy.deepcopy(built)


class ItemSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = GoodsItem
        fields = ["line", *ITEM_FIELDS, *ASSESSED_ITEM_FIELDS]
        read_only_fields = fields


class DocumentSerializer(ReadOnlyModelSerializer):
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
    class Meta:
        model = Query
        fields = ["question", "asked_at", "answer", "answered_at"]
        read_only_fields = fields


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
    """A declaration as the caller may see it: the risk reasons are officers' and auditors';
    a trader sees only what to expect (e.g. "Documentary check")."""

    # Held by selectors.with_related (or by the service that returned the declaration).
    items = ItemSerializer(many=True, read_only=True, source="held_items")
    documents = DocumentSerializer(many=True, read_only=True, source="held_documents")
    queries = QuerySerializer(many=True, read_only=True, source="held_queries")
    risk = serializers.SerializerMethodField()
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
            "actions",
        ]
        read_only_fields = fields

    def _user(self):
        return self.context["request"].user

    def get_risk(self, declaration) -> list[str]:
        return selectors.risk_reasons_for(self._user(), declaration)

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
