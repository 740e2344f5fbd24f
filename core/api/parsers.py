"""The API's JSON parser: DRF's, with the input rules of core.inputs applied to the whole body.

Python's JSON decoder recurses once per bracket, so 50,000 nested brackets end in a
RecursionError; NUL characters reach PostgreSQL, which refuses them, from any string in the
body (bulk items, JSON fields). Both are a 400 here, before any view or serializer runs.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from core.errors import ValidationFailed
from core.inputs import InputRejected, check_value


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON body nests too deeply.")) from None
        try:
            check_value(data)
        except InputRejected as error:
            raise ValidationFailed(
                _("Invalid input."), fields={error.path or "non_field_errors": error.messages}
            ) from None
        return data
