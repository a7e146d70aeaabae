"""The REST API's views. Each one parses input with a serializer, finds the declaration through
the selectors (another company's is a 404), calls one domain service, and returns its result.
No rule about declarations lives here: the role check below reads the lifecycle's own table."""

from __future__ import annotations

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from eport.declarations import lifecycle, selectors, services
from eport.declarations.fields import HEADER_VALUE_FIELDS
from eport.declarations.models import Declaration

from . import serializers as s
from .idempotency import idempotent
from .pagination import StableCursorPagination
from .parsers import DecimalJSONParser
from .problems import PROBLEM_CONTENT_TYPE, ApiProblem, ProblemSerializer


class RoleMayMove(permissions.BasePermission):
    """403 unless the caller's role is the one the lifecycle table names for the view's move."""

    def has_permission(self, request, view):
        move_name = getattr(view, "moves", {}).get(request.method)
        if move_name is None:
            return True
        user = request.user
        move = lifecycle.MOVES[move_name]
        kind = lifecycle.MOVE_WHO[move_name]
        if user.is_auditor:
            self.message = "Auditors have read-only access and cannot change declarations."
            return False
        if kind == lifecycle.TRADER and not (user.is_trader and user.company_id):
            self.message = (
                f"Only the declaring company's traders can have a declaration {move.past}."
            )
            return False
        if kind == lifecycle.OFFICER and not (user.is_officer and user.office_id):
            self.message = f"Only customs officers can have a declaration {move.past}."
            return False
        return True


class ApiView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated, RoleMayMove]
    parser_classes = [DecimalJSONParser]
    moves: dict[str, str] = {}

    def declaration(self) -> Declaration:
        return selectors.get_declaration_for(self.request.user, self.kwargs["uuid"])

    def detail(self, declaration: Declaration, code=status.HTTP_200_OK, headers=None) -> Response:
        # A declaration a service returned is what it just saved, often with its items and
        # documents already held: only the related rows it does not hold are read here.
        held = getattr(declaration, "_prefetched_objects_cache", {})
        missing = [name for name in ("items", "documents", "queries") if name not in held]
        if missing:
            prefetch_related_objects([declaration], *missing)
        data = s.DeclarationSerializer(declaration, context=self.get_serializer_context()).data
        return Response(data, status=code, headers=headers)


def _valid(serializer_class, request) -> serializers.Serializer:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer


def _current_header(declaration: Declaration) -> dict:
    header = {name: getattr(declaration, name) for name in HEADER_VALUE_FIELDS}
    header["office"] = declaration.office
    return header


STATUS_FILTER = OpenApiParameter("status", str, enum=Declaration.Status.values)
LANE_FILTER = OpenApiParameter("lane", str, enum=Declaration.Lane.values)
FLOW_FILTER = OpenApiParameter("flow", str, enum=Declaration.Flow.values)


class ListFilters(serializers.Serializer):
    status = serializers.ChoiceField(Declaration.Status.values, required=False)
    lane = serializers.ChoiceField(Declaration.Lane.values, required=False)
    flow = serializers.ChoiceField(Declaration.Flow.values, required=False)
    q = serializers.CharField(required=False, allow_blank=True, max_length=100)
    company = serializers.CharField(required=False, allow_blank=True, max_length=18)


