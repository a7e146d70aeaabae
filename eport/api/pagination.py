"""Cursor pagination on a unique, never-changing key, so pages never skip or repeat a row."""

from rest_framework.pagination import CursorPagination


class StableCursorPagination(CursorPagination):
    # The primary key only grows: newest first, and a row inserted while a client pages
    # through appears on no page twice.
    ordering = "-id"
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
