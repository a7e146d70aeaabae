"""Request and response shapes of the payments API: tax bills, payment agreements, payment
instructions and guarantees. Requests are checked for shape only; what the values mean is the
payments services' call, so the API and the pages refuse alike. Amounts are strings with two
decimals, in CNY.

A bank sees only what ``eport.payments.selectors`` shows it, and of a bill it sees no other bank's
figures: another bank's guarantee and another bank's payment reference are left out (null).
"""

from __future__ import annotations

import inspect

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from eport.declarations.lifecycle import Input
from eport.payments import rules, selectors
from eport.payments.models import (
    Guarantee,
    PaymentAgreement,
    PaymentInstruction,
    TaxBill,
)
from eport.payments.services import MAX_REFERENCE

from .bank_serializers import BankSerializer
from .schema import stated, text_rules
from .serializers import (
    DecimalText,
    ReadOnlyModelSerializer,
    amount_field,
    bic_field,
    cny_field,
    reference_field,
    text_input,
)


def bill_url(bill: TaxBill) -> str:
    return reverse("api:bill", kwargs={"uuid": bill.uuid})


def agreement_url(agreement: PaymentAgreement) -> str:
    return reverse("api:agreement", kwargs={"uuid": agreement.uuid})


def instruction_url(instruction: PaymentInstruction) -> str:
    return reverse("api:payment", kwargs={"uuid": instruction.uuid})


def guarantee_url(guarantee: Guarantee) -> str:
    return reverse("api:guarantee", kwargs={"uuid": guarantee.uuid})


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        "pattern": r"^-?[0-9]{1,16}\.[0-9]{2}$",
        "example": "16737.95",
        "description": "An amount in CNY as a string with two decimals.",
    }
)
class Money(DecimalText):
    """An amount shown with exactly two decimals (whatever the database's scale)."""

    def to_representation(self, value):
        return None if value is None else f"{value:.2f}"


def _enum(choices) -> dict:
    """An inline enum: the models' statuses share a name, so none gets a component of its own."""
    return {"type": "string", "enum": [value for value, _ in choices]}


@extend_schema_field(_enum(TaxBill.Status.choices))
class BillStatus(serializers.CharField):
    pass


@extend_schema_field(_enum(PaymentAgreement.Status.choices))
class AgreementStatus(serializers.CharField):
    pass


@extend_schema_field(_enum(PaymentInstruction.Status.choices))
class InstructionStatus(serializers.CharField):
    pass


@extend_schema_field(_enum(Guarantee.Status.choices))
class GuaranteeStatus(serializers.CharField):
    pass


# Requests --------------------------------------------------------------------------------------


class InstructInSerializer(serializers.Serializer):
    """Pay a bill from an account under a payment agreement."""

    agreement = serializers.UUIDField(
        help_text="Your company's payment agreement in force with the bank to debit."
    )


class GuaranteeUseInSerializer(serializers.Serializer):
    """Release a bill against a guarantee."""

    guarantee = serializers.UUIDField(
        help_text="Your company's guarantee in force whose remaining balance covers the bill."
    )


class CounterPaymentInSerializer(serializers.Serializer):
    """A payment made at the customs counter."""

    receipt_number = stated(
        serializers.CharField(
            max_length=MAX_REFERENCE,
            allow_blank=True,
            help_text="The customs counter's receipt number.",
        ),
        **text_rules(required=True),
    )


class AgreementInSerializer(serializers.Serializer):
    """Ask an alliance bank to debit one of your company's accounts for its bills."""

    bank = bic_field()
    account_number = stated(
        serializers.CharField(
            max_length=64,
            allow_blank=True,
            help_text="Your company's account at that bank: 8 to 34 letters and digits.",
        ),
        pattern="^[0-9A-Z]{8,34}$",
        example="6222021001012345678",
    )
    currency = cny_field()