class DeclarationListView(ApiView):
    serializer_class = s.DeclarationSummarySerializer
    pagination_class = StableCursorPagination
    moves = {"POST": "edit"}

    @extend_schema(
        operation_id="declarations_list",
        summary="List the declarations you may see",
        description=(
            "Traders see their company's declarations, officers their office's (never drafts), "
            "auditors all. Newest first, paged with an opaque cursor (`next`/`previous`)."
        ),
        parameters=[
            STATUS_FILTER,
            LANE_FILTER,
            FLOW_FILTER,
            OpenApiParameter(
                "q", str, description="Declaration number, LRN or transport document."
            ),
            OpenApiParameter("company", str, description="The declarant's USCI (customs only)."),
        ],
        responses={200: s.DeclarationSummarySerializer(many=True)},
    )
    def get(self, request):
        filters = _valid_query(ListFilters, request)
        wanted = {key: value for key, value in filters.validated_data.items() if value}
        if "q" in wanted:
            queryset = selectors.search_declarations(
                request.user, wanted["q"], wanted.get("status")
            )
        else:
            queryset = selectors.declarations_for(request.user)
            if "status" in wanted:
                queryset = queryset.filter(status=wanted["status"])
        if "lane" in wanted:
            queryset = queryset.filter(lane=wanted["lane"])
        if "flow" in wanted:
            queryset = queryset.filter(flow=wanted["flow"])
        if "company" in wanted:
            queryset = queryset.filter(company__usci=wanted["company"].strip().upper())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="declarations_create",
        summary="File a new draft (traders)",
        description=(
            "Creates a draft for your company from the header and its goods items. Every problem "
            "is reported at once in `errors` (422), with keys such as `invoice_total` and "
            "`items.1.hs_code`."
        ),
        request=s.DraftInSerializer,
        responses={201: s.DeclarationSerializer},
    )
    @idempotent
    def post(self, request):
        header, items = _valid(s.DraftInSerializer, request).split()
        declaration = services.create_draft(actor=request.user, header=header, items=items)
        location = s.declaration_url(declaration)
        return self.detail(declaration, status.HTTP_201_CREATED, {"Location": location})


def _valid_query(serializer_class, request) -> serializers.Serializer:
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return serializer


class DeclarationDetailView(ApiView):
    serializer_class = s.DeclarationSerializer
    moves = {"PUT": "edit"}

    @extend_schema(operation_id="declarations_retrieve", summary="One declaration")
    def get(self, request, uuid):
        return self.detail(self.declaration())

    @extend_schema(
        operation_id="declarations_update",
        summary="Replace a draft's header and goods items (traders)",
        request=s.DraftUpdateSerializer,
        responses={200: s.DeclarationSerializer},
    )
    def put(self, request, uuid):
        declaration = self.declaration()
        serializer = _valid(s.DraftUpdateSerializer, request)
        data = dict(serializer.validated_data)
        version = data.pop("version")
        items = [dict(item) for item in data.pop("items", [])]
        declaration = services.update_draft(
            declaration=declaration, actor=request.user, header=data, items=items, version=version
        )
        return self.detail(declaration)


class ItemListView(ApiView):
    serializer_class = s.ItemSerializer
    moves = {"PUT": "edit"}

    @extend_schema(
        operation_id="declarations_items_list",
        summary="A declaration's goods items",
        responses={200: s.ItemSerializer(many=True)},
    )
    def get(self, request, uuid):
        declaration = self.declaration()
        return Response(s.ItemSerializer(declaration.items.all(), many=True).data)

    @extend_schema(
        operation_id="declarations_items_replace",
        summary="Replace a draft's goods items, keeping its header (traders)",
        request=s.ItemsUpdateSerializer,
        responses={200: s.DeclarationSerializer},
    )
    def put(self, request, uuid):
        declaration = self.declaration()
        serializer = _valid(s.ItemsUpdateSerializer, request)
        declaration = services.update_draft(
            declaration=declaration,
            actor=request.user,
            header=_current_header(declaration),
            items=[dict(item) for item in serializer.validated_data["items"]],
            version=serializer.validated_data["version"],
        )
        return self.detail(declaration)


class DocumentListView(ApiView):
    serializer_class = s.DocumentSerializer
    parser_classes = [MultiPartParser, FormParser]
    moves = {"POST": "attach"}

    @extend_schema(
        operation_id="declarations_documents_list",
        summary="A declaration's documents",
        responses={200: s.DocumentSerializer(many=True)},
    )
    def get(self, request, uuid):
        declaration = self.declaration()
        documents = declaration.documents.select_related("declaration")
        return Response(s.DocumentSerializer(documents, many=True).data)

    @extend_schema(
        operation_id="declarations_documents_create",
        summary="Upload a document (traders; drafts and queried declarations)",
        request={"multipart/form-data": s.DocumentInSerializer},
        responses={201: s.DocumentSerializer},
    )
    @idempotent
    def post(self, request, uuid):
        declaration = self.declaration()
        data = _valid(s.DocumentInSerializer, request).validated_data
        document = services.add_document(
            declaration=declaration,
            actor=request.user,
            type=data["type"],
            reference=data["reference"],
            issued_on=data.get("issued_on"),
            upload=data["file"],
        )
        return Response(
            s.DocumentSerializer(document).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/api/v1/documents/{document.uuid}/"},
        )


