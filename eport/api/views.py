"""The REST API's views. Each one parses input with a serializer, finds the declaration through
the selectors (another company's is a 404), calls one domain service, and returns its result.
No rule about declarations lives here: the role check below reads the lifecycle's own table."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from eport.declarations import lifecycle, selectors, services
from eport.declarations.documents import ALLOWED
from eport.declarations.errors import NotPermitted
from eport.declarations.fields import HEADER_VALUE_FIELDS
from eport.declarations.models import Declaration
from eport.declarations.views.documents import file_response
from eport.licensing.errors import LicenceNotPermitted
from ledger.receipts import ReceiptUnavailable
from ledger.selectors import EntryNotFound

from . import serializers as s
from .idempotency import idempotent
from .pagination import StableCursorPagination
from .parsers import DecimalJSONParser
from .problems import PROBLEM_CONTENT_TYPE, ApiProblem, ProblemSerializer
from .schema import stated


class RoleMayMove(permissions.BasePermission):
    """403 unless the caller may ever make the view's move (``lifecycle.check_role``)."""

    def has_permission(self, request, view):
        move_name = getattr(view, "moves", {}).get(request.method)
        if move_name is None:
            return True
        try:
            lifecycle.check_role(request.user, move_name)
        except NotPermitted as refusal:
            self.message = str(refusal)
            return False
        return True


class RoleMay(permissions.BasePermission):
    """403 unless the caller's role may ever make the view's change: ``view.role_checks`` maps a
    method to its domain's role check (banks', payments' or licences'), which refuses with its
    "not permitted" error."""

    def has_permission(self, request, view):
        check = getattr(view, "role_checks", {}).get(request.method)
        if check is None:
            return True
        try:
            check(request.user)
        except (NotPermitted, LicenceNotPermitted) as refusal:
            self.message = str(refusal)
            return False
        return True


class ApiView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated, RoleMayMove]
    parser_classes = [DecimalJSONParser]
    moves: dict[str, str] = {}

    def declaration(self, *, id_only: bool = False) -> Declaration:
        """The declaration in the URL, if the caller may see it (404 otherwise); ``id_only`` for
        a service that locks and reads it itself."""
        return selectors.get_declaration_for(
            self.request.user, self.kwargs["uuid"], id_only=id_only
        )

    def detail(self, declaration: Declaration, code=status.HTTP_200_OK, headers=None) -> Response:
        # A declaration a service returned often holds its items and documents already: only
        # the related rows it does not hold are read here.
        selectors.with_related(declaration)
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


class ListFilters(serializers.Serializer):
    status = stated(
        serializers.ChoiceField(Declaration.Status.values, required=False),
        component="DeclarationStatusEnum",
    )
    lane = stated(
        serializers.ChoiceField(Declaration.Lane.values, required=False), component="LaneEnum"
    )
    flow = stated(
        serializers.ChoiceField(Declaration.Flow.values, required=False), component="FlowEnum"
    )
    inspection = stated(
        serializers.ChoiceField(
            Declaration.Inspection.values,
            required=False,
            help_text="Inspection and quarantine: pending, passed or failed.",
        ),
        component="InspectionStatusEnum",
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Part of the declaration number, LRN or transport document.",
    )
    company = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="The declarant's USCI, or part of its name (customs and auditors).",
    )
    hs_code = stated(
        serializers.RegexField(
            r"^[0-9]{0,10}$",
            required=False,
            allow_blank=True,
            help_text="The start of any goods item's HS code, e.g. 8471.",
            error_messages={
                "invalid": gettext_lazy("Give the start of an HS code: up to 10 digits, e.g. 8471.")
            },
        ),
        pattern="^[0-9]{0,10}$",
    )
    party = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Part of the consignor's, consignee's or declarant's name, in any case.",
    )
    date_from = serializers.DateField(
        required=False,
        help_text="Submitted (or updated, see `date_by`) on or after this day, in Asia/Shanghai.",
    )
    date_to = serializers.DateField(
        required=False,
        help_text="Submitted (or updated) on or before this day; not before `date_from`.",
    )
    date_by = serializers.ChoiceField(
        [selectors.SUBMITTED, selectors.UPDATED],
        required=False,
        help_text="Which date `date_from` and `date_to` mean (default: submitted).",
    )

    def validate(self, attrs):
        problem = selectors.date_range_problem(attrs.get("date_from"), attrs.get("date_to"))
        if problem:
            raise serializers.ValidationError({"date_to": [problem]})
        return attrs


class DeclarationListView(ApiView):
    serializer_class = s.DeclarationSummarySerializer
    pagination_class = StableCursorPagination
    moves = {"POST": "edit"}

    @extend_schema(
        operation_id="declarations_list",
        summary="List the declarations you may see",
        description=(
            "Traders see their company's declarations, officers their office's (never drafts), "
            "an inspection agency's officers those whose goods it inspects, auditors all. Newest "
            "first, paged with an opaque cursor (`next`/`previous`)."
        ),
        parameters=[ListFilters],
        responses={200: s.DeclarationSummarySerializer(many=True)},
    )
    def get(self, request):
        wanted = _valid_query(ListFilters, request).validated_data
        queryset = selectors.declaration_list(request.user, selectors.ListFilters(**wanted))
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


