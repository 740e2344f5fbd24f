"""The access policy: who may see and change which records. One place, every read goes through it.

Each scoped model declares an `access = AccessSpec(...)` naming the fields that tie a row to
people: its owner, its org unit, its iron triangle, or a parent record whose spec applies.
`restrict(queryset, user, action)` narrows any queryset (list, detail, search, export, report)
to what the user may see ("view") or change ("change"):

- administrators: everything;
- sales managers: records whose org unit is in their unit's subtree;
- finance: models that declare finance access, in their unit's subtree;
- reps, solution and fulfillment managers: records they own or sit on the iron triangle of,
  the unowned records of their team's pool, and (to view only) all their team's records.

See docs/adr/0004-access-policy.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from django.apps import apps
from django.db import models
from django.db.models import Exists, OuterRef, Q

from .choices import Role

Action = Literal["view", "change"]


@dataclass(frozen=True)
class AccessSpec:
    """How a model's rows belong to people.

    owner: path to the owning user; unit: path to the org unit; team: path to the iron
    triangle; finance: "" (no access), "view" or "change"; via: path to a parent record whose
    own spec applies (contacts follow their customer, milestones their contract), though a
    child's own `finance` level wins over its parent's; pool: rows
    with no owner yet are the team's pool, which every member of the unit may work on.
    """

    owner: str | None = None
    unit: str | None = None
    team: str | None = None
    finance: Literal["", "view", "change"] = ""
    via: str | None = None
    pool: bool = False


def spec_for(model: type[models.Model]) -> tuple[AccessSpec, str]:
    """The effective spec for `model` and the lookup prefix that reaches it."""
    spec: AccessSpec | None = getattr(model, "access", None)
    if spec is None:
        raise TypeError(f"{model.__name__} declares no access spec")
    prefix, finance = "", spec.finance
    while spec.via:
        field = model._meta.get_field(spec.via)
        prefix = f"{prefix}{spec.via}__"
        model = field.related_model
        spec = model.access
        finance = finance or spec.finance
    return replace(spec, finance=finance), prefix


def subtree_unit_ids(user) -> models.QuerySet:
    """A subquery of the ids of the user's org unit and every unit below it."""
    org_unit_model = apps.get_model("accounts", "OrgUnit")
    unit = user.org_unit
    return org_unit_model.objects.filter(path__startswith=unit.path).values("pk")


def _team_member(prefix: str, team: str, user) -> Exists:
    member_model = apps.get_model("accounts", "IronTriangleMember")
    return Exists(member_model.objects.filter(team=OuterRef(f"{prefix}{team}"), user=user))


def subtree_scope(model: type[models.Model], user, action: Action = "view") -> tuple[bool, object]:
    """Whether what `user` may do to `model` is exactly the records of one whole org subtree,
    and its root: (True, None) for everything (administrators), (True, unit) for their unit's
    subtree (sales managers; finance where the model grants it), (False, None) for anything
    narrower (owned, team or pool records). Rollups kept per org unit can answer the first two."""
    if not (user and user.is_authenticated and user.is_active):
        return False, None
    if user.is_superuser or user.role == Role.ADMIN:
        return True, None
    spec, _prefix = spec_for(model)
    if not (spec.unit and user.org_unit_id):
        return False, None
    if user.role == Role.FINANCE:
        allowed = spec.finance == "change" or (spec.finance == "view" and action == "view")
        return (True, user.org_unit) if allowed else (False, None)
    if user.role == Role.SALES_MANAGER:
        return True, user.org_unit
    return False, None


def scope_q(model: type[models.Model], user, action: Action = "view") -> Q | None:
    """The filter that limits `model` to what `user` may do; None means no limit at all."""
    if not (user and user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    whole, root = subtree_scope(model, user, action)
    if whole and root is None:
        return None
    spec, prefix = spec_for(model)
    if whole:
        return Q(**{f"{prefix}{spec.unit}__in": subtree_unit_ids(user)})
    nothing = Q(pk__in=[])
    if user.role == Role.FINANCE:
        return nothing

    q = nothing
    if spec.owner:
        q |= Q(**{f"{prefix}{spec.owner}": user})
    if spec.team:
        q |= _team_member(prefix, spec.team, user)
    if spec.unit and user.org_unit_id:
        if action == "view":
            q |= Q(**{f"{prefix}{spec.unit}": user.org_unit_id})
        elif spec.pool and spec.owner:
            q |= Q(
                **{f"{prefix}{spec.unit}": user.org_unit_id, f"{prefix}{spec.owner}__isnull": True}
            )
    return q


def restrict(queryset: models.QuerySet, user, action: Action = "view") -> models.QuerySet:
    """Narrow `queryset` to the rows `user` may view or change. Every read goes through here."""
    q = scope_q(queryset.model, user, action)
    return queryset if q is None else queryset.filter(q)


def can(user, obj: models.Model, action: Action = "view") -> bool:
    """Whether `user` may view or change this one record (one query, same rule as restrict)."""
    if obj.pk is None:
        return False
    q = scope_q(type(obj), user, action)
    if q is None:
        return True
    return type(obj)._default_manager.filter(q, pk=obj.pk).exists()


def changeable_ids(queryset: models.QuerySet, user, ids) -> set:
    """Of the given ids, those the user may change: one query for a whole page of a list."""
    return set(
        restrict(
            queryset.model._default_manager.filter(pk__in=list(ids)), user, "change"
        ).values_list("pk", flat=True)
    )
