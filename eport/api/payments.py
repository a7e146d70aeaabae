"""The REST API of duties and taxes: traders see their tax bills and pay them through a bank under
a payment agreement, or release the goods against a bank's guarantee; banks confirm or refuse
agreements and debits, issue guarantees and download their daily statement; officers record
payments made at a customs counter.

Views are thin, as in ``banks``: what a caller may see comes from ``eport.payments.selectors``
(what it may not see is a 404), who may make which step from ``eport.payments.rules`` (the role
check runs before the body is read) and every change from one ``eport.payments.services``
function. The step endpoints of agreements, instructions and guarantees are made from the steps
``rules`` declares.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpResponse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from eport.accounts.models import Company
from eport.accounts.usci import validate_usci
from eport.payments import rules, selectors, services
from eport.payments.models import (
    Guarantee,
    PaymentAgreement,
    PaymentInstruction,
    TaxBill,
)
from eport.payments.statement import statement_csv, statement_filename

from . import payment_serializers as p
from .banks import BankApiView, alliance_bank_named
from .idempotency import idempotent
from .pagination import StableCursorPagination
from .views import _valid, _valid_query

WHO = {
    rules.BANK: "the bank's staff",
    rules.TRADER: "the company's traders",
    rules.EITHER: "the company's traders or the bank's staff",
}


# Each list's query parameter -> the lookup it narrows the list by.
_FILTERS = {"status": "status", "bill": "bill__uuid"}


def _filtered(queryset: QuerySet, query: type[serializers.Serializer], request) -> QuerySet:
    """The list narrowed by the query parameters ``query`` allows (a bad one: 422 naming it)."""
    wanted = _valid_query(query, request).validated_data
    return queryset.filter(**{_FILTERS[name]: value for name, value in wanted.items()})


def _page(view: BankApiView, queryset: QuerySet) -> Response:
    page = view.paginate_queryset(queryset)
    return view.get_paginated_response(view.get_serializer(page, many=True).data)


# Tax bills -------------------------------------------------------------------------------------


def _with_payer(queryset: QuerySet[TaxBill], user) -> QuerySet[TaxBill]:
    """For bank staff, each bill's paying bank in the same query (see ``p.paid_through``)."""
    if not getattr(user, "is_bank", False):
        return queryset
    confirmed = PaymentInstruction.objects.filter(
        bill_id=OuterRef("pk"), status=PaymentInstruction.Status.CONFIRMED
    ).values("bank_id")[:1]
    return queryset.annotate(paid_through=Subquery(confirmed))


class BillListView(BankApiView):
    serializer_class = p.BillSerializer
    pagination_class = StableCursorPagination

    @extend_schema(
        operation_id="bills_list",
        summary="The tax bills you may see",
        description=(
            "Traders see their company's bills, officers their office's, bank staff the bills "
            "their bank was asked to debit or holds a guarantee for, auditors all. Newest first, "
            "cursor-paged. An unpaid bill says what paying it today takes (`due_today`)."
        ),
        parameters=[p.BillListQuery],
        responses={200: p.BillSerializer(many=True)},
    )
    def get(self, request):
        bills = _filtered(selectors.bills_for(request.user), p.BillListQuery, request)
        return _page(self, _with_payer(bills, request.user))


class BillDetailView(BankApiView):
    serializer_class = p.BillSerializer

    @extend_schema(operation_id="bills_retrieve", summary="One tax bill")
    def get(self, request, uuid):
        return Response(self.get_serializer(selectors.get_bill_for(request.user, uuid)).data)


class DeclarationBillView(BankApiView):
    serializer_class = p.BillSerializer

    @extend_schema(
        operation_id="declarations_bill",
        summary="A declaration's tax bill",
        description="404 until the declaration is assessed, or if you may not see its bill.",
    )
    def get(self, request, uuid):
        bill = selectors.bills_for(request.user).filter(declaration__uuid=uuid).first()
        if bill is None:
            raise Http404(_("This declaration has no tax bill you may see."))
        return Response(self.get_serializer(bill).data)


def _visible(getter, user, uuid, field: str, missing: str):
    """An object the caller names in a request body: one it may not see is a problem with that
    field (422), as the banks' API answers a declaration not presented to the bank."""
    try:
        return getter(user, uuid)
    except Http404:
        raise ValidationError({field: [missing]}) from None


