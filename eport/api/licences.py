"""The REST API of import and export licences: traders apply, licensing officers decide.

Views are thin, as in ``views``: what a caller may see comes from ``eport.licensing.selectors``
(another company's licence, or another agency's, is a 404, never a hint that it exists), who may
make which move from ``eport.licensing.lifecycle``, and every change from one
``eport.licensing.services`` function: the ones the pages call.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from eport.licensing import lifecycle, selectors, services
from eport.licensing.models import Licence

from . import licence_serializers as serializers
from .idempotency import idempotent
from .pagination import StableCursorPagination
from .serializers import TimelineEntrySerializer
from .views import ApiView, RoleMay, _valid, _valid_query, timeline_rows


class LicenceApiView(ApiView):
    permission_classes = [*ApiView.permission_classes, RoleMay]
    role_checks: dict = {}

    def licence(self) -> Licence:
        """The licence in the URL, if the caller may see it (404 otherwise)."""
        return selectors.get_licence_for(self.request.user, self.kwargs["uuid"])

    def licence_detail(self, licence: Licence, code=status.HTTP_200_OK, headers=None) -> Response:
        context = {**self.get_serializer_context(), "usages": selectors.usages_for(licence)}
        data = serializers.LicenceSerializer(licence, context=context).data
        return Response(data, status=code, headers=headers)


class LicenceListView(LicenceApiView):
    serializer_class = serializers.LicenceSummarySerializer
    pagination_class = StableCursorPagination
    role_checks = {"POST": lifecycle.check_applicant}

    @extend_schema(
        operation_id="licences_list",
        summary="List the licences and applications you may see",
        description=(
            "Traders see their company's, licensing officers their agency's, customs officers "
            "approved licences, auditors all; anyone else none. Newest first, paged with an "
            "opaque cursor (`next`/`previous`)."
        ),
        parameters=[serializers.LicenceListFilters],
        responses={200: serializers.LicenceSummarySerializer(many=True)},
    )
    def get(self, request):
        wanted = _valid_query(serializers.LicenceListFilters, request).validated_data
        queryset = selectors.licence_list(
            request.user, status=wanted.get("status", ""), flow=wanted.get("flow", "")
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="licences_create",
        summary="Apply for an import or export licence (traders)",
        description=(
            "Your company applies to a licensing agency for the goods of one HS code (or its "
            "start), a quantity and value, a counterparty country and a validity period. Every "
            "problem is reported at once in `errors` (422)."
        ),
        request=serializers.LicenceInSerializer,
        responses={201: serializers.LicenceSerializer},
    )
    @idempotent
    def post(self, request):
        data = _valid(serializers.LicenceInSerializer, request).arguments()
        # The agency by its code; the service says which agencies there are if it is not one.
        data["agency"] = data["agency"] or None
        licence = services.apply_for_licence(actor=request.user, **data)
        return self.licence_detail(
            licence, status.HTTP_201_CREATED, {"Location": serializers.licence_url(licence)}
        )


class LicenceDetailView(LicenceApiView):
    serializer_class = serializers.LicenceSerializer

    @extend_schema(
        operation_id="licences_retrieve",
        summary="One licence, with what was written off it and the moves you may make",
    )
    def get(self, request, uuid):
        return self.licence_detail(self.licence())


class LicenceTimelineView(LicenceApiView):
    serializer_class = TimelineEntrySerializer

    @extend_schema(
        operation_id="licences_timeline",
        summary="The licence's ledger entries, oldest first",
        responses={200: TimelineEntrySerializer(many=True)},
    )
    def get(self, request, uuid):
        return Response(timeline_rows(selectors.licence_timeline(self.licence())))


# Moves: one endpoint each, made from the lifecycle's MOVES, calling the service the pages call --


def _licence_move_view(move: lifecycle.Move) -> type[LicenceApiView]:
    request_class = serializers.licence_move_serializer(move)

    def check(user, name=move.name):
        lifecycle.check_role(user, name)

    class LicenceMoveView(LicenceApiView):
        serializer_class = serializers.LicenceSerializer
        role_checks = {"POST": check}

        @extend_schema(
            operation_id=f"licences_{move.name}",
            summary=move.summary,  # lazy: said in the schema's language
            description=(
                "Allowed only in the statuses the licence lifecycle permits; otherwise 409 with "
                "the reason. `version` must be the licence's current version."
            ),
            request=request_class,
            responses={200: serializers.LicenceSerializer},
        )
        @idempotent
        def post(self, request, uuid):
            licence = self.licence()
            data = _valid(request_class, request).validated_data
            licence = services.make_licence_move(
                move.name,
                licence=licence,
                actor=request.user,
                version=data["version"],
                **serializers.licence_move_arguments(move, data),
            )
            return self.licence_detail(licence)

    LicenceMoveView.__name__ = LicenceMoveView.__qualname__ = f"Licence{move.name.title()}View"
    return LicenceMoveView


# url segment -> view, for every move of the registry.
LICENCE_MOVE_VIEWS = {
    move.endpoint.rstrip("/"): _licence_move_view(move) for move in lifecycle.MOVES.values()
}
