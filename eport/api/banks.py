"""The REST API of trade finance: traders present released declarations to banks, banks check
what is presented to them and register financings against it.

Views are thin, as in ``views``: what a caller may see comes from ``eport.banks.selectors`` (what
it may not see is a 404, never a hint that it exists), who may change what from
``eport.banks.lifecycle`` and every change from one ``eport.banks.services`` function.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from eport.accounts.models import Bank
from eport.banks import lifecycle, selectors, services
from eport.declarations import selectors as declaration_selectors
from ledger.receipts import ReceiptUnavailable

from . import bank_serializers as b
from .idempotency import idempotent
from .pagination import StableCursorPagination
from .parsers import DecimalJSONParser
from .problems import PROBLEM_CONTENT_TYPE, ApiProblem, ProblemSerializer
from .serializers import ReceiptSerializer
from .views import ApiView, RoleMay, _valid

# The most a batch-check upload may weigh: a thousand numbers with room for quotes and columns.
MAX_CHECK_UPLOAD = 256 * 1024


class BankApiView(ApiView):
    permission_classes = [*ApiView.permission_classes, RoleMay]
    role_checks: dict = {}


def alliance_bank_named(bic: str) -> Bank:
    """The alliance bank a request names in its ``bank`` field; 422 on that field if none."""
    bank = selectors.alliance_bank(bic)
    if bank is None:
        unknown = _("No alliance bank has the BIC %(bic)s.") % {"bic": bic}
        raise ValidationError({"bank": [unknown]})
    return bank


def _receipt_unavailable(why: ReceiptUnavailable) -> ApiProblem:
    return ApiProblem(
        409,
        "receipt-unavailable",
        _("No receipt yet: %(why)s.") % {"why": why},
        {"Retry-After": str(max(1, round(settings.EPORT_CHECKPOINT_INTERVAL)))},
    )


RECEIPT_RESPONSES = {
    200: ReceiptSerializer,
    (409, PROBLEM_CONTENT_TYPE): OpenApiResponse(
        ProblemSerializer,
        description=(
            "No notarized checkpoint covers the entry yet; retry after Retry-After seconds."
        ),
    ),
}


# Presentations (traders) ---------------------------------------------------------------------


class DeclarationPresentationsView(BankApiView):
    serializer_class = b.PresentationSerializer
    role_checks = {"POST": lifecycle.check_trader}

    @extend_schema(
        operation_id="declarations_presentations_list",
        summary="The banks a declaration is presented to, now and before",
        description=(
            "Traders see their own declarations' presentations and auditors all; customs officers "
            "see none."
        ),
        responses={200: b.PresentationSerializer(many=True)},
    )
    def get(self, request, uuid):
        declaration = declaration_selectors.get_declaration_for(request.user, uuid)
        presentations = selectors.presentations_for(request.user).filter(declaration=declaration)
        return Response(b.PresentationSerializer(presentations, many=True).data)

    @extend_schema(
        operation_id="declarations_present",
        summary="Present a released declaration to an alliance bank, for financing (traders)",
        description=(
            "The bank sees the declaration while it stays presented. 409 if it is not released "
            "or already presented to that bank; 422 if no alliance bank has that BIC."
        ),
        request=b.PresentInSerializer,
        responses={201: b.PresentationSerializer},
    )
    @idempotent
    def post(self, request, uuid):
        declaration = declaration_selectors.get_declaration_for(request.user, uuid)
        bank = alliance_bank_named(_valid(b.PresentInSerializer, request).validated_data["bank"])
        presentation = services.present_declaration(
            declaration=declaration, actor=request.user, bank=bank
        )
        return Response(
            b.PresentationSerializer(presentation).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": b.presentation_url(presentation)},
        )


class PresentationDetailView(BankApiView):
    serializer_class = b.PresentationSerializer

    @extend_schema(operation_id="presentations_retrieve", summary="One presentation")
    def get(self, request, uuid):
        presentation = selectors.get_presentation_for(request.user, uuid)
        return Response(b.PresentationSerializer(presentation).data)


class PresentationWithdrawView(BankApiView):
    serializer_class = b.PresentationSerializer
    role_checks = {"POST": lifecycle.check_trader}

    @extend_schema(
        operation_id="presentations_withdraw",
        summary="Withdraw a presentation: the bank no longer sees the declaration (traders)",
        description=(
            "No body. 409 while that bank has a live (registered or disbursed) financing "
            "against the declaration, or if it was already withdrawn."
        ),
        request=None,
        responses={200: b.PresentationSerializer},
    )
    @idempotent
    def post(self, request, uuid):
        presentation = selectors.get_presentation_for(request.user, uuid)
        presentation = services.withdraw_presentation(presentation=presentation, actor=request.user)
        return Response(b.PresentationSerializer(presentation).data)


# The bank's check ----------------------------------------------------------------------------


class PresentedListView(BankApiView):
    serializer_class = b.PresentedDeclarationSerializer
    pagination_class = StableCursorPagination

    @extend_schema(
        operation_id="bank_declarations_list",
        summary="Declarations presented to your bank (bank staff)",
        description=(
            "Released declarations presented to your bank now, with the customs facts a bank "
            "examines and what all banks may still finance of each (`financeable`), newest "
            "first, paged with an opaque cursor. Empty for anyone but bank staff."
        ),
        responses={200: b.PresentedDeclarationSerializer(many=True)},
    )
    def get(self, request):
        presented = selectors.presented_declarations(request.user)
        queryset = selectors.with_financeable_balance(presented).prefetch_related("items")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class PresentedDetailView(BankApiView):
    serializer_class = b.PresentedDeclarationSerializer

    @extend_schema(operation_id="bank_declarations_retrieve", summary="One presented declaration")
    def get(self, request, uuid):
        declaration = selectors.get_presented_declaration(request.user, uuid)
        declaration.financeable = selectors.financeable_balance(declaration)
        return Response(b.PresentedDeclarationSerializer(declaration).data)


class PresentedReceiptView(BankApiView):
    serializer_class = ReceiptSerializer

    @extend_schema(
        operation_id="bank_declarations_receipt",
        summary="A verifiable receipt of a presented declaration's latest ledger entry",
        description=(
            "The receipt of ledger spec section 5, with the declaration's snapshot when that "
            "entry recorded it as it is: verify it offline with the ledger's verifier keys. 409 "
            "while no notarized checkpoint covers the entry (retry later)."
        ),
        responses=RECEIPT_RESPONSES,
    )
    def get(self, request, uuid):
        declaration = selectors.get_presented_declaration(request.user, uuid)
        try:
            receipt = selectors.presented_receipt(request.user, declaration)
        except ReceiptUnavailable as why:
            raise _receipt_unavailable(why) from None
        return Response(receipt)


class CheckView(BankApiView):
    serializer_class = b.CheckOutSerializer
    parser_classes = [DecimalJSONParser, MultiPartParser]
    role_checks = {"POST": lifecycle.check_bank_staff}

    @extend_schema(
        operation_id="bank_check",
        summary="Check up to 1,000 declaration numbers at once (bank staff)",
        description=(
            'Send `{"numbers": [...]}` or upload a CSV as `file`. Each distinct number is '
            "answered, in order: available (released and presented to your bank) with its URL, "
            "financeable balance and currency, or not available, the same answer whether the "
            "number does not exist, is not released or is not presented to your bank."
        ),
        request={
            "application/json": b.CheckInSerializer,
            "multipart/form-data": b.CheckUploadSerializer,
        },
        responses={200: b.CheckOutSerializer},
    )
    def post(self, request):
        numbers = selectors.normalise_numbers(self._numbers(request))
        if not numbers:
            raise ValidationError({"numbers": [_("Give at least one declaration number.")]})
        if len(numbers) > selectors.MAX_BATCH:
            raise ValidationError(
                {
                    "numbers": [
                        _("At most %(most)s numbers at a time; you sent %(sent)s.")
                        % {"most": selectors.MAX_BATCH, "sent": len(numbers)}
                    ]
                }
            )
        answers = []
        for answer in selectors.batch_check(request.user, numbers):
            if not answer.available:
                answers.append({"number": answer.number, "available": False})
                continue
            answers.append(
                {
                    "number": answer.number,
                    "available": True,
                    "declaration": b.presented_url(answer.declaration),
                    "balance": f"{answer.balance:.2f}",
                    "currency": answer.declaration.invoice_currency,
                }
            )
        return Response({"answers": answers})

    def _numbers(self, request) -> list[str] | str:
        if not (request.content_type or "").startswith("multipart/"):
            return _valid(b.CheckInSerializer, request).validated_data["numbers"]
        upload = _valid(b.CheckUploadSerializer, request).validated_data["file"]
        if upload.size > MAX_CHECK_UPLOAD:
            too_large = _("The file is larger than %(kib)s KiB.") % {"kib": MAX_CHECK_UPLOAD >> 10}
            raise ValidationError({"file": [too_large]})
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError({"file": [_("The file is not UTF-8 text.")]}) from None


# Financings ----------------------------------------------------------------------------------


class FinancingListView(BankApiView):
    serializer_class = b.FinancingSerializer
    pagination_class = StableCursorPagination
    role_checks = {"POST": lifecycle.check_bank_staff}

    @extend_schema(
        operation_id="financings_list",
        summary="The financings you may see",
        description=(
            "Bank staff see their bank's own, traders every financing of their company's "
            "declarations, auditors all, customs officers none. Newest first, cursor-paged."
        ),
        responses={200: b.FinancingSerializer(many=True)},
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.financings_for(request.user))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="financings_create",
        summary="Register a financing against a declaration presented to your bank (bank staff)",
        description=(
            "409 when all banks' live financings would then exceed the declaration's invoice "
            "total; the message names the balance that remains. 422 for problems with the "
            "fields (all reported at once), including a declaration not presented to your bank."
        ),
        request=b.FinancingInSerializer,
        responses={201: b.FinancingSerializer},
    )
    @idempotent
    def post(self, request):
        data = dict(_valid(b.FinancingInSerializer, request).validated_data)
        try:
            declaration = selectors.get_presented_declaration(request.user, data.pop("declaration"))
        except Http404:
            raise ValidationError(
                {"declaration": [_("No declaration with this id is presented to your bank.")]}
            ) from None
        financing = services.register_financing(
            declaration=declaration,
            actor=request.user,
            currency=data.pop("currency", None) or None,
            **data,
        )
        return Response(
            self.get_serializer(financing).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": b.financing_url(financing)},
        )


class FinancingDetailView(BankApiView):
    serializer_class = b.FinancingSerializer

    @extend_schema(operation_id="financings_retrieve", summary="One financing, with its moves")
    def get(self, request, uuid):
        financing = selectors.get_financing_for(request.user, uuid)
        return Response(self.get_serializer(financing).data)


class FinancingReceiptView(BankApiView):
    serializer_class = ReceiptSerializer

    @extend_schema(
        operation_id="financings_receipt",
        summary="The registration receipt: proof of when a financing was registered, and what",
        description=(
            "The receipt (ledger spec section 5) of the financing's registration entry, with "
            "the financing's snapshot while it is still as registered. 409 while no notarized "
            "checkpoint covers the entry (retry later)."
        ),
        responses=RECEIPT_RESPONSES,
    )
    def get(self, request, uuid):
        financing = selectors.get_financing_for(request.user, uuid)
        try:
            receipt = selectors.registration_receipt(financing)
        except ReceiptUnavailable as why:
            raise _receipt_unavailable(why) from None
        return Response(receipt)


# Moves: one endpoint each, made from the lifecycle's MOVES and the services they name --------


def _financing_move_view(move: lifecycle.FinancingMove) -> type[BankApiView]:
    service = services.MOVE_SERVICES[move.name]
    serializer_class = b.financing_move_serializer(move)

    class FinancingMoveView(BankApiView):
        serializer_class = b.FinancingSerializer
        role_checks = {"POST": lifecycle.check_bank_staff}

        @extend_schema(
            operation_id=f"financings_{move.name}",
            summary=format_lazy("{} (the registering bank's staff)", move.label),
            description=(
                "Allowed only in the statuses the financing lifecycle permits; otherwise 409 "
                "with the reason. `version` must be the financing's current version."
            ),
            request=serializer_class,
            responses={200: b.FinancingSerializer},
        )
        @idempotent
        def post(self, request, uuid):
            financing = selectors.get_financing_for(request.user, uuid)
            data = dict(_valid(serializer_class, request).validated_data)
            financing = service(financing=financing, actor=request.user, **data)
            return Response(self.get_serializer(financing).data)

    FinancingMoveView.__name__ = FinancingMoveView.__qualname__ = (
        f"Financing{move.name.title()}View"
    )
    return FinancingMoveView


FINANCING_MOVE_VIEWS = {name: _financing_move_view(move) for name, move in lifecycle.MOVES.items()}