class DocumentDetailView(ApiView):
    serializer_class = s.DocumentSerializer
    moves = {"DELETE": "attach"}

    @extend_schema(operation_id="documents_retrieve", summary="One document's details")
    def get(self, request, uuid):
        return Response(s.DocumentSerializer(selectors.get_document_for(request.user, uuid)).data)

    @extend_schema(
        operation_id="documents_destroy",
        summary="Remove a document (traders; drafts and queried declarations)",
        responses={204: None},
    )
    def delete(self, request, uuid):
        document = selectors.get_document_for(request.user, uuid)
        services.remove_document(document=document, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentFileView(ApiView):
    @extend_schema(
        operation_id="documents_file",
        summary="Download a document's file",
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
            (200, "image/jpeg"): OpenApiTypes.BINARY,
        },
    )
    def get(self, request, uuid):
        document = selectors.get_document_for(request.user, uuid)
        try:
            handle = document.file.open("rb")
        except (FileNotFoundError, ValueError) as missing:
            raise Http404("The file of this document is missing.") from missing
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"{document.type}-{document.sha256[:12]}",
            content_type=document.content_type,
        )
        response["Cache-Control"] = "private, no-store"
        return response


class TimelineView(ApiView):
    serializer_class = s.TimelineEntrySerializer

    @extend_schema(
        operation_id="declarations_timeline",
        summary="The declaration's ledger entries, oldest first",
        responses={200: s.TimelineEntrySerializer(many=True)},
    )
    def get(self, request, uuid):
        entries = selectors.timeline(self.declaration())
        rows = []
        for entry in entries:
            content = entry.content
            rows.append(
                {
                    "seq": entry.seq,
                    "time": content["time"],
                    "actor": content["actor"],
                    "action": content["action"],
                    "subject": content["subject"],
                    "data": content["data"],
                    "prev": content["prev"],
                    "hash": entry.entry_hash,
                }
            )
        return Response(rows)


# Moves: one endpoint each, calling the service the pages call -------------------------------

ACTIONS = {
    # url segment: (move, serializer, service, {serializer field: service argument}, summary)
    "submit": (
        "submit",
        s.VersionSerializer,
        services.submit_declaration,
        {},
        "Submit a draft (traders): numbered, routed to a lane; green is assessed at once",
    ),
    "cancel": (
        "cancel",
        s.CancelSerializer,
        services.cancel_declaration,
        {"reason": "reason"},
        "Cancel a draft, a submitted or a queried declaration (traders)",
    ),
    "amend": (
        "amend",
        s.AmendSerializer,
        services.amend_declaration,
        None,
        "Answer a query with an amended header and items, and resubmit (traders)",
    ),
    "take": (
        "take",
        s.VersionSerializer,
        services.take_declaration,
        {},
        "Take a yellow or red declaration for review (officers)",
    ),
    "query": (
        "query",
        s.QuestionSerializer,
        services.raise_query,
        {"question": "question"},
        "Ask the trader a question (the reviewing officer)",
    ),
    "inspect": (
        "inspect",
        s.InstructionsSerializer,
        services.order_inspection,
        {"instructions": "instructions"},
        "Order a physical inspection of a red-lane declaration (the reviewing officer)",
    ),
    "findings": (
        "record_findings",
        s.FindingsSerializer,
        services.record_inspection_findings,
        {"findings": "findings"},
        "Record the inspection findings (the reviewing officer)",
    ),
    "assess": (
        "assess",
        s.AssessSerializer,
        services.assess_declaration,
        {"corrections": "corrections", "reason": "reason"},
        "Assess duty and VAT, with corrections if any (the reviewing officer)",
    ),
    "pay": (
        "pay",
        s.PaymentSerializer,
        services.record_payment,
        {"reference": "reference"},
        "Record the payment of duty and VAT, with its reference (officers)",
    ),
    "release": (
        "release",
        s.ReleaseSerializer,
        services.release_declaration,
        {"note": "note"},
        "Release the goods of a paid declaration (officers)",
    ),
    "reject": (
        "reject",
        s.RejectSerializer,
        services.reject_declaration,
        {"reason": "reason"},
        "Reject a declaration under review, query or inspection (the reviewing officer)",
    ),
}


