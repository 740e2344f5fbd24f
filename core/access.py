"""How a model's rows belong to people (`AccessSpec`), and the lookups that reach them: the
vocabulary `core.policy` and `core.grants` share (see docs/adr/0004-access-policy.md)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from django.apps import apps
from django.db import models
from django.db.models import Exists, OuterRef

#: "export": taking the rows out of the system (CSV/XLSX); the built-in roles export what they
#: view, a configured role only where it grants `<area>.export`. "see_amounts": reading the
#: money of a row one may view; the built-in roles see the amounts of what they view, a
#: configured role only where it grants `<area>.see_amounts`.
Action = Literal["view", "change", "export", "see_amounts"]


@dataclass(frozen=True)
class AccessSpec:
    """How a model's rows belong to people.

    owner: path to the owning user; unit: path to the org unit; team: path to the iron
    triangle; finance: "" (no access), "view" or "change"; via: path to a parent record whose
    own spec applies (contacts follow their customer, milestones their contract), though a
    child's own `finance` level wins over its parent's; pool: rows
    with no owner yet are the team's pool, which every member of the unit may work on; area:
    the permission area configured roles name it by (`core.permissions.AREAS`; a part of a
    record without one is in its parent's area). partner: path to the channel partner (its id)
    through which a partner user reads the row (the "own partner" scope, ADR 21); declared on
    each model of the portal and never inherited through `via`, so a part of a record is not
    shown to partners unless it says so. Partner users change nothing through the policy: their
    few writes (register, withdraw, upload) are their services' own.
    private: rows about one person (their credit, the basis of their commission) that
    colleagues of their unit do not view, though managers and finance over the unit do.
    """

    owner: str | None = None
    unit: str | None = None
    team: str | None = None
    finance: Literal["", "view", "change"] = ""
    via: str | None = None
    pool: bool = False
    area: str | None = None
    partner: str | None = None
    private: bool = False


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


def team_member(prefix: str, team: str, user) -> Exists:
    member_model = apps.get_model("accounts", "IronTriangleMember")
    return Exists(member_model.objects.filter(team=OuterRef(f"{prefix}{team}"), user=user))


def area_of(model: type[models.Model]) -> str | None:
    """The permission area of `model`: its spec's, else that of the record it is part of."""
    spec: AccessSpec | None = getattr(model, "access", None)
    while spec is not None:
        if spec.area:
            return spec.area
        if not spec.via:
            return None
        model = model._meta.get_field(spec.via).related_model
        spec = getattr(model, "access", None)
    return None
