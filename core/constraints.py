"""The database CHECK constraints a client's input can break, checked before the write.

Invariants live in the database (ADR 2), so a bug cannot corrupt a balance; but a client
that sends a value a constraint refuses should hear which field is wrong (a 400), not "this
clashes with existing data" (the 409 an IntegrityError becomes). `check_constraints` runs a
model's CHECK constraints against an instance before it is saved; `check_violation_fields`
names the fields of a constraint the database refused anyway (the exception handler's net).
"""

from __future__ import annotations

import re

from django.apps import apps
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models
from django.db.models.constants import LOOKUP_SEP
from django.utils.translation import gettext as _

from .errors import ValidationFailed

_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (\w+)")


def condition_fields(condition) -> set[str]:
    """The field names a CHECK constraint's condition (a Q of lookups and F()s) reads."""
    names: set[str] = set()
    for child in getattr(condition, "children", [condition]):
        if isinstance(child, models.Q):
            names |= condition_fields(child)
        elif isinstance(child, tuple):
            lookup, value = child
            names.add(lookup.split(LOOKUP_SEP)[0])
            if isinstance(value, models.F):
                names.add(value.name.split(LOOKUP_SEP)[0])
    return names


def _message(constraint) -> str:
    return _("This value is not allowed here (rule %(rule)s).") % {"rule": constraint.name}


def check_constraints(instance: models.Model, exclude: set[str]) -> None:
    """Raise ValidationFailed naming the fields if `instance` breaks a CHECK constraint of its
    model; constraints reading a field in `exclude` (not being written) are left out."""
    errors: dict[str, list[str]] = {}
    model = type(instance)
    for constraint in model._meta.constraints:
        if not isinstance(constraint, models.CheckConstraint):
            continue
        try:
            constraint.validate(model, instance, exclude=exclude)
        except DjangoValidationError:
            names = sorted(condition_fields(constraint.condition) - exclude) or ["non_field_errors"]
            for name in names:
                errors.setdefault(name, []).append(_message(constraint))
    if errors:
        raise ValidationFailed(_("Invalid input."), fields=errors)


def check_violation_fields(exc: IntegrityError) -> dict[str, list[str]] | None:
    """For an IntegrityError that is a CHECK constraint refusing a row: {field: [message]};
    None for any other integrity error (a duplicate, a missing row: a real clash)."""
    cause = exc.__cause__
    name = None
    if getattr(cause, "pgcode", None) == "23514":
        name = getattr(getattr(cause, "diag", None), "constraint_name", None)
    else:
        match = _SQLITE_CHECK.search(str(exc))
        name = match.group(1) if match else None
    if not name:
        return None
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.CheckConstraint) and constraint.name == name:
                names = sorted(condition_fields(constraint.condition)) or ["non_field_errors"]
                return {field: [_message(constraint)] for field in names}
    return {
        "non_field_errors": [_("This value is not allowed here (rule %(rule)s).") % {"rule": name}]
    }
