"""Configured roles in the access policy (issue 20.1): what a user's role assignments add to
their built-in role. `core.policy` asks these; see `core.permissions` for the codes and
docs/adr/0004-access-policy.md ("Configured roles").

A user's assignments are compiled onto the user row (`User.role_grants`, kept by
`accounts.services.roles`), so no question asked here costs a query of its own: a list adds
one OR'ed filter per assignment, a record's check stays the one query `policy.can` makes.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import models
from django.db.models import Q

from .access import AccessSpec, Action, area_of, spec_for, team_member
from .choices import RoleScope

#: Conditions under which a configured role does not grant a thing (four eyes).
_VETOES: dict[str, Callable[..., bool]] = {}
#: Models whose rows belong to another record through a generic relation (an activity and
#: the lead, deal or contract it is about): configured roles reach such a row when they reach
#: its record. model -> (content type field, id field, [the record models]).
_SUBJECTS: dict[type[models.Model], tuple[str, str, list[type[models.Model]]]] = {}

__all__ = [
    "area_of",
    "configured_scope",
    "follow_subject",
    "granted",
    "may_create_in",
    "role_grants",
    "veto",
]


def role_grants(user) -> list[dict]:
    """The user's configured role assignments, compiled (`accounts.services.roles`): each
    {"role", "permissions", "scope", "unit", "path"}. Read from the user row: no query."""
    return list(getattr(user, "role_grants", None) or [])


def _granting(user, permission: str) -> list[dict]:
    return [g for g in role_grants(user) if permission in g.get("permissions", ())]


def _grant_q(grant: dict, spec: AccessSpec, prefix: str, user) -> Q | None:
    """The records one assignment reaches (None: all of them)."""
    scope = grant.get("scope")
    if scope == RoleScope.COMPANY:
        return None
    q = Q(pk__in=[])
    if scope == RoleScope.OWN:
        if spec.owner:
            q |= Q(**{f"{prefix}{spec.owner}": user})
        if spec.team:
            q |= team_member(prefix, spec.team, user)
    elif scope == RoleScope.TEAM and spec.unit:
        q |= Q(**{f"{prefix}{spec.unit}": grant["unit"]})
    elif scope == RoleScope.SUBTREE and spec.unit:
        q |= Q(**{f"{prefix}{spec.unit}__path__startswith": grant["path"]})
    return q


def configured_scope(
    model: type[models.Model], user, action: Action = "view"
) -> tuple[bool, Q | None]:
    """What the user's configured roles add for `model`: (False, None) when none grants the
    action on its area; else (True, filter), the filter None when one reaches everything.
    "change" implies "view"; "export" needs `<area>.export` itself (a role that lets an auditor
    read everything need not let them take it away), "see_amounts" `<area>.see_amounts`."""
    if model in _SUBJECTS:
        return _subject_scope(model, user, action)
    area = area_of(model)
    if area is None:
        return False, None
    wanted = {
        "change": {f"{area}.change"},
        "export": {f"{area}.export"},
        "see_amounts": {f"{area}.see_amounts"},
    }.get(action, {f"{area}.view", f"{area}.change"})
    grants = [g for g in role_grants(user) if wanted & set(g.get("permissions", ()))]
    if not grants:
        return False, None
    spec, prefix = spec_for(model)
    q = Q(pk__in=[])
    for grant in grants:
        reach = _grant_q(grant, spec, prefix, user)
        if reach is None:
            return True, None
        q |= reach
    return True, q


def granted(user, permission: str, obj: models.Model | None = None) -> bool:
    """Whether a configured role grants `permission` (a catalogue code) to `user`, for `obj`
    when given (one query: is it within the scope of an assignment that grants it?). A record
    without an access spec is reached only by a company-wide assignment."""
    grants = _granting(user, permission)
    if not grants:
        return False
    veto = _VETOES.get(permission)
    if veto is not None and veto(user, obj):
        return False
    if obj is None:
        return True
    model = type(obj)
    if getattr(model, "access", None) is None or obj.pk is None:
        return any(g.get("scope") == RoleScope.COMPANY for g in grants)
    spec, prefix = spec_for(model)
    q = Q(pk__in=[])
    for grant in grants:
        reach = _grant_q(grant, spec, prefix, user)
        if reach is None:
            return True
        q |= reach
    return model._default_manager.filter(q, pk=obj.pk).exists()


def veto(name: str) -> Callable[[Callable[..., bool]], Callable[..., bool]]:
    """Register `condition(user, obj) -> bool`: when true, a configured role does not grant
    `name` (the built-in rule says the same itself, e.g. never approve one's own request)."""

    def register(condition: Callable[..., bool]) -> Callable[..., bool]:
        _VETOES[name] = condition
        return condition

    return register


def follow_subject(
    model: type[models.Model],
    subject: type[models.Model],
    *,
    type_field: str = "subject_type",
    id_field: str = "subject_id",
) -> None:
    """Let configured roles reach `model`'s rows about a `subject` record whenever they reach
    that record (an activity on a lead is seen by whoever a role lets see the lead)."""
    _type, _id, subjects = _SUBJECTS.setdefault(model, (type_field, id_field, []))
    if subject not in subjects:
        subjects.append(subject)


def _subject_scope(model: type[models.Model], user, action: Action) -> tuple[bool, Q | None]:
    from django.contrib.contenttypes.models import ContentType  # cached after the first ask

    type_field, id_field, subjects = _SUBJECTS[model]
    found, q = False, Q(pk__in=[])
    for subject in subjects:
        granted_here, reach = configured_scope(subject, user, action)
        if not granted_here:
            continue
        found = True
        kind = ContentType.objects.get_for_model(subject, for_concrete_model=False)
        rows = Q(**{f"{type_field}_id": kind.pk})
        if reach is not None:
            ids = subject._default_manager.filter(reach).values("pk")
            rows &= Q(**{f"{id_field}__in": ids})
        q |= rows
    return found, q


def may_create_in(model: type[models.Model], user, unit) -> bool:
    """Whether a configured role lets `user` file a new `model` record under `unit` (beyond
    where their built-in role files): `<area>.create` held in a scope that holds the unit."""
    area = area_of(model)
    if area is None or unit is None:
        return False
    for grant in _granting(user, f"{area}.create"):
        scope = grant.get("scope")
        if scope == RoleScope.COMPANY:
            return True
        if scope == RoleScope.TEAM and unit.pk == grant["unit"]:
            return True
        if scope == RoleScope.SUBTREE and unit.path.startswith(grant["path"]):
            return True
    return False
