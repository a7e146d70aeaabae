"""Request and response shapes of the licences' API. As elsewhere, requests are checked for shape
only; what the values mean is the licensing services' call, so the API and the pages refuse
alike, every problem at once."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from eport.licensing import lifecycle
from eport.licensing.models import Licence, LicenceUsage

from .schema import CURRENCY_CODES, UNIT_CODES, stated
from .serializers import (
    DecimalText,
    LeanSerializer,
    ReadOnlyModelSerializer,
    VersionSerializer,
    _code,
    _country,
    _decimal,
    _text,
    text_input,
)


def licence_url(licence: Licence) -> str:
    return reverse("api:licence", kwargs={"uuid": licence.uuid})


# Requests --------------------------------------------------------------------------------------


class LicenceListFilters(serializers.Serializer):
    status = stated(
        serializers.ChoiceField(Licence.Status.values, required=False),
        component="LicenceStatusEnum",
    )
    flow = stated(
        serializers.ChoiceField(Licence.Flow.values, required=False), component="FlowEnum"
    )


class LicenceInSerializer(LeanSerializer):
    """An application for an import or export licence (traders). Every problem is answered at
    once in a 422's `errors`."""

    flow = _code(required=True, choices=Licence.Flow.choices)
    hs_code = _code(
        required=True,
        pattern="^[0-9]{6,10}$",
        example="8471300000",
        description=(
            "6 to 10 digits: the licence covers every goods item whose HS code starts with them."
        ),
    )
    description = _text(300, required=True, example="Laptop computers, 14-inch")
    quantity = _decimal(
        13, 3, required=True, positive=True, example="1000", help_text="More than 0."
    )
    unit = _code(
        required=True, choices=UNIT_CODES, description="UN/ECE Rec. 20 unit, e.g. PCE, KGM."
    )
    value = _decimal(
        14, 2, required=True, positive=True, example="250000.00", help_text="More than 0."
    )
    currency = _code(
        required=True,
        choices=CURRENCY_CODES,
        description="ISO 4217 code, e.g. USD.",
    )
    counterparty_country = _country(
        "The seller's (import) or buyer's (export) country, ISO 3166-1 alpha-2.", required=True
    )
    valid_from = stated(
        serializers.DateField(required=False, allow_null=True), required=True, example="2026-01-01"
    )
    valid_until = stated(
        serializers.DateField(required=False, allow_null=True, help_text="On or after valid_from."),
        required=True,
        example="2026-12-31",
    )
    agency = stated(
        serializers.CharField(required=False, allow_blank=True, max_length=20),
        description=(
            "The licensing agency's code; it may be left out while the single window has only "
            "one licensing agency."
        ),
    )

    def arguments(self) -> dict:
        """The service's keyword arguments: every field, None for those left out (the service
        names each missing one)."""
        data = self.validated_data
        return {name: data.get(name) for name in self.fields}


class LicenceVersionSerializer(VersionSerializer):
    version = serializers.IntegerField(
        min_value=1,
        max_value=2_147_483_647,
        help_text="The licence's version you acted on; a stale version answers 409.",
    )


def _move_input_field(move_input: lifecycle.Input) -> serializers.Field:
    help_text = move_input.help or None  # lazy: said in the schema's language
    if move_input.kind == lifecycle.DATE:
        return serializers.DateField(
            required=move_input.required, allow_null=not move_input.required, help_text=help_text
        )
    return text_input(
        required=move_input.required, max_length=move_input.max_length, help_text=help_text
    )


def licence_move_serializer(move: lifecycle.Move) -> type[serializers.Serializer]:
    """The request body of a licence move: the licence's ``version`` plus the move's inputs, as
    the lifecycle declares them."""
    fields = {move_input.name: _move_input_field(move_input) for move_input in move.inputs}
    name = f"Licence{move.name.title()}Serializer"
    return type(name, (LicenceVersionSerializer,), {"__module__": __name__, **fields})


