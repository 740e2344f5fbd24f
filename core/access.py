"""How a model's rows belong to people (`AccessSpec`), and the lookups that reach them: the
vocabulary `core.policy` and `core.grants` share (see docs/adr/0004-access-policy.md)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from django.apps import apps
from django.db import models
from django.db.models import BooleanField, Expression, F, Q, Subquery

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


def team_member(prefix: str, team: str, user) -> Q:
    """The rows whose iron triangle `user` sits on: `team IN (the user's seats)`, answered from
    the member table's user index and the row's team index (`InIds`)."""
    member_model = apps.get_model("accounts", "IronTriangleMember")
    seats = member_model.objects.filter(user=user).values("team")
    return Q(InIds(F(f"{prefix}{team}"), Subquery(seats)))


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


def _arms(q) -> list[Q]:
    """The alternatives of an OR filter, flattened (a child that is a lookup or an expression
    becomes a filter of its own)."""
    if not isinstance(q, Q):
        return [Q(q)]
    if q.connector != Q.OR or q.negated:
        return [q]
    arms: list[Q] = []
    for child in q.children:
        arms.extend(_arms(child if isinstance(child, Q) else Q(child)))
    return arms


def _nothing(q: Q) -> bool:
    return q.connector == Q.AND and not q.negated and q.children == [("pk__in", [])]


def indexed_union(model: type[models.Model], q: Q | None) -> Q | None:
    """`q` as the planner can answer it from indexes (issue 24.1): an OR of look-ups (owner,
    iron-triangle seat, org unit, a configured role's reach) becomes
    `pk IN (SELECT pk WHERE a UNION SELECT pk WHERE b ...)`, each branch one index's look-up,
    where the OR itself would scan the whole table (PostgreSQL cannot combine an EXISTS or a
    join in an OR through indexes). The same rows, exactly: a row is in the union when one of
    the alternatives holds. A filter with one alternative is left as it is."""
    if q is None:
        return None
    arms = [arm for arm in _arms(q) if not _nothing(arm)]
    if len(arms) <= 1:
        return arms[0] if arms else Q(pk__in=[])
    manager = model._base_manager
    first, *rest = [manager.filter(arm).order_by().values("pk") for arm in arms]
    return Q(InIds(F("pk"), Subquery(first.union(*rest))))


class InIds(Expression):
    """`column IN (ids)`, spelled for the planner: on PostgreSQL `column = ANY(ARRAY(ids))`,
    so the ids are read once (an init plan) and the table is reached by its primary key's
    index, whatever the planner guesses of how many there are; elsewhere a plain IN."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column, ids):
        super().__init__()
        self.column, self.ids = column, ids

    def get_source_expressions(self):
        return [self.column, self.ids]

    def set_source_expressions(self, exprs):
        self.column, self.ids = exprs

    def as_sql(self, compiler, connection):
        column, column_params = compiler.compile(self.column)
        ids, ids_params = compiler.compile(self.ids)
        if connection.vendor == "postgresql":
            return f"{column} = ANY(ARRAY{ids})", (*column_params, *ids_params)
        return f"{column} IN {ids}", (*column_params, *ids_params)
