"""Writes of custom-field definitions: administrators only, each audited before/after."""

from __future__ import annotations

from typing import Any

from django.db.models import Max
from django.utils.translation import gettext as _

from .. import policy
from ..errors import Forbidden, ValidationFailed
from ..jobs import enqueue
from ..records import insert_once, record_create, record_update
from .filtering import RANGED
from .models import CustomField

#: Fixed once the field is made: values are stored under the key and cleaned by the type.
FIXED = ("target", "key", "type")


def _check_may(by) -> None:
    if not policy.may(by, "settings.change"):
        raise Forbidden(_("Only administrators change custom fields."))


def _refuse_taken(target: str, key: str) -> None:
    if CustomField.objects.filter(target=target, key=key).exists():
        raise ValidationFailed(
            _("Invalid input."),
            fields={"key": [_("This record type has a field with this key already.")]},
        )


def custom_field_create(*, by, data: dict[str, Any]) -> CustomField:
    """Add a custom field to a record type (audited as created, with its definition)."""
    _check_may(by)
    data = dict(data)
    target, key = data.get("target"), data.get("key")
    if target and key:
        _refuse_taken(target, key)
    if data.get("position") is None and target:
        last = CustomField.objects.filter(target=target).aggregate(m=Max("position"))["m"]
        data["position"] = (last or 0) + 10
    field = insert_once(
        lambda: record_create(CustomField, by=by, data=data, check_scope=False),
        refuse=lambda: _refuse_taken(target, key),
    )
    if field.type in RANGED:  # its range index, after the commit (core.custom_fields.indexes)
        enqueue("ltc.tasks.ensure_custom_field_indexes", [field.pk])
    return field


def custom_field_update(
    *, field: CustomField, by, data: dict[str, Any], expected_version: int | None = None
) -> CustomField:
    """Change a field's labels, choices, requirement, order, list column or retirement (a
    rename is a new label: the key, and so every stored value, stays). Audited before/after."""
    _check_may(by)
    fixed = {
        name: [_("Fixed once the field is made.")]
        for name in FIXED
        if name in data and data[name] != getattr(field, name)
    }
    if fixed:
        raise ValidationFailed(_("Invalid input."), fields=fixed)
    data = {k: v for k, v in data.items() if k not in FIXED}
    return record_update(
        field, by=by, data=data, expected_version=expected_version, check_scope=False
    )


def custom_field_retire(*, field: CustomField, by, retired: bool = True) -> CustomField:
    """Retire a field (it stops showing and validating; values stay) or bring it back."""
    return custom_field_update(field=field, by=by, data={"retired": retired})
