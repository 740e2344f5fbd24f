"""Which records activities may be recorded on, and finding one by its type and id.

The parties app knows only customers; each later stage registers its own records (leads
register `leads.Lead`, opportunities `Opportunity`, contracts `Contract`, collections
`PaymentMilestone`, each in its AppConfig.ready), so the activities API can accept them without
this app importing them (ADR 1). A record without its own customer, org unit and owner (a payment
milestone) names the `parent` record that has them (its contract): the activity is filed there.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext as _

from core import policy
from core.errors import NotFound, ValidationFailed

_subjects: dict[str, type[models.Model]] = {}
_parents: dict[str, str] = {}
_promises: dict[str, Callable[[models.Model], Decimal]] = {}


def register_subject(
    model: type[models.Model],
    *,
    parent: str | None = None,
    promises: Callable[[models.Model], Decimal] | None = None,
) -> None:
    """Let activities be recorded on `model` (which must declare an access spec). `parent`: the
    attribute of the record that carries its customer, org unit and owner, if not itself.
    `promises`: collection calls may be recorded on it, with a promise of payment of at most
    `promises(record)` (what is still owed) in the record's `currency`."""
    if getattr(model, "access", None) is None:
        raise TypeError(f"{model.__name__} declares no access spec")
    _subjects[model._meta.label_lower] = model
    from .models import Activity

    policy.follow_subject(Activity, model)  # configured roles see what is recorded on it
    if parent:
        _parents[model._meta.label_lower] = parent
    if promises:
        _promises[model._meta.label_lower] = promises


def takes_promises(subject: models.Model) -> bool:
    """Whether collection calls (with a promise of payment) may be recorded on `subject`."""
    return subject._meta.label_lower in _promises


def promise_cap(subject: models.Model) -> Decimal:
    """The most a customer may promise to pay on `subject` (what is still owed)."""
    return _promises[subject._meta.label_lower](subject)


def filed_with(subject: models.Model) -> models.Model:
    """The record whose customer, org unit and owner an activity on `subject` takes."""
    parent = _parents.get(subject._meta.label_lower)
    return getattr(subject, parent) if parent else subject


def subject_customer(subject: models.Model):
    """The customer an activity on `subject` is about (the subject itself, for a customer)."""
    if subject._meta.label_lower == "accounts.customer":
        return subject
    return getattr(filed_with(subject), "customer", None)


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
    return subject is not None and owner.pk == getattr(filed_with(subject), "owner_id", None)
