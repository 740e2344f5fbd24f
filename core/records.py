"""Create and update a record with its audit entry and version check, in one transaction.

Apps' services call these for the plain part of their writes and add their own rules around
them; views and serializers never save models themselves. Both hold the write to the writer's
scope (`core.policy.check_write_scope`): a service that fills a record's org unit, owner or
references from another record rather than from the user's choice says so with
`check_scope=False`, after checking what the user did choose.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from . import policy
from .audit import audit_record, diff, snapshot
from .constraints import check_constraints
from .errors import Conflict, ValidationFailed

M = TypeVar("M", bound=models.Model)


def _clean(instance: models.Model, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except DjangoValidationError as exc:
        fields = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        raise ValidationFailed(_("Invalid input."), fields=fields) from exc
    check_constraints(instance, exclude=set(exclude or ()))


def record_create(
    model: type[M], *, by, data: dict[str, Any], audit: bool = True, check_scope: bool = True
) -> M:
    """Create a `model` row from validated `data` and audit it as created by `by`."""
    if check_scope:
        policy.check_write_scope(model, by, data)
    instance = model(**data)
    _clean(instance, exclude=[f.name for f in model._meta.fields if f.name not in data])
    with transaction.atomic():
        instance.save()
        if audit:
            audit_record(
                target=instance, action="created", actor=by, changes=snapshot(instance, list(data))
            )
    return instance


def record_update(
    instance: M,
    *,
    by,
    data: dict[str, Any],
    expected_version: int | None = None,
    check_scope: bool = True,
) -> M:
    """Apply `data` to `instance`, bump its version and audit what changed.

    The row is locked first; an `expected_version` other than the stored one means someone
    else saved meanwhile, and the update is refused with a 409 instead of being lost.
    """
    model = type(instance)
    with transaction.atomic():
        current = model._default_manager.select_for_update().only("version").get(pk=instance.pk)
        if expected_version is not None and int(expected_version) != current.version:
            raise Conflict(
                _(
                    "This record was changed by someone else (version %(v)s); reload it and "
                    "apply your change again."
                )
                % {"v": current.version},
                code="stale_version",
            )
        if check_scope:
            policy.check_write_scope(model, by, data, instance=instance)
        if isinstance(data.get("custom"), dict) and hasattr(instance, "custom"):
            # Custom values change by key (None clears one): what a write does not name, a
            # retired field's value among them, is kept (issue 20.2).
            data = {**data, "custom": {**(instance.custom or {}), **data["custom"]}}
        before = snapshot(instance, list(data))
        for name, value in data.items():
            setattr(instance, name, value)
        _clean(instance, exclude=[f.name for f in model._meta.fields if f.name not in data])
        changes = diff(before, snapshot(instance, list(data)))
        if not changes:
            return instance
        instance.version = current.version + 1
        instance.save(update_fields=[*data, "version", "updated_at"])
        audit_record(target=instance, action="updated", actor=by, changes=changes)
    return instance


def insert_once(create: Callable[[], M], *, refuse: Callable[[], None]) -> M:
    """`create()` a row that a unique constraint allows once, in a savepoint. `refuse()` is
    the check the caller ran before (it raises the user's error when the twin exists): if a
    concurrent twin won the race, the constraint refuses the insert and `refuse()` runs again,
    so the loser gets the same answer as a later repeat, never an IntegrityError (ADR 12)."""
    try:
        with transaction.atomic():
            return create()
    except IntegrityError:
        refuse()
        raise
