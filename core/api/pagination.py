"""Cursor pages, and what a cursor a client made up gets: a 400 naming `cursor`, never a 500."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination

from core.errors import ValidationFailed


class CursorPagination(pagination.CursorPagination):
    """Cursor pages: constant time at any depth and no COUNT(*) over millions of rows.

    A cursor carries the last row's value of the ordering field (`p=`), which DRF puts into
    the query as it is; a tampered one (`p=abc` on an id) would fail in the database. So the
    value is parsed by the ordering field first, and a cursor that does not parse is a 400
    `invalid_cursor`.
    """

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise self._invalid() from None
        if cursor is not None and cursor.position is not None:
            self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: str) -> None:
        from core.inputs import InputRejected, check_value

        field = self._ordering_field()
        try:
            check_value(position)
            if field is not None:
                check_value(field.to_python(position))
        except (DjangoValidationError, InputRejected, ValueError, TypeError, OverflowError):
            raise self._invalid() from None

    def _ordering_field(self):
        """The model field the first ordering names (through relations), or None for an
        annotation."""
        model, field = getattr(self, "_model", None), None
        for name in self.ordering[0].lstrip("-").split("__"):
            if model is None:
                return None
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                return None
            model = field.related_model
        return field

    def _invalid(self) -> ValidationFailed:
        message = _("This page link is not valid; start again from the first page.")
        return ValidationFailed(message, code="invalid_cursor", fields={"cursor": [message]})
