"""The REST API of notifications: a caller's own, newest first, and marking them read.

Thin, as the other views: what a caller may see comes from ``eport.notifications.selectors``
(another person's notification is a 404), every change from ``eport.notifications.services``.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from eport.notifications import selectors, services
from eport.notifications.kinds import Kind
from eport.notifications.models import Notification

from .idempotency import idempotent
from .pagination import StableCursorPagination
from .views import ApiView


class NotificationSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(Kind.choices, read_only=True)
    subject_type = serializers.ChoiceField(Notification.Subject.choices, read_only=True)
    message = serializers.SerializerMethodField(
        help_text="What happened, in the language of the request (Accept-Language)."
    )
    link = serializers.SerializerMethodField(help_text="The path of the page it is about.")
    unread = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "message",
            "subject_type",
            "subject_uuid",
            "link",
            "created_at",
            "read_at",
            "unread",
        ]
        read_only_fields = fields

    def get_message(self, notification: Notification) -> str:
        return notification.text()

    def get_link(self, notification: Notification) -> str:
        return notification.target()


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(min_value=0, help_text="How many were unread.")


class NotificationListView(ApiView):
    serializer_class = NotificationSerializer
    pagination_class = StableCursorPagination

    @extend_schema(
        operation_id="notifications_list",
        summary="Your notifications, newest first",
        description=(
            "What you were told about (queries, assessments, releases, presentations to your "
            "bank, ...), newest first, paged with an opaque cursor. Only your own."
        ),
        responses={200: NotificationSerializer(many=True)},
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.notifications_for(request.user))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class NotificationReadView(ApiView):
    serializer_class = NotificationSerializer

    @extend_schema(
        operation_id="notifications_read",
        summary="Mark one of your notifications read",
        request=None,
        responses={200: NotificationSerializer},
    )
    @idempotent
    def post(self, request, pk):
        notification = selectors.get_notification_for(request.user, pk)
        notification = services.open_notification(notification=notification, actor=request.user)
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllView(ApiView):
    serializer_class = MarkedSerializer

    @extend_schema(
        operation_id="notifications_read_all",
        summary="Mark all your notifications read",
        request=None,
        responses={200: MarkedSerializer},
    )
    @idempotent
    def post(self, request):
        return Response({"marked": services.mark_all_read(actor=request.user)})