class GuaranteeInSerializer(serializers.Serializer):
    """A bank's general guarantee for a company's duties and taxes."""

    company = stated(
        serializers.CharField(
            max_length=18, help_text="The guaranteed company's 18-character USCI."
        ),
        pattern="^[0-9A-Z]{18}$",
        example="91310000MA1FL8XQ37",
    )
    amount = amount_field("In CNY, more than 0, e.g. 500000.00.")
    currency = cny_field()
    valid_from = serializers.DateField(help_text="The first day it is valid.")
    valid_until = serializers.DateField(help_text="The last day it is valid.")
    bank_reference = reference_field("Your bank's reference for the guarantee, unique per bank.")


def _status_filter(values: list[str], component: str) -> serializers.Field:
    """A list's status filter, typed by the status enumeration its rows have."""
    return stated(
        serializers.ChoiceField(values, required=False, help_text="Only those in this status."),
        component=component,
    )


class BillListQuery(serializers.Serializer):
    status = _status_filter(TaxBill.Status.values, "BillStatusEnum")


class AgreementListQuery(serializers.Serializer):
    status = _status_filter(PaymentAgreement.Status.values, "AgreementStatusEnum")


class InstructionListQuery(serializers.Serializer):
    status = _status_filter(PaymentInstruction.Status.values, "InstructionStatusEnum")
    bill = serializers.UUIDField(required=False, help_text="Only this bill's.")


class GuaranteeListQuery(serializers.Serializer):
    status = _status_filter(Guarantee.Status.values, "GuaranteeStatusEnum")


def _input_field(step_input: Input) -> serializers.Field:
    help_text = step_input.help or None  # lazy: said in the schema's language
    if step_input.kind == rules.AMOUNT:
        return amount_field(help_text, required=step_input.required)
    if step_input.kind == rules.DATE:
        return serializers.DateField(required=step_input.required, help_text=help_text)
    # TEXT and LINE: whether a required one says enough is the service's call (its own sentence).
    return text_input(
        required=step_input.required, max_length=step_input.max_length, help_text=help_text
    )


def takes_version(service) -> bool:
    """Whether a step's service acts on a version the caller read (all but the bank's
    confirmation, which is idempotent on its own reference instead)."""
    return "version" in inspect.signature(service).parameters


def step_serializer(noun: str, step: rules.Step, service) -> type[serializers.Serializer]:
    """The request body of a step: the subject's ``version`` when its service asks for one,
    plus the step's inputs as ``rules`` declares them."""
    fields = {step_input.name: _input_field(step_input) for step_input in step.inputs}
    if takes_version(service):
        fields["version"] = serializers.IntegerField(
            min_value=1,
            max_value=2_147_483_647,
            help_text=f"The {noun}'s version you acted on; a stale version answers 409.",
        )
    name = f"{noun.title()}{step.name.title()}Serializer"
    return type(name, (serializers.Serializer,), {"__module__": __name__, **fields})


# Responses -------------------------------------------------------------------------------------


class CompanySerializer(serializers.Serializer):
    usci = serializers.CharField()
    name = serializers.CharField()


class StepActionSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The step, e.g. confirm, refuse, end, withdraw.")
    label = serializers.CharField()
    method = serializers.CharField()
    href = serializers.CharField()


def _actions(serializer: serializers.Serializer, subject, route: str) -> list[dict]:
    user = serializer.context["request"].user
    return [
        {
            "name": step.name,
            "label": str(step.label),
            "method": "POST",
            "href": reverse(f"api:{route}_{step.name}", kwargs={"uuid": subject.uuid}),
        }
        for step in rules.allowed_steps(subject, user)
    ]