class BillPaymentsView(BankApiView):
    serializer_class = p.InstructionSerializer
    role_checks = {"POST": rules.check_trader}

    @extend_schema(
        operation_id="bills_pay",
        summary="Instruct your bank to pay a bill from an account under agreement (traders)",
        description=(
            "The bank under the agreement sees the instruction and debits the bill's tax and any "
            "surcharge. 409 if the bill is paid, the agreement is not in force or another "
            "instruction is waiting; 422 if you have no such agreement."
        ),
        request=p.InstructInSerializer,
        responses={201: p.InstructionSerializer},
    )
    @idempotent
    def post(self, request, uuid):
        bill = selectors.get_bill_for(request.user, uuid)
        data = _valid(p.InstructInSerializer, request).validated_data
        agreement = _visible(
            selectors.get_agreement_for,
            request.user,
            data["agreement"],
            "agreement",
            _("You have no payment agreement with this id."),
        )
        instruction = services.instruct_payment(bill=bill, actor=request.user, agreement=agreement)
        return Response(
            self.get_serializer(instruction).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": p.instruction_url(instruction)},
        )


class BillGuaranteeView(BankApiView):
    serializer_class = p.BillSerializer
    role_checks = {"POST": rules.check_trader}

    @extend_schema(
        operation_id="bills_guarantee",
        summary="Release the goods against a guarantee; pay the bill later (traders)",
        description=(
            "Reserves the bill's tax from the guarantee's remaining balance: the declaration "
            "proceeds as paid and the bill stays open, due by `guaranteed_due_on`. 409 if the "
            "guarantee does not cover it, is not in force or is frozen by an overdue bill, or the "
            "bill is past its due date; 422 if you have no such guarantee."
        ),
        request=p.GuaranteeUseInSerializer,
        responses={200: p.BillSerializer},
    )
    @idempotent
    def post(self, request, uuid):
        bill = selectors.get_bill_for(request.user, uuid)
        data = _valid(p.GuaranteeUseInSerializer, request).validated_data
        guarantee = _visible(
            selectors.get_guarantee_for,
            request.user,
            data["guarantee"],
            "guarantee",
            _("Your company has no guarantee with this id."),
        )
        bill = services.release_against_guarantee(
            bill=bill, actor=request.user, guarantee=guarantee
        )
        return Response(self.get_serializer(bill).data)


class BillCounterPaymentView(BankApiView):
    serializer_class = p.BillSerializer
    # The counter payment is the declaration's "pay" move: the lifecycle says who may make it.
    moves = {"POST": "pay"}

    @extend_schema(
        operation_id="bills_counter_payment",
        summary="Record a bill paid at a customs counter, with its receipt number (officers)",
        description=(
            "The bill is written off (with its surcharge if late) and the declaration is paid. "
            "409 if it is paid, released against a guarantee, or a bank's debit is waiting."
        ),
        request=p.CounterPaymentInSerializer,
        responses={200: p.BillSerializer},
    )
    @idempotent
    def post(self, request, uuid):
        bill = selectors.get_bill_for(request.user, uuid)
        data = _valid(p.CounterPaymentInSerializer, request).validated_data
        bill = services.record_counter_payment(
            bill=bill, actor=request.user, receipt_number=data["receipt_number"]
        )
        return Response(self.get_serializer(bill).data)


# Payment instructions --------------------------------------------------------------------------


class PaymentListView(BankApiView):
    serializer_class = p.InstructionSerializer
    pagination_class = StableCursorPagination

    @extend_schema(
        operation_id="payments_list",
        summary="The payment instructions you may see",
        description=(
            "Bank staff see the instructions sent to their bank (`?status=pending`: those "
            "waiting for an answer), traders their company's, officers those of their office's "
            "bills, auditors all. Newest first, cursor-paged."
        ),
        parameters=[p.InstructionListQuery],
        responses={200: p.InstructionSerializer(many=True)},
    )
    def get(self, request):
        instructions = _filtered(
            selectors.instructions_for(request.user), p.InstructionListQuery, request
        )
        return _page(self, instructions)


class PaymentDetailView(BankApiView):
    serializer_class = p.InstructionSerializer

    @extend_schema(operation_id="payments_retrieve", summary="One payment instruction")
    def get(self, request, uuid):
        instruction = selectors.get_instruction_for(request.user, uuid)
        return Response(self.get_serializer(instruction).data)


# Payment agreements ----------------------------------------------------------------------------


