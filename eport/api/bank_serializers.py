"""Request and response shapes of the banks' API: presentations, the bank's view of a presented
declaration, the batch check and financings. As elsewhere, requests are checked for shape only;
what the values mean is the banks' services' call, so the API and the pages refuse alike."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from eport.banks import lifecycle
from eport.banks.lifecycle import AMOUNT, FinancingMove
from eport.banks.models import Financing, Presentation
from eport.banks.selectors import MAX_BATCH
from eport.declarations.fields import ITEM_FIELDS
from eport.declarations.lifecycle import Input
from eport.declarations.models import Declaration, GoodsItem

from .schema import CURRENCY_CODES, stated
from .serializers import (
    CodeText,
    DecimalText,
    ReadOnlyModelSerializer,
    VersionSerializer,
    amount_field,
    bic_field,
    reference_field,
    text_input,
)


def presentation_url(presentation: Presentation) -> str:
    return reverse("api:presentation", kwargs={"uuid": presentation.uuid})


def presented_url(declaration: Declaration) -> str:
    return reverse("api:bank_declaration", kwargs={"uuid": declaration.uuid})


def financing_url(financing: Financing) -> str:
    return reverse("api:financing", kwargs={"uuid": financing.uuid})


# Requests --------------------------------------------------------------------------------------


class PresentInSerializer(serializers.Serializer):
    """Present a declaration to an alliance bank, which may then see and finance it."""

    bank = bic_field()


class CheckInSerializer(serializers.Serializer):
    numbers = serializers.ListField(
        child=serializers.CharField(max_length=40, allow_blank=True),
        max_length=MAX_BATCH,
        help_text=f"Up to {MAX_BATCH} 18-digit declaration numbers.",
    )


class CheckUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=(
            f"A CSV or text file of up to {MAX_BATCH} declaration numbers, separated by commas, "
            "semicolons, tabs or line breaks (UTF-8)."
        )
    )


class FinancingInSerializer(serializers.Serializer):
    """Register a financing against a declaration presented to your bank."""

    declaration = serializers.UUIDField(help_text="A declaration presented to your bank.")
    instrument = CodeText(Financing.Instrument.choices)
    amount = amount_field(
        "In the declaration's invoice currency, more than 0, at most its balance."
    )
    currency = stated(
        CodeText(CURRENCY_CODES, required=False, allow_blank=True),
        description="Optional: if given, it must be the declaration's invoice currency.",
    )
    value_date = serializers.DateField()
    maturity_date = serializers.DateField()
    bank_reference = reference_field("Your bank's own reference, unique per bank.")


def _move_input_field(move_input: Input) -> serializers.Field:
    help_text = move_input.help or None  # lazy: said in the schema's language
    if move_input.kind == AMOUNT:
        return amount_field(help_text, required=move_input.required, allow_null=True)
    return text_input(
        required=move_input.required, max_length=move_input.max_length, help_text=help_text
    )


def financing_move_serializer(move: FinancingMove) -> type[serializers.Serializer]:
    """The request body of a financing move: the financing's ``version`` plus the move's inputs,
    as the lifecycle declares them."""
    fields = {move_input.name: _move_input_field(move_input) for move_input in move.inputs}
    name = f"Financing{move.name.title()}Serializer"
    return type(name, (FinancingVersionSerializer,), {"__module__": __name__, **fields})


class FinancingVersionSerializer(VersionSerializer):
    version = serializers.IntegerField(
        min_value=1,
        max_value=2_147_483_647,
        help_text="The financing's version you acted on; a stale version answers 409.",
    )


# Responses -------------------------------------------------------------------------------------


class BankSerializer(serializers.Serializer):
    bic = serializers.CharField()
    legal_name = serializers.CharField()


class PresentationSerializer(ReadOnlyModelSerializer):
    """A declaration a trader presented to a bank, and whether it is still presented."""

    url = serializers.SerializerMethodField()
    declaration = serializers.UUIDField(source="declaration.uuid", read_only=True)
    number = serializers.CharField(source="declaration.number", read_only=True)
    bank = BankSerializer(read_only=True)
    live = serializers.BooleanField(read_only=True)
    withdraw = serializers.SerializerMethodField()

    class Meta:
        model = Presentation
        fields = [
            "uuid",
            "url",
            "declaration",
            "number",
            "bank",
            "presented_at",
            "withdrawn_at",
            "live",
            "withdraw",
        ]
        read_only_fields = fields

    def get_url(self, presentation) -> str:
        return presentation_url(presentation)

    def get_withdraw(self, presentation) -> str:
        return reverse("api:presentation_withdraw", kwargs={"uuid": presentation.uuid})


class PresentedItemSerializer(ReadOnlyModelSerializer):
    """A goods item as a bank sees it in a presented declaration."""

    class Meta:
        model = GoodsItem
        fields = ["line", *ITEM_FIELDS]
        read_only_fields = fields


class PresentedDeclarationSerializer(ReadOnlyModelSerializer):
    """The customs facts a bank examines, and what all banks may still finance of it."""

    url = serializers.SerializerMethodField()
    receipt = serializers.SerializerMethodField()
    office = serializers.CharField(source="office.code", read_only=True)
    declarant = serializers.CharField(source="company.name", read_only=True)
    declarant_usci = serializers.CharField(source="company.usci", read_only=True)
    items = PresentedItemSerializer(many=True, read_only=True)
    financeable = DecimalText(
        read_only=True,
        help_text=(
            "What all banks together may still finance of it, in its invoice currency: its "
            "invoice total less every live or repaid financing."
        ),
    )

    class Meta:
        model = Declaration
        fields = [
            "uuid",
            "url",
            "receipt",
            "number",
            "status",
            "flow",
            "procedure_code",
            "office",
            "released_at",
            "declarant",
            "declarant_usci",
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
            "items",
            "financeable",
        ]
        read_only_fields = fields

    def get_url(self, declaration) -> str:
        return presented_url(declaration)

    def get_receipt(self, declaration) -> str:
        return reverse("api:bank_declaration_receipt", kwargs={"uuid": declaration.uuid})


class CheckAnswerSerializer(serializers.Serializer):
    number = serializers.CharField()
    available = serializers.BooleanField(
        help_text="True only for a released declaration presented to your bank."
    )
    declaration = serializers.CharField(
        required=False, help_text="Only when available: the declaration's URL."
    )
    balance = DecimalText(
        required=False, help_text="Only when available: what may still be financed of it."
    )
    currency = serializers.CharField(
        required=False, help_text="Only when available: its invoice currency."
    )


class CheckOutSerializer(serializers.Serializer):
    answers = CheckAnswerSerializer(
        many=True,
        help_text=(
            "One per distinct number, in the order given. A number that does not exist, is not "
            "released or is not presented to your bank gets the same answer: not available."
        ),
    )


class FinancingActionSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The move: disburse, repay or cancel.")
    label = serializers.CharField()
    method = serializers.CharField()
    href = serializers.CharField()


class FinancingSerializer(ReadOnlyModelSerializer):
    """A financing a bank registered against a declaration, with its state and amounts."""

    url = serializers.SerializerMethodField()
    receipt = serializers.SerializerMethodField()
    declaration = serializers.UUIDField(source="declaration.uuid", read_only=True)
    number = serializers.CharField(source="declaration.number", read_only=True)
    bank = BankSerializer(read_only=True)
    amount = DecimalText(read_only=True)
    disbursed_amount = DecimalText(
        read_only=True, allow_null=True, help_text="What was disbursed; null until then."
    )
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Financing
        fields = [
            "uuid",
            "url",
            "receipt",
            "declaration",
            "number",
            "bank",
            "instrument",
            "amount",
            "currency",
            "value_date",
            "maturity_date",
            "bank_reference",
            "status",
            "disbursed_amount",
            "registered_at",
            "status_changed_at",
            "version",
            "actions",
        ]
        read_only_fields = fields

    def get_url(self, financing) -> str:
        return financing_url(financing)

    def get_receipt(self, financing) -> str:
        return reverse("api:financing_receipt", kwargs={"uuid": financing.uuid})

    @extend_schema_field(FinancingActionSerializer(many=True))
    def get_actions(self, financing) -> list[dict]:
        user = self.context["request"].user
        return [
            {
                "name": move.name,
                "label": str(move.label),
                "method": "POST",
                "href": reverse(f"api:financing_{move.name}", kwargs={"uuid": financing.uuid}),
            }
            for move in lifecycle.allowed_financing_moves(financing, user)
        ]