class DeclarationCopyView(ApiView):
    serializer_class = s.DeclarationSerializer
    moves = {"POST": "edit"}

    @extend_schema(
        operation_id="declarations_copy",
        summary="Copy a declaration as a new draft (traders)",
        description=(
            "Any of your company's declarations, in any status, copied as a new draft: its "
            "header and goods items, with a new LRN; no documents, number or assessment."
        ),
        request=s.CopyInSerializer,
        responses={201: s.DeclarationSerializer},
    )
    @idempotent
    def post(self, request, uuid):
        declaration = self.declaration()
        lrn = _valid(s.CopyInSerializer, request).validated_data.get("lrn") or ""
        copy = services.copy_declaration(declaration=declaration, actor=request.user, lrn=lrn)
        location = s.declaration_url(copy)
        return self.detail(copy, status.HTTP_201_CREATED, {"Location": location})


class EstimateView(ApiView):
    serializer_class = s.EstimateSerializer

    @extend_schema(
        operation_id="declarations_estimate",
        summary="Estimated customs value, duty and VAT (CNY)",
        description=(
            "Worked out now from the declaration as stored, by the same assessment code and "
            "tariff customs uses. An estimate: customs assesses the amounts due after "
            "submission. When it cannot be worked out (no goods items, no exchange rate, an "
            "item without a tariff line), `problems` says why and the amounts are empty."
        ),
        responses={200: s.EstimateSerializer},
    )
    def get(self, request, uuid):
        return Response(s.EstimateSerializer(services.estimate_duties(self.declaration())).data)


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
        declaration = self.declaration(id_only=True)
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
            headers={"Location": reverse("api:document", kwargs={"uuid": document.uuid})},
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


class FileRenderer(BaseRenderer):
    """Lets content negotiation accept what a document's file is sent as (its own type, or any
    bytes); the view answers with the file itself, so this never renders anything."""

    media_type = "application/octet-stream"
    format = "file"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class DocumentFileView(ApiView):
    downloads_file = True
    renderer_classes = [
        FileRenderer,
        *(
            type(f"{name}FileRenderer", (FileRenderer,), {"media_type": media_type})
            for media_type, name in ALLOWED.items()
        ),
    ]

    @extend_schema(
        operation_id="documents_file",
        summary="Download a document's file",
        description=(
            "The file as uploaded, as an attachment whose name keeps its extension "
            "(`Content-Disposition`), e.g. `380-INV-7.pdf`. Its media type is the one checked at "
            "upload (the document's `content_type`): PDF, PNG or JPEG; every one is binary, so "
            "read the body as `application/octet-stream`."
        ),
        responses={
            (200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")
            for media_type in ("application/octet-stream", *ALLOWED)
        },
    )
    def get(self, request, uuid):
        return file_response(selectors.get_document_for(request.user, uuid))

    def options(self, request, *args, **kwargs):
        """What the resource is, in JSON like every other resource's (not as a file)."""
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().options(request, *args, **kwargs)


class TimelineView(ApiView):
    serializer_class = s.TimelineEntrySerializer

    @extend_schema(
        operation_id="declarations_timeline",
        summary="The declaration's ledger entries, oldest first",
        responses={200: s.TimelineEntrySerializer(many=True)},
    )
    def get(self, request, uuid):
        return Response(timeline_rows(selectors.timeline(self.declaration())))


def timeline_rows(entries) -> list[dict]:
    """Ledger entries as ``TimelineEntrySerializer`` gives them."""
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
    return rows


# Moves: one endpoint each, made from the registry, calling the service the pages call ---------


def _move_view(move: lifecycle.Move) -> type[ApiView]:
    serializer_class = s.move_request_serializer(move)
    # An endpoint may have more than one segment ("inspection/pass/"): "_" joins them in names.
    segment = move.endpoint.rstrip("/").replace("/", "_")

    class MoveView(ApiView):
        moves = {"POST": move.name}

        @extend_schema(
            operation_id=f"declarations_{segment}",
            summary=move.summary,  # lazy: said in the schema's language
            description=(
                "Allowed only in the states the lifecycle permits; otherwise 409 with the "
                "reason. `version` must be the declaration's current version."
            ),
            request=serializer_class,
            responses={200: s.DeclarationSerializer},
        )
        @idempotent
        def post(self, request, uuid):
            # Every move's service locks and reads the declaration itself (services._begin).
            declaration = self.declaration(id_only=True)
            data = _valid(serializer_class, request).validated_data
            declaration = services.make_move(
                move.name,
                declaration=declaration,
                actor=request.user,
                version=data["version"],
                **s.move_arguments(move, data),
            )
            return self.detail(declaration)

    MoveView.__name__ = MoveView.__qualname__ = f"{segment.title()}MoveView"
    return MoveView


# Moves made on a resource of their own (editing the draft, its documents) have views above.
_RESOURCE_MOVES = {
    name
    for view in (DeclarationDetailView, DocumentListView, DocumentDetailView)
    for name in view.moves.values()
}
# url segment -> view, for every other move the registry gives an endpoint.
ACTION_VIEWS = {
    move.endpoint.rstrip("/"): _move_view(move)
    for move in lifecycle.MOVES.values()
    if move.endpoint and move.name not in _RESOURCE_MOVES
}


class ReceiptQuery(serializers.Serializer):
    seq = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**63 - 1,
        help_text="One of the declaration's entries, by its sequence number (default: the latest).",
    )


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
        parameters=[ReceiptQuery],
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
        wanted = _valid_query(ReceiptQuery, request).validated_data.get("seq")
        try:
            receipt = selectors.declaration_receipt(request.user, self.declaration(), wanted)
        except EntryNotFound as missing:
            raise Http404(str(missing)) from None
        except ReceiptUnavailable as why:
            raise ApiProblem(
                409,
                "receipt-unavailable",
                _("No receipt yet: %(why)s.") % {"why": why},
                {"Retry-After": str(max(1, round(settings.EPORT_CHECKPOINT_INTERVAL)))},
            ) from None
        return Response(receipt)