class AgreementListView(BankApiView):
    serializer_class = p.AgreementSerializer
    pagination_class = StableCursorPagination
    role_checks = {"POST": rules.check_trader}

    @extend_schema(
        operation_id="agreements_list",
        summary="The payment agreements you may see",
        description=(
            "Traders see their company's, bank staff those asked of their bank, auditors all. "
            "Newest first, cursor-paged."
        ),
        parameters=[p.AgreementListQuery],
        responses={200: p.AgreementSerializer(many=True)},
    )
    def get(self, request):
        agreements = _filtered(
            selectors.agreements_for(request.user), p.AgreementListQuery, request
        )
        return _page(self, agreements)

    @extend_schema(
        operation_id="agreements_create",
        summary="Ask an alliance bank to debit one of your accounts for your bills (traders)",
        description=(
            "The agreement is requested until the bank confirms or refuses it. 422 if no "
            "alliance bank has that BIC, the account number is malformed, the currency is not "
            "CNY or the account already has an agreement with that bank."
        ),
        request=p.AgreementInSerializer,
        responses={201: p.AgreementSerializer},
    )
    @idempotent
    def post(self, request):
        data = _valid(p.AgreementInSerializer, request).validated_data
        bank = alliance_bank_named(data["bank"])
        agreement = services.request_agreement(
            actor=request.user,
            bank=bank,
            account_number=data["account_number"],
            currency=data.get("currency", ""),
        )
        return Response(
            self.get_serializer(agreement).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": p.agreement_url(agreement)},
        )


class AgreementDetailView(BankApiView):
    serializer_class = p.AgreementSerializer

    @extend_schema(operation_id="agreements_retrieve", summary="One payment agreement")
    def get(self, request, uuid):
        agreement = selectors.get_agreement_for(request.user, uuid)
        return Response(self.get_serializer(agreement).data)


# Guarantees ------------------------------------------------------------------------------------


def _company(usci: str) -> Company:
    """The registered company with this USCI, or a problem with the ``company`` field."""
    text = usci.strip().upper()
    try:
        validate_usci(text)
    except ValidationError as error:
        raise ValidationError({"company": error.messages}) from None
    company = Company.objects.filter(usci=text).first()
    if company is None:
        raise ValidationError(
            {"company": [_("No company is registered under the USCI %(usci)s.") % {"usci": text}]}
        )
    return company


class GuaranteeListView(BankApiView):
    serializer_class = p.GuaranteeSerializer
    pagination_class = StableCursorPagination
    role_checks = {"POST": rules.check_bank}

    @extend_schema(
        operation_id="guarantees_list",
        summary="The guarantees you may see",
        description=(
            "Traders see their company's, bank staff their bank's, auditors all; each with what "
            "unpaid bills hold of it (`reserved`), what is left (`remaining`) and the overdue "
            "bill that freezes it, if any (`frozen_by`). Newest first, cursor-paged."
        ),
        parameters=[p.GuaranteeListQuery],
        responses={200: p.GuaranteeSerializer(many=True)},
    )
    def get(self, request):
        guarantees = _filtered(
            selectors.guarantees_for(request.user), p.GuaranteeListQuery, request
        )
        return _page(self, guarantees)

    @extend_schema(
        operation_id="guarantees_create",
        summary="Issue a general guarantee for a company's duties and taxes (bank staff)",
        description=(
            "The company may then release goods against it while its remaining balance covers "
            "their bills. 422 for problems with the fields (all reported at once), including a "
            "USCI no registered company has and a reference your bank already used."
        ),
        request=p.GuaranteeInSerializer,
        responses={201: p.GuaranteeSerializer},
    )
    @idempotent
    def post(self, request):
        data = dict(_valid(p.GuaranteeInSerializer, request).validated_data)
        company = _company(data.pop("company"))
        guarantee = services.issue_guarantee(
            actor=request.user, company=company, currency=data.pop("currency", ""), **data
        )
        return Response(
            self.get_serializer(guarantee).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": p.guarantee_url(guarantee)},
        )


class GuaranteeDetailView(BankApiView):
    serializer_class = p.GuaranteeSerializer

    @extend_schema(operation_id="guarantees_retrieve", summary="One guarantee, with its balance")
    def get(self, request, uuid):
        guarantee = selectors.get_guarantee_for(request.user, uuid)
        return Response(self.get_serializer(guarantee).data)