def _caller(serializer: serializers.Serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def _bank_id(user) -> int | None:
    """The caller's bank, if the caller is bank staff: whose figures it may not see."""
    return getattr(user, "bank_id", None) if getattr(user, "is_bank", False) else None


class DueSerializer(serializers.Serializer):
    tax = Money()
    surcharge = Money(help_text="0.05 % of the tax per day late, half-up to the fen.")
    days_late = serializers.IntegerField()
    total = Money(help_text="What a payment with today's value date must debit.")
    on = serializers.DateField()


class BillGuaranteeSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    url = serializers.CharField()
    bank = serializers.CharField(help_text="The guaranteeing bank's BIC.")


class BillSerializer(ReadOnlyModelSerializer):
    """A tax bill: duty and VAT in CNY, when it is due, and how and when it was paid."""

    url = serializers.SerializerMethodField()
    declaration = serializers.UUIDField(source="declaration.uuid", read_only=True)
    declaration_number = serializers.CharField(source="declaration.number", read_only=True)
    company = CompanySerializer(source="declaration.company", read_only=True)
    duty = Money(read_only=True)
    vat = Money(read_only=True)
    tax = Money(read_only=True, help_text="Duty and VAT.")
    status = BillStatus(read_only=True)
    guarantee = serializers.SerializerMethodField()
    means = serializers.SerializerMethodField()
    paid_reference = serializers.SerializerMethodField()
    surcharge = Money(read_only=True, allow_null=True, help_text="Null until paid.")
    paid_amount = Money(read_only=True, allow_null=True, help_text="Null until paid.")
    due_today = serializers.SerializerMethodField()

    class Meta:
        model = TaxBill
        fields = [
            "uuid",
            "url",
            "number",
            "declaration",
            "declaration_number",
            "company",
            "duty",
            "vat",
            "tax",
            "currency",
            "issued_on",
            "due_on",
            "status",
            "guaranteed_due_on",
            "guarantee",
            "means",
            "paid_on",
            "paid_reference",
            "surcharge_days",
            "surcharge",
            "paid_amount",
            "due_today",
            "version",
        ]
        read_only_fields = fields

    def get_url(self, bill) -> str:
        return bill_url(bill)

    @extend_schema_field(BillGuaranteeSerializer(allow_null=True))
    def get_guarantee(self, bill) -> dict | None:
        guarantee = bill.guarantee
        if guarantee is None:
            return None
        bank_id = _bank_id(_caller(self))
        if bank_id is not None and guarantee.bank_id != bank_id:
            return None  # another bank's guarantee
        return {
            "uuid": guarantee.uuid,
            "url": guarantee_url(guarantee),
            "bank": guarantee.bank.bic,
        }

    @extend_schema_field({**_enum(TaxBill.Means.choices), "nullable": True})
    def get_means(self, bill) -> str | None:
        return bill.means or None

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text=(
                "The bank's reference of the debit or the counter's receipt number; null until "
                "paid, and for bank staff unless their bank confirmed the payment."
            ),
        )
    )
    def get_paid_reference(self, bill) -> str | None:
        if not bill.paid_reference:
            return None
        bank_id = _bank_id(_caller(self))
        if bank_id is not None and paid_through(bill) != bank_id:
            return None  # another bank's reference, or a counter receipt it has no part in
        return bill.paid_reference

    @extend_schema_field(DueSerializer(allow_null=True))
    def get_due_today(self, bill) -> dict | None:
        """What paying the bill today takes; null once it is paid."""
        if not bill.unpaid:
            return None
        due = selectors.amount_due(bill)
        return DueSerializer(
            {
                "tax": due.tax,
                "surcharge": due.surcharge,
                "days_late": due.days_late,
                "total": due.total,
                "on": due.on,
            }
        ).data


def paid_through(bill: TaxBill) -> int | None:
    """The bank that confirmed the bill's e-payment: annotated on lists (``paid_through``),
    read here otherwise."""
    if hasattr(bill, "paid_through"):
        return bill.paid_through
    if bill.means != TaxBill.Means.E_PAYMENT:
        return None
    return (
        PaymentInstruction.objects.filter(
            bill_id=bill.pk, status=PaymentInstruction.Status.CONFIRMED
        )
        .values_list("bank_id", flat=True)
        .first()
    )