def licence_move_arguments(move: lifecycle.Move, data: dict) -> dict:
    """The service's keyword arguments (besides licence, actor, version): the inputs given."""
    return {i.name: data[i.name] for i in move.inputs if data.get(i.name) is not None}


# Responses -------------------------------------------------------------------------------------


class LicenceUsageSerializer(ReadOnlyModelSerializer):
    """What one released goods item wrote off the licence."""

    quantity = DecimalText(read_only=True)
    value = DecimalText(read_only=True)

    class Meta:
        model = LicenceUsage
        fields = ["reference", "quantity", "value", "created_at"]
        read_only_fields = fields
        extra_kwargs = {
            "reference": {"help_text": "<declaration number>/<goods item line>."},
            "created_at": {"help_text": "When the release wrote it off."},
        }


class LicenceInputSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The request field, e.g. question, valid_until.")
    label = serializers.CharField()
    kind = serializers.ChoiceField([lifecycle.TEXT, lifecycle.LINE, lifecycle.DATE])
    required = serializers.BooleanField()


class LicenceActionSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The move: query, answer, approve, refuse or withdraw.")
    label = serializers.CharField()
    inputs = LicenceInputSerializer(many=True, help_text="The fields the move's request takes.")
    method = serializers.CharField()
    href = serializers.CharField()


class LicenceSummarySerializer(ReadOnlyModelSerializer):
    """A licence or an application for one: what it covers, its status and, once approved, its
    number, validity and what remains of its quantity and value."""

    url = serializers.SerializerMethodField()
    company = serializers.CharField(source="company.usci", read_only=True)
    company_name = serializers.CharField(source="company.name", read_only=True)
    agency = serializers.CharField(source="agency.code", read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    quantity = DecimalText(read_only=True)
    value = DecimalText(read_only=True)
    remaining_quantity = DecimalText(
        read_only=True,
        allow_null=True,
        help_text="What may still be written off; null until approved.",
    )
    remaining_value = DecimalText(
        read_only=True,
        allow_null=True,
        help_text="What may still be written off; null until approved.",
    )

    class Meta:
        model = Licence
        fields = [
            "uuid",
            "url",
            "number",
            "status",
            "version",
            "flow",
            "company",
            "company_name",
            "agency",
            "agency_name",
            "hs_code",
            "description",
            "quantity",
            "unit",
            "value",
            "currency",
            "counterparty_country",
            "valid_from",
            "valid_until",
            "remaining_quantity",
            "remaining_value",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"number": {"help_text": "Given on approval; null until then."}}

    def get_url(self, licence) -> str:
        return licence_url(licence)


class LicenceSerializer(LicenceSummarySerializer):
    """A licence with the agency's query and decision, what releases wrote off it (`usages`)
    and the moves you may make on it now (`actions`)."""

    usages = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(LicenceSummarySerializer.Meta):
        fields = [
            *LicenceSummarySerializer.Meta.fields,
            "query",
            "decision_reason",
            "updated_at",
            "usages",
            "actions",
        ]
        read_only_fields = fields

    @extend_schema_field(LicenceUsageSerializer(many=True))
    def get_usages(self, licence) -> list[dict]:
        return LicenceUsageSerializer(self.context["usages"], many=True).data

    @extend_schema_field(LicenceActionSerializer(many=True))
    def get_actions(self, licence) -> list[dict]:
        user = self.context["request"].user
        base = licence_url(licence)
        return [
            {
                "name": move.name,
                "label": str(move.label),
                "inputs": [
                    {
                        "name": move_input.name,
                        "label": str(move_input.label),
                        "kind": move_input.kind,
                        "required": move_input.required,
                    }
                    for move_input in move.inputs
                ],
                "method": "POST",
                "href": base + move.endpoint,
            }
            for move in lifecycle.allowed_moves(licence, user)
        ]