def _arguments(arguments: dict | None, data: dict) -> dict:
    if arguments is None:  # amend: header and items as a draft, plus the answer
        data = dict(data)
        answer = data.pop("answer")
        data.pop("version")
        items = [dict(item) for item in data.pop("items", [])]
        return {"header": data, "items": items, "answer": answer}
    kwargs = {}
    for field, argument in arguments.items():
        if field in data:
            value = data[field]
            kwargs[argument] = [dict(v) for v in value] if field == "corrections" else value
    return kwargs


def _action_view(segment: str) -> type[ApiView]:
    move, serializer_class, service, arguments, summary = ACTIONS[segment]

    class ActionView(ApiView):
        moves = {"POST": move}

        @extend_schema(
            operation_id=f"declarations_{segment}",
            summary=summary,
            description=(
                "Allowed only in the states the lifecycle permits; otherwise 409 with the "
                "reason. `version` must be the declaration's current version."
            ),
            request=serializer_class,
            responses={200: s.DeclarationSerializer},
        )
        @idempotent
        def post(self, request, uuid):
            declaration = self.declaration()
            data = _valid(serializer_class, request).validated_data
            declaration = service(
                declaration=declaration,
                actor=request.user,
                version=data["version"],
                **_arguments(arguments, data),
            )
            return self.detail(declaration)

    ActionView.__name__ = ActionView.__qualname__ = f"{segment.title()}ActionView"
    return ActionView


ACTION_VIEWS = {segment: _action_view(segment) for segment in ACTIONS}


class ReceiptView(ApiView):
    serializer_class = s.ReceiptSerializer

    @extend_schema(
        operation_id="declarations_receipt",
        summary="A verifiable receipt of the declaration's latest (or a given) ledger entry",
        description=(
            "The receipt of ledger spec section 5: the entry, its inclusion proof and the "
            "notarized checkpoint, with the declaration's snapshot when it is the latest entry. "
            "409 while the entry is not yet covered by a notarized checkpoint (retry later)."
        ),
        parameters=[
            OpenApiParameter(
                "seq", int, description="One of the declaration's entries (default: its latest)."
            )
        ],
        responses={
            200: s.ReceiptSerializer,
            (409, PROBLEM_CONTENT_TYPE): OpenApiResponse(
                ProblemSerializer,
                description="No notarized checkpoint covers the entry yet; retry after "
                "Retry-After seconds.",
            ),
        },
    )
    def get(self, request, uuid):
        from ledger.receipts import ReceiptUnavailable, build_receipt, subject_digest

        declaration = self.declaration()
        entries = selectors.timeline(declaration)
        if not entries:
            raise Http404("This declaration has no ledger entries.")
        wanted = _valid_query(ReceiptQuery, request).validated_data.get("seq")
        latest = entries[-1]
        entry = latest if wanted is None else next((e for e in entries if e.seq == wanted), None)
        if entry is None:
            raise Http404(f"Entry {wanted} is not about this declaration.")
        subject = None
        if entry.seq == latest.seq:
            snapshot = selectors.snapshot(declaration)
            # Included only when it is the state the entry recorded, so the receipt verifies.
            if subject_digest(snapshot) == entry.data.get("state"):
                subject = snapshot
        try:
            receipt = build_receipt(entry.seq, subject=subject)
        except ReceiptUnavailable as why:
            raise ApiProblem(
                409,
                "receipt-unavailable",
                f"No receipt yet: {why}.",
                {"Retry-After": str(max(1, round(settings.EPORT_CHECKPOINT_INTERVAL)))},
            ) from None
        return Response(receipt)


class ReceiptQuery(serializers.Serializer):
    seq = serializers.IntegerField(required=False, min_value=0)