class AgreementSerializer(ReadOnlyModelSerializer):
    """A customs–bank–trader agreement: the bank debits this account for the company's bills."""

    url = serializers.SerializerMethodField()
    company = CompanySerializer(read_only=True)
    bank = BankSerializer(read_only=True)
    status = AgreementStatus(read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta:
        model = PaymentAgreement
        fields = [
            "uuid",
            "url",
            "company",
            "bank",
            "account_number",
            "currency",
            "status",
            "reason",
            "requested_at",
            "decided_at",
            "ended_at",
            "version",
            "actions",
        ]
        read_only_fields = fields

    def get_url(self, agreement) -> str:
        return agreement_url(agreement)

    @extend_schema_field(StepActionSerializer(many=True))
    def get_actions(self, agreement) -> list[dict]:
        return _actions(self, agreement, "agreement")


class InstructionBillSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    url = serializers.CharField()
    number = serializers.CharField()
    declaration_number = serializers.CharField()


class InstructionSerializer(ReadOnlyModelSerializer):
    """A trader's instruction to pay a bill from an account under agreement, and the bank's
    answer."""

    url = serializers.SerializerMethodField()
    bill = serializers.SerializerMethodField()
    company = CompanySerializer(source="bill.declaration.company", read_only=True)
    bank = BankSerializer(read_only=True)
    agreement = serializers.UUIDField(source="agreement.uuid", read_only=True)
    account_number = serializers.CharField(source="agreement.account_number", read_only=True)
    amount = Money(
        read_only=True, help_text="Tax and surcharge as of the day the trader instructed it."
    )
    status = InstructionStatus(read_only=True)
    confirmed_amount = Money(read_only=True, allow_null=True, help_text="Null until confirmed.")
    surcharge = Money(
        read_only=True, allow_null=True, help_text="The surcharge confirmed; null until then."
    )
    actions = serializers.SerializerMethodField()

    class Meta:
        model = PaymentInstruction
        fields = [
            "uuid",
            "url",
            "bill",
            "company",
            "bank",
            "agreement",
            "account_number",
            "amount",
            "currency",
            "status",
            "instructed_at",
            "bank_reference",
            "confirmed_amount",
            "surcharge",
            "value_date",
            "reason",
            "decided_at",
            "version",
            "actions",
        ]
        read_only_fields = fields

    def get_url(self, instruction) -> str:
        return instruction_url(instruction)

    @extend_schema_field(InstructionBillSerializer)
    def get_bill(self, instruction) -> dict:
        bill = instruction.bill
        return {
            "uuid": bill.uuid,
            "url": bill_url(bill),
            "number": bill.number,
            "declaration_number": bill.declaration.number,
        }

    @extend_schema_field(StepActionSerializer(many=True))
    def get_actions(self, instruction) -> list[dict]:
        return _actions(self, instruction, "payment")


class GuaranteeSerializer(ReadOnlyModelSerializer):
    """A bank's general guarantee for a company's duties and taxes, with its balance."""

    url = serializers.SerializerMethodField()
    bank = BankSerializer(read_only=True)
    company = CompanySerializer(read_only=True)
    amount = Money(read_only=True)
    status = GuaranteeStatus(read_only=True)
    reserved = serializers.SerializerMethodField()
    remaining = serializers.SerializerMethodField()
    frozen_by = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Guarantee
        fields = [
            "uuid",
            "url",
            "bank",
            "company",
            "amount",
            "currency",
            "valid_from",
            "valid_until",
            "bank_reference",
            "status",
            "issued_at",
            "ended_at",
            "reserved",
            "remaining",
            "frozen_by",
            "version",
            "actions",
        ]
        read_only_fields = fields

    def get_url(self, guarantee) -> str:
        return guarantee_url(guarantee)

    @extend_schema_field(Money(help_text="Held by bills released against it and not paid yet."))
    def get_reserved(self, guarantee) -> str:
        held = getattr(guarantee, "reserved", None)  # annotated on what the selectors list
        return f"{selectors.reserved(guarantee) if held is None else held:.2f}"

    @extend_schema_field(Money(help_text="What new bills may still reserve: amount less reserved."))
    def get_remaining(self, guarantee) -> str:
        return f"{selectors.remaining(guarantee):.2f}"

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text=(
                "The number of a bill reserved against it and unpaid after its date: while it "
                "is, the guarantee takes no new reservation. Null when none."
            ),
        )
    )
    def get_frozen_by(self, guarantee) -> str | None:
        if guarantee.status != Guarantee.Status.LIVE:
            return None
        return selectors.overdue_bills(guarantee).values_list("number", flat=True).first()

    @extend_schema_field(StepActionSerializer(many=True))
    def get_actions(self, guarantee) -> list[dict]:
        return _actions(self, guarantee, "guarantee")
