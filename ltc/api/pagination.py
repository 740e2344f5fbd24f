from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Cursor pages: constant time at any depth and no COUNT(*) over millions of rows."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
