"""The access policy: who may see and change which records. One place, every read goes through it.

Each scoped model declares an `access = AccessSpec(...)` naming the fields that tie a row to
people: its owner, its org unit, its iron triangle, or a parent record whose spec applies.
`restrict(queryset, user, action)` narrows any queryset (list, detail, search, export, report)
to what the user may see ("view"), change ("change") or take out in a file ("export"):

- administrators: everything;
- sales managers: records whose org unit is in their unit's subtree;
- finance: models that declare finance access, in their unit's subtree, and the rows it owns;
- reps, solution and fulfillment managers: records they own or sit on the iron triangle of,
  the unowned records of their team's pool, and (to view only) all their team's records;
- partner users (role "partner", ADR 21): the rows of the models that declare a `partner`
  path, of their own partner only (`partner_scope_q`), and nothing else anywhere; no
  configured role applies to them;
- and, on top of the built-in role, what the roles an administrator configured grant the user
  (issue 20.1, `core.permissions`): each assignment adds its scope (own, team, subtree,
  company) for the areas whose view or change it grants, and for exports the areas whose
  export it grants (built-in roles export what they view), and for amounts the areas whose
  see_amounts it grants (built-in roles see the amounts of what they view). A user's
  assignments are compiled onto the user row (`User.role_grants`), so asking costs no query of
  its own.

Writes into a scope are held to the same module (`check_write_scope`, `check_seats`): where a
record may be filed, who may own it or sit on its team, and which records it may point at.

See docs/adr/0004-access-policy.md.
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

# AccessSpec, spec_for and the configured roles' answers are the policy's too (re-exported).
from .access import AccessSpec, Action, indexed_union, spec_for, subtree_unit_ids, team_member  # noqa: F401
from .choices import Role, TriangleRole
from .errors import ApplicationError, Forbidden, ValidationFailed
from .grants import (  # noqa: F401
    area_of,
    configured_scope,
    follow_subject,
    granted,
    may_create_in,
    role_grants,
    veto,
)


def may_do(user, area: str, action: str, obj: models.Model | None = None) -> bool:
    """The generic area permissions (create, export, see amounts) for people whose built-in
    role does not already answer: whether a configured role grants `<area>.<action>`.

    Where they are decided: filing a new record under a unit (`write_scope_errors` also
    accepts a unit a configured `<area>.create` reaches, `may_create_in`); exports narrow to
    `restrict(queryset, user, "export")` (core.exports); amounts are shown only on the rows of
    `restrict(queryset, user, "see_amounts")` (`with_amounts_shown`: the API's serializers,
    the pages' `money_of`, the exports)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return granted(user, f"{area}.{action}", obj)


def subtree_scope(model: type[models.Model], user, action: Action = "view") -> tuple[bool, object]:
    """Whether what `user` may do to `model` is exactly the records of one whole org subtree,
    and its root: (True, None) for everything (administrators, a company-wide configured
    role), (True, unit) for their unit's subtree (sales managers; finance where the model
    grants it), (False, None) for anything narrower or less regular (owned, team or pool
    records; configured roles in other units). Rollups kept per org unit can answer the first
    two."""
    whole, root = _builtin_subtree_scope(model, user, action)
    if whole and root is None:
        return whole, root
    configured, reach = configured_scope(model, user, action)
    if not configured:
        return whole, root
    return (True, None) if reach is None else (False, None)


def _builtin_subtree_scope(model: type[models.Model], user, action: Action) -> tuple[bool, object]:
    if not (user and user.is_authenticated and user.is_active):
        return False, None
    if user.is_superuser or user.role == Role.ADMIN:
        return True, None
    spec, _prefix = spec_for(model)
    if not (spec.unit and user.org_unit_id):
        return False, None
    if user.role == Role.FINANCE:
        allowed = spec.finance == "change" or (spec.finance == "view" and action != "change")
        return (True, user.org_unit) if allowed else (False, None)
    if user.role == Role.SALES_MANAGER:
        return True, user.org_unit
    return False, None


def scope_q(model: type[models.Model], user, action: Action = "view") -> Q | None:
    """The filter that limits `model` to what `user` may do; None means no limit at all: the
    built-in role's scope, or'ed with what the user's configured roles reach; asked as a
    union of indexed look-ups (`indexed_union`) so a rep's report does not scan the table."""
    return indexed_union(model, _scope_q(model, user, action))


def _scope_q(model: type[models.Model], user, action: Action) -> Q | None:
    if not (user and user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    if is_partner_user(user):
        return partner_scope_q(model, user, action)
    builtin = _builtin_scope_q(model, user, action)
    if builtin is None:
        return None
    configured, reach = configured_scope(model, user, action)
    if not configured:
        return builtin
    return None if reach is None else builtin | reach


def is_partner_user(user) -> bool:
    """Whether `user` is a channel partner's person (the portal's user, ADR 21)."""
    return bool(user and user.is_authenticated and user.role == Role.PARTNER)


def partner_of(user) -> int | None:
    """The id of a partner user's partner (compiled onto the user: no query); None for anyone
    else, and for a partner user whose membership ended."""
    return getattr(user, "portal_partner", None) if is_partner_user(user) else None


def in_partner_scope(model: type[models.Model], action: Action = "view") -> bool:
    """Whether partner users may ever `action` rows of `model`: read (view, export, see
    amounts) where its spec names a partner path; change never (their few writes are their
    services' own, ADR 21)."""
    spec: AccessSpec | None = getattr(model, "access", None)
    return spec is not None and bool(spec.partner) and action != "change"


def partner_scope_q(model: type[models.Model], user, action: Action = "view") -> Q:
    """The "own partner" scope: the rows of `model` tied to the user's partner through the
    spec's `partner` path; nothing for models without one (every internal record)."""
    partner = partner_of(user)
    if partner is None or not in_partner_scope(model, action):
        return Q(pk__in=[])
    return Q(**{model.access.partner: partner})


def _builtin_scope_q(model: type[models.Model], user, action: Action) -> Q | None:
    if action in ("export", "see_amounts"):
        action = "view"  # the built-in roles export, and see the amounts of, what they view
    whole, root = _builtin_subtree_scope(model, user, action)
    if whole and root is None:
        return None
    spec, prefix = spec_for(model)
    if whole:
        return Q(**{f"{prefix}{spec.unit}__in": subtree_unit_ids(user)})
    nothing = Q(pk__in=[])
    if user.role == Role.FINANCE:
        # Finance reaches what its spec grants over the subtree (above) and, like everyone,
        # the rows it owns itself (an import it started), never its unit's other rows.
        return Q(**{f"{prefix}{spec.owner}": user}) if spec.owner else nothing

    q = nothing
    if spec.owner:
        q |= Q(**{f"{prefix}{spec.owner}": user})
    if spec.team:
        q |= team_member(prefix, spec.team, user)
    if spec.unit and user.org_unit_id:
        if action != "change" and not spec.private:
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


def restrict_figures(queryset: models.QuerySet, user) -> models.QuerySet:
    """The rows a figure of money (a report, a dashboard, a total) may sum for `user`: those
    whose amounts they see. The same rows as "view" for the built-in roles; a configured role
    that lets one view a record but not see its amounts keeps it out of every sum, so no total
    reveals what its rows hide (issue 20.1)."""
    return restrict(queryset, user, "see_amounts")


def can(user, obj: models.Model, action: Action = "view") -> bool:
    """Whether `user` may view or change this one record (one query, same rule as restrict)."""
    if obj.pk is None:
        return False
    q = _scope_q(type(obj), user, action)  # one row: the OR is cheaper than the union
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


def amount_visible_ids(queryset: models.QuerySet, user, ids) -> set | None:
    """Of the given ids (rows the user may view), those whose amounts the user sees: None
    for all of them. The built-in role sees the amounts of what it views; what a configured
    role lets one view shows its amounts only where a role grants `<area>.see_amounts`. No
    query for a user whose configured roles grant nothing on the model's area (the common
    case), else one for a whole page of a list."""
    model = queryset.model
    q = _amounts_q(model, user)
    if q is None:
        return None
    rows = model._default_manager.filter(q, pk__in=list(ids))
    return set(rows.values_list("pk", flat=True))


def with_amounts_shown(queryset: models.QuerySet, user) -> tuple[models.QuerySet, bool]:
    """`queryset` annotated `amounts_shown` (whether `user` sees the row's amounts), and True;
    or unchanged, and False, when they see all of them (no configured role shows them rows of
    the model's area). For files, which read every row in one pass."""
    q = _amounts_q(queryset.model, user)
    if q is None:
        return queryset, False
    shown = models.Case(
        models.When(q, then=models.Value(True)),
        default=models.Value(False),
        output_field=models.BooleanField(),
    )
    return queryset.annotate(amounts_shown=shown), True


def _amounts_q(model: type[models.Model], user) -> Q | None:
    """The rows of `model` whose amounts `user` sees; None for all of them (no configured role
    shows them rows of the model's area, or their scope reaches everything)."""
    if not _views_by_configured_role(model, user):
        return None
    return scope_q(model, user, "see_amounts")


def _views_by_configured_role(model: type[models.Model], user) -> bool:
    """Whether a configured role adds rows of `model` to what `user` views (so some rows they
    view might be seen without amounts): no query."""
    if not (user and user.is_authenticated and user.is_active) or not role_grants(user):
        return False
    if getattr(model, "access", None) is None:
        return False
    return configured_scope(model, user, "view")[0]


# --- Writes into a scope ----------------------------------------------------------------------
#
# Reading is narrowed by `restrict`; writing is held to the same scope here. A record is filed
# only under an org unit the user may file under, owned only by someone they may assign, run
# only by colleagues they may seat, made only part of a record they may change, and pointed
# only at records they may see. The API's serializers ask first (`WriteScopeMixin`, so the
# field is named whatever else the request holds); `core.records` checks every plain create and
# update again through `check_write_scope`. Services that fill a record's scope from another
# record (a lead routed by 客户报备, a contract drafted from its won opportunity) say so and
# check what the user chose.

#: The error code of a write outside the user's scope (HTTP 400, naming each field).
OUT_OF_SCOPE = "out_of_scope"


def is_admin(user) -> bool:
    return bool(user.is_superuser or user.role == Role.ADMIN)


def assignable_units(user) -> models.QuerySet:
    """The org units `user` may file records under: every unit (administrators), their unit's
    subtree (sales managers), or their own unit (everyone else)."""
    org_unit_model = apps.get_model("accounts", "OrgUnit")
    if is_admin(user):
        return org_unit_model.objects.all()
    if user.org_unit_id is None:
        return org_unit_model.objects.none()
    if user.role == Role.SALES_MANAGER:
        return org_unit_model.objects.filter(path__startswith=user.org_unit.path)
    return org_unit_model.objects.filter(pk=user.org_unit_id)


def may_file_under(user, unit) -> bool:
    """Whether `user` may file a record under `unit` or move one into it (`assignable_units`
    without a query)."""
    if is_admin(user):
        return True
    if unit is None or user.org_unit_id is None:
        return False
    if user.role == Role.SALES_MANAGER:
        return unit.path.startswith(user.org_unit.path)
    return unit.pk == user.org_unit_id


def assignable_people(user) -> models.QuerySet:
    """The people `user` may make the owner of a record (`may_assign_to` as a queryset)."""
    people = apps.get_model("accounts", "User").objects.filter(is_active=True)
    people = people.select_related("org_unit")
    if is_admin(user):
        return people
    if user.role == Role.SALES_MANAGER and user.org_unit_id:
        return people.filter(org_unit__path__startswith=user.org_unit.path)
    return people.filter(pk=user.pk)


def may_assign_to(by, user) -> bool:
    """Whether `by` may make `user` the owner of a record (or its AR): administrators anyone
    active, sales managers the active people of their unit's subtree, everyone else only
    themselves."""
    if not user.is_active:
        return False
    if is_admin(by):
        return True
    if by.role == Role.SALES_MANAGER and by.org_unit_id and user.org_unit_id:
        return user.org_unit.path.startswith(by.org_unit.path)
    return user.pk == by.pk


def may_give_work_to(by, user, team) -> bool:
    """Whether `by` may make `user` the owner of a piece of work on a record run by the iron
    triangle `team` (a plan's action, a contract's deliverable): someone `by` may assign, or an
    active member of that team."""
    if may_assign_to(by, user):
        return True
    return user.is_active and team is not None and team.members.filter(user=user).exists()


def may_seat(by, user, unit) -> bool:
    """Whether `by` may put `user` on the SR or FR seat, or among the further members, of the
    iron triangle of a record filed under `unit`: an active colleague of that record's
    representative office (代表处), or anyone `by` may assign; administrators seat anyone
    active. A seat gives its holder the record, so it is held to the record's office."""
    if not user.is_active:
        return False
    if may_assign_to(by, user):
        return True
    if unit is None or user.org_unit_id is None:
        return False
    return user.org_unit.path.startswith(unit.office().path)


def seatable_people(by, unit) -> models.QuerySet:
    """The people `by` may seat on the SR or FR seat, or among the members, of a record filed
    under `unit` (`may_seat` as a queryset; `unit` None: only the people `by` may assign)."""
    people = assignable_people(by)
    if is_admin(by) or unit is None:
        return people
    office = unit.office()
    colleagues = apps.get_model("accounts", "User").objects.filter(
        is_active=True, org_unit__path__startswith=office.path
    )
    return people | colleagues


def seat_errors(by, seats: dict[str, object], *, unit, members=()) -> dict[str, list[str]]:
    """The seats `by` may not give on a record filed under `unit`, by seat: the AR (the record's
    owner) to anyone `by` may not assign, the other seats and members to anyone but colleagues
    they may seat. Seats left empty are always fine."""
    errors: dict[str, list[str]] = {}
    for role, user in seats.items():
        if user is None:
            continue
        if role == TriangleRole.AR and not may_assign_to(by, user):
            errors[str(role)] = [_("Not someone you may make the AR.")]
        elif role != TriangleRole.AR and not may_seat(by, user, unit):
            errors[str(role)] = [_("Not a colleague you may put on this team.")]
    if any(not may_seat(by, user, unit) for user in members):
        errors["members"] = [_("Not colleagues you may put on this team.")]
    return errors


def check_seats(by, seats: dict[str, object], *, unit, members=()) -> None:
    """Refuse (400, `out_of_scope`) the seats `by` may not give (`seat_errors`); nobody's
    seating (`by` None: the system's own jobs) is not judged."""
    errors = seat_errors(by, seats, unit=unit, members=members) if by is not None else {}
    if errors:
        raise ValidationFailed(
            _("You may not put these people on the iron triangle."),
            code=OUT_OF_SCOPE,
            fields=errors,
        )


def parent_field(model: type[models.Model]) -> str | None:
    """The field naming the record a `model` record is part of: its spec's `via`, or the record
    its org unit comes from (a plan's action is filed where its plan is)."""
    spec: AccessSpec | None = getattr(model, "access", None)
    if spec is None:
        return None
    if spec.via:
        return spec.via
    head, _sep, rest = (spec.unit or "").partition("__")
    return head if rest else None


def _relation(model: type[models.Model], name: str):
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if field.concrete and (field.many_to_one or field.one_to_one) else None


def _value_at(obj, path: str):
    """Follow a `__` path (e.g. "plan__team") from a record, or None where it breaks off."""
    for part in path.split("__"):
        obj = getattr(obj, part, None) if obj is not None else None
    return obj


def _team_of(spec: AccessSpec, data: dict, instance) -> object | None:
    """The iron triangle that runs the record a write goes to, when it is another record's
    (a plan's action is run by the plan's team)."""
    head, _sep, rest = (spec.team or "").partition("__")
    if not rest:
        return None
    parent = data[head] if head in data else getattr(instance, head, None)
    return _value_at(parent, rest)


def may_write_into(model: type[models.Model], user, parent: models.Model) -> bool:
    """Whether `user` may add a `model` record to `parent` (or move one there): whether they
    may change `parent`, as `model`'s own spec sees it (its own finance level included). A
    partner user writes only into their own partner (what, their services decide: ADR 21)."""
    if is_partner_user(user):
        spec: AccessSpec | None = getattr(type(parent), "access", None)
        return bool(spec and spec.partner == "id" and parent.pk == partner_of(user))
    whole, root = subtree_scope(model, user, "change")
    if whole:
        if root is None:
            return True
        parent_spec, prefix = spec_for(type(parent))
        lookup = f"{prefix}{parent_spec.unit}__in"
        found = type(parent)._default_manager.filter(
            pk=parent.pk, **{lookup: subtree_unit_ids(user)}
        )
        return found.exists()
    if user.role == Role.FINANCE and not configured_scope(model, user, "change")[0]:
        return False
    return can(user, parent, "change")


def _record(field, value):
    """The record a value names (a record, or its id)."""
    if value is None or isinstance(value, models.Model):
        return value
    try:
        return field.related_model._default_manager.filter(pk=value).first()
    except (TypeError, ValueError):
        return None


def write_scope_errors(
    model: type[models.Model], user, data: dict, *, instance: models.Model | None = None
) -> dict[str, list[str]]:
    """What of `data` (values about to be written to a new `model` row, or to `instance`) would
    put the record outside `user`'s scope, by field. Only what changes is judged:

    - an org unit: one `user` may file under (`may_file_under`);
    - the owner (the spec's `owner`): someone `user` may assign (`may_assign_to`), or, for a
      part of a record run by a team (a plan's action), someone on that team;
    - the record it is part of (`parent_field`: a contact's customer): one `user` may change;
    - any other record with an access spec (the customer of a deal, the contact of a lead):
      one `user` may see, and one they may not is as unknown as one that does not exist.

    Nobody's write (`user` None: the system's own jobs) and models without a spec are free.
    """
    spec: AccessSpec | None = getattr(model, "access", None)
    if user is None or spec is None:
        return {}
    org_unit_model = apps.get_model("accounts", "OrgUnit")
    user_model = apps.get_model("accounts", "User")
    parent = parent_field(model)
    errors: dict[str, list[str]] = {}
    for name, raw in data.items():
        field = _relation(model, name)
        if field is None or raw is None:
            continue
        value = _record(field, raw)
        if instance is not None and getattr(instance, field.attname) == getattr(value, "pk", None):
            continue
        related = field.related_model
        if value is None:
            error = _("No such record.")
        elif related is org_unit_model:
            allowed = may_file_under(user, value) or (
                instance is None and may_create_in(model, user, value)
            )
            error = None if allowed else _("Not one of your org units.")
        elif name == spec.owner:
            allowed = may_give_work_to(user, value, _team_of(spec, data, instance))
            error = None if allowed else _("Not someone you may make the owner.")
        elif name == parent:
            allowed = may_write_into(model, user, value)
            error = None if allowed else _("Not a record you may change.")
        elif related is not user_model and getattr(related, "access", None) is not None:
            error = None if can(user, value, "view") else _("No such record.")
        else:
            error = None
        if error:
            errors[name] = [error]
    return errors


def check_write_scope(
    model: type[models.Model], user, data: dict, *, instance: models.Model | None = None
) -> None:
    """Refuse a write that would put the record outside `user`'s scope: a 400 with the code
    `out_of_scope` naming each field at fault (see `write_scope_errors`)."""
    errors = write_scope_errors(model, user, data, instance=instance)
    if errors:
        raise out_of_scope(model, errors)


def out_of_scope(model: type[models.Model], fields: dict[str, list[str]]) -> ApplicationError:
    """The error of a write outside the writer's scope, naming each field: a 403 when it goes
    into a record the writer may see but not change (`parent_field`: changing that record is a
    403 too), else a 400 `out_of_scope` (a unit, owner or seat the writer may not give)."""
    parent = parent_field(model)
    if parent and parent in fields:
        return Forbidden(_("You may not change the record this belongs to."), fields=fields)
    return ValidationFailed(
        _("You may not file or move the record there."), code=OUT_OF_SCOPE, fields=fields
    )


# --- Named permissions ------------------------------------------------------------------------
# "May this user do X (to this record)?" is answered once, here: each area registers its rules
# in its `rules.py` at start-up, and pages, API views, templates (`{% may %}`), panels and the
# services that act on someone's behalf all ask `may(user, name, obj)`. Role checks live only in
# this module and the rules modules (tests/ltc/test_role_checks.py lists any elsewhere).

_RULES: dict[str, Callable[..., bool]] = {}
#: The only rules a partner user is ever asked (ADR 21): every other answer is no for them.
_PARTNER_RULES: set[str] = set()


def rule(
    name: str, *, partners: bool = False
) -> Callable[[Callable[..., bool]], Callable[..., bool]]:
    """Register `predicate(user, obj=None) -> bool` as the answer to `may(user, name, obj)`;
    `partners=True`: partner users are asked it too (for them every other rule is no)."""

    def register(predicate: Callable[..., bool]) -> Callable[..., bool]:
        if _RULES.get(name, predicate) is not predicate:
            raise ImproperlyConfigured(f"Two rules are registered as {name!r}.")
        _RULES[name] = predicate
        if partners:
            _PARTNER_RULES.add(name)
        return predicate

    return register


def may(user, name: str, obj: models.Model | None = None) -> bool:
    """Whether `user` may do `name` (to `obj`): the registered rule, or a configured role that
    grants `name` in a scope holding `obj` (`granted`); false for anyone signed out or
    inactive."""
    try:
        predicate = _RULES[name]
    except KeyError:
        raise LookupError(f"No rule is registered as {name!r}.") from None
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if is_partner_user(user):
        return name in _PARTNER_RULES and bool(predicate(user, obj))
    return bool(predicate(user, obj)) or granted(user, name, obj)


def rule_names() -> list[str]:
    return sorted(_RULES)


def is_sales_manager(user) -> bool:
    return user.role == Role.SALES_MANAGER


def is_finance(user) -> bool:
    return user.role == Role.FINANCE


def manages(user) -> bool:
    """Sales managers and administrators: the people who run a unit's pipeline."""
    return is_admin(user) or is_sales_manager(user)


def handles_money(user) -> bool:
    """Finance and administrators: the people who record and move money."""
    return is_admin(user) or is_finance(user)
