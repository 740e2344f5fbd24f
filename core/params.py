"""One parser for the query parameters a view reads by hand (`?unit=`, `?as_of=`, `?short=`).

Each read names the parameter and its type; a value that does not parse (or is out of range)
is a 400 whose `fields` names the parameter, on the API and on pages alike, never a ValueError
deep in a view or a database error. Text is checked by core.inputs' rules too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import ValidationFailed
from .forms import DateField
from .inputs import check_value

TRUE = {"1", "true", "True", "yes", "on"}
FALSE = {"0", "false", "False", "no", "off"}
NOT_A_BOOLEAN = gettext_lazy("Give true or false.")
#: Ids are bigint in the database; a longer number can name no record.
MAX_ID = 2**63 - 1


def invalid(name: str, messages: list[str]) -> ValidationFailed:
    return ValidationFailed(
        _("Invalid query parameter: %(name)s.") % {"name": name}, fields={name: messages}
    )


class QueryParams:
    """Typed reads of `request.GET` (or DRF's `request.query_params`); None (or the default)
    when a parameter is absent or empty."""

    def __init__(self, params):
        self.params = params

    def _raw(self, name: str) -> str | None:
        raw = self.params.get(name)
        if raw is None or raw == "":
            return None
        self._parse(name, check_value, raw)
        return raw

    def _parse(self, name: str, parse, raw: str):
        try:
            return parse(raw)
        except ValidationError as error:
            raise invalid(name, error.messages) from None

    def text(self, name: str, default: str = "", *, max_length: int = 200) -> str:
        raw = self._raw(name)
        return default if raw is None else raw.strip()[:max_length]

    def int(
        self, name: str, default: int | None = None, *, min_value: int = 0, max_value: int = MAX_ID
    ) -> int | None:
        raw = self._raw(name)
        if raw is None:
            return default
        return self._parse(
            name, forms.IntegerField(min_value=min_value, max_value=max_value).clean, raw
        )

    def id(self, name: str) -> int | None:
        """A record id (a positive whole number)."""
        return self.int(name, min_value=1)

    def date(self, name: str, default: dt.date | None = None) -> dt.date | None:
        """A business date (core.inputs), as YYYY-MM-DD."""
        raw = self._raw(name)
        return default if raw is None else self._parse(name, DateField().clean, raw)

    def bool(self, name: str, default: bool = False) -> bool:
        raw = self._raw(name)
        if raw is None:
            return default
        if raw not in TRUE | FALSE:
            raise invalid(name, [str(NOT_A_BOOLEAN)])
        return raw in TRUE

    def choice(self, name: str, choices: Iterable, default: str | None = None) -> str | None:
        raw = self._raw(name)
        if raw is None:
            return default
        allowed = [str(value) for value in choices]
        if raw not in allowed:
            raise invalid(name, [_("Choose one of: %(values)s.") % {"values": ", ".join(allowed)}])
        return raw


def query_params(request) -> QueryParams:
    """The request's query parameters, typed: `query_params(request).int("unit")`."""
    return QueryParams(request.GET)