# Steps: one endpoint each, made from the steps rules declares and the services that make them --


@dataclass(frozen=True)
class Subject:
    """What the step endpoints of one kind of subject share."""

    noun: str  # in URLs' names and the operation ids
    keyword: str  # the services' keyword argument for it
    model: type[Model]
    steps: dict[str, rules.Step]
    visible: Callable[[Any], QuerySet]  # selectors.<...>_for(user): what the caller may see
    serializer: type[serializers.Serializer]

    def named(self, user, uuid) -> Model:
        """The subject with this uuid if ``user`` may see it (else 404), as a reference to its
        row: each step's service locks and reads the row itself, so the view reads only its key
        (the selectors' whole row, with its joins, cost a tenth of a confirmation)."""
        pk = self.visible(user).filter(uuid=uuid).values_list("pk", flat=True).first()
        if pk is None:
            raise Http404(_("Not found."))
        return self.model(pk=pk)


SUBJECTS = (
    Subject(
        "agreement",
        "agreement",
        PaymentAgreement,
        rules.AGREEMENT_STEPS,
        selectors.agreements_for,
        p.AgreementSerializer,
    ),
    Subject(
        "payment",
        "instruction",
        PaymentInstruction,
        rules.INSTRUCTION_STEPS,
        selectors.instructions_for,
        p.InstructionSerializer,
    ),
    Subject(
        "guarantee",
        "guarantee",
        Guarantee,
        rules.GUARANTEE_STEPS,
        selectors.guarantees_for,
        p.GuaranteeSerializer,
    ),
)


def _step_view(subject: Subject, step: rules.Step) -> type[BankApiView]:
    service = services.STEP_SERVICES[subject.model, step.name]
    request_serializer = p.step_serializer(subject.noun, step, service)
    versioned = p.takes_version(service)

    class StepView(BankApiView):
        serializer_class = subject.serializer
        role_checks = {"POST": functools.partial(rules.check_role, who=step.who)}

        @extend_schema(
            operation_id=f"{subject.noun}s_{step.name}",
            summary=format_lazy("{} ({})", step.label, WHO[step.who]),
            description=(
                "Allowed only in the statuses the payments rules permit; otherwise 409 with the "
                "reason."
                + (
                    " `version` must be the current version."
                    if versioned
                    else " A retry of the same confirmation (same `bank_reference`) answers "
                    "200 again and records nothing new."
                )
            ),
            request=request_serializer,
            responses={200: subject.serializer},
        )
        @idempotent
        def post(self, request, uuid):
            found = subject.named(request.user, uuid)
            data = _valid(request_serializer, request).validated_data
            changed = service(**{subject.keyword: found}, actor=request.user, **data)
            return Response(self.get_serializer(changed).data)

    StepView.__name__ = StepView.__qualname__ = f"{subject.noun.title()}{step.name.title()}View"
    return StepView


# (noun, step name) -> view, for every step of agreements, instructions and guarantees.
STEP_VIEWS = {
    (subject.noun, step.name): _step_view(subject, step)
    for subject in SUBJECTS
    for step in subject.steps.values()
}


# The bank's daily statement --------------------------------------------------------------------

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _value_date(text: str) -> date:
    try:
        if ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise Http404(
        _("There is no statement for %(text)r: give the value date as YYYY-MM-DD, e.g. 2026-12-01.")
        % {"text": text}
    )


class BankStatementView(BankApiView):
    role_checks = {"GET": rules.check_bank}

    def perform_content_negotiation(self, request, force=False):
        # The statement is CSV and its problems JSON, whatever Accept asks: never a 406.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="bank_statement",
        summary="Your bank's statement of one value date, as CSV (bank staff)",
        description=(
            "One row per bill your bank confirmed with that value date, in the order you "
            "confirmed them: value_date, bank_reference, bill_number, declaration_number, "
            "company_usci, company_name, account_number, tax, surcharge, amount, currency, "
            "confirmed_at. Only the header row on a day without confirmations."
        ),
        parameters=[
            OpenApiParameter(
                "value_date",
                OpenApiTypes.DATE,
                OpenApiParameter.PATH,
                description="YYYY-MM-DD",
            )
        ],
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request, value_date):
        on = _value_date(value_date)
        bank = request.user.bank
        response = HttpResponse(statement_csv(bank, on), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{statement_filename(bank, on)}"'
        response["Cache-Control"] = "private, no-store"
        return response
