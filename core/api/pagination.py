"""Cursor pages, and what a cursor a client made up gets: a 400 naming `cursor`, never a 500."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination

from core.custom_fields import ordering as custom_ordering
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
        self._model, self._custom = queryset.model, None
        ordering = self.get_ordering(request, queryset, view)
        if custom_ordering.is_custom(ordering[0]):
            return self._paginate_custom(queryset, request, ordering)
        return super().paginate_queryset(queryset, request, view)

    def _paginate_custom(self, queryset, request, ordering):
        """A keyset page of a list sorted by a custom field (core.custom_fields.ordering)."""
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = ordering
        self._custom = custom_ordering.parse(queryset.model, [ordering[0]])
        self.cursor = self.decode_cursor(request)
        backwards = bool(self.cursor and self.cursor.reverse)
        position = None
        if self.cursor is not None and self.cursor.position is not None:
            position = custom_ordering.decode_position(self._custom[0], self.cursor.position)
        pages = custom_ordering.CustomSortPages(queryset, *self._custom)
        rows = pages.read(position, self.page_size + 1, backwards=backwards)
        more, rows = len(rows) > self.page_size, rows[: self.page_size]
        if backwards:
            rows.reverse()
        self.page = rows
        self.has_next = more if not backwards else position is not None
        self.has_previous = more if backwards else position is not None
        return rows

    def _custom_link(self, row, *, reverse: bool):
        position = custom_ordering.encode_position(self._custom[0], row)
        return self.encode_cursor(pagination.Cursor(offset=0, reverse=reverse, position=position))

    def get_next_link(self):
        if getattr(self, "_custom", None) is None:
            return super().get_next_link()
        if not self.has_next or not self.page:
            return None
        return self._custom_link(self.page[-1], reverse=False)

    def get_previous_link(self):
        if getattr(self, "_custom", None) is None:
            return super().get_previous_link()
        if not self.has_previous or not self.page:
            return None
        return self._custom_link(self.page[0], reverse=True)

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

        if getattr(self, "_custom", None) is not None:
            try:
                check_value(position)
                custom_ordering.decode_position(self._custom[0], position)
            except (InputRejected, ValueError):
                raise self._invalid() from None
            return
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
