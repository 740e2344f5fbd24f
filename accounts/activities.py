"""Which records activities may be recorded on, and finding one by its type and id.

The parties app knows only customers; each later stage registers its own records (leads
register `leads.Lead` in their AppConfig.ready, opportunities and contracts may do the same),
so the activities API can accept them without this app importing them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _

from core import policy
from core.errors import NotFound, ValidationFailed

_subjects: dict[str, type[models.Model]] = {}


def register_subject(model: type[models.Model]) -> None:
    """Let activities be recorded on `model` (which must declare an access spec)."""
    if getattr(model, "access", None) is None:
        raise TypeError(f"{model.__name__} declares no access spec")
    _subjects[model._meta.label_lower] = model


def subject_labels() -> list[str]:
    return sorted(_subjects)


def subject_model(label: str) -> type[models.Model]:
    """The model for "leads.lead" (or just "lead" when that is unambiguous)."""
    label = (label or "").strip().lower()
    model = _subjects.get(label)
    if model is None and "." not in label:
        found = [m for key, m in _subjects.items() if key.split(".")[1] == label]
        model = found[0] if len(found) == 1 else None
    if model is None:
        raise ValidationFailed(
            _("Activities cannot be recorded on this kind of record."),
            fields={"subject_type": [_("Choose one of: %(kinds)s.") % {"kinds": subject_labels()}]},
        )
    return model


def resolve_subject(*, user, label: str, pk) -> models.Model:
    """The record `label`/`pk` as the user may see it; NotFound otherwise."""
    model = subject_model(label)
    try:
        subject = policy.restrict(model._default_manager.all(), user).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        subject = None
    if subject is None:
        raise NotFound(_("No such record."), fields={"subject_id": [_("No such record.")]})
    return subject


def may_take_next_step(by, owner, subject: models.Model | None) -> bool:
    """Whether `by` may give an activity's next step to `owner`: someone they may assign (the
    access policy), or the owner of the record the activity is about (an SR may hand the
    follow-up to the deal's AR)."""
    if owner is None or policy.may_assign_to(by, owner):
        return True
    return subject is not None and owner.pk == getattr(subject, "owner_id", None)
