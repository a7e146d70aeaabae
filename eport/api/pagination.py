"""Cursor pagination on a unique, never-changing key, so pages never skip or repeat a row."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.pagination import CursorPagination


class StableCursorPagination(CursorPagination):
    # The primary key only grows: newest first, and a row inserted while a client pages
    # through appears on no page twice.
    ordering = "-id"
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    invalid_cursor_message = gettext_lazy(
        "This cursor is not one of ours; follow `next` or `previous`."
    )

    def get_page_size(self, request):
        """The page size asked for; one that is not a whole number from 1 to 100 is a 422
        naming it (not silently replaced, which would hide a client's mistake)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= self.max_page_size:
            return int(raw)
        raise serializers.ValidationError(
            {
                self.page_size_query_param: [
                    _("Give the page size as a whole number from 1 to %(most)s.")
                    % {"most": self.max_page_size}
                ]
            }
        )

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
                parameter["description"] = (
                    f"Rows per page, 1 to {self.max_page_size} (default {self.page_size}); "
                    "any other value answers 422."
                )
            elif parameter["name"] == self.cursor_query_param:
                parameter["description"] = (
                    "The opaque cursor from the `next` or `previous` link of the page before; an "
                    "unknown one answers 404."
                )
        return parameters
