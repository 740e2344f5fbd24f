"""The roles section of the configuration file (issue 20.6): the configured role definitions,
by code (the built-in roles are described by the code, so they are not exported). Each entry
is written through `role_create`/`role_update`: validated (an unknown permission is refused)
and audited as any other change of a role."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from core.configuration import CHANGED, CREATED, UNCHANGED, Section, register_section
from core.configuration.sections import refuse_unknown, text_key

from .models import RoleDefinition
from .services.roles import ROLE_FIELDS, role_create, role_update


def roles_export() -> list[dict]:
    rows = RoleDefinition.objects.filter(builtin=False).order_by("code")
    return [{name: getattr(role, name) for name in ROLE_FIELDS} for role in rows]


def role_key(entry: dict) -> str:
    return text_key(entry, "code")


def _same(name: str, stored, given) -> bool:
    if name == "permissions" and isinstance(given, list) and all(isinstance(c, str) for c in given):
        return sorted(set(given)) == sorted(stored or [])
    return stored == given


def role_apply(entry: dict, by) -> str:
    refuse_unknown(entry, ROLE_FIELDS)
    role = RoleDefinition.objects.filter(code=entry["code"]).first()
    if role is None:
        role_create(by=by, data=dict(entry))
        return CREATED
    changed = {
        name: value
        for name, value in entry.items()
        if name != "code" and not _same(name, getattr(role, name), value)
    }
    if not changed and not role.builtin:
        return UNCHANGED
    role_update(by=by, role=role, data=changed)  # a built-in role: refused (role_builtin)
    return CHANGED


def register() -> None:
    register_section(
        Section(
            name="roles",
            label=gettext_lazy("Roles"),
            order=10,
            export=roles_export,
            key=role_key,
            apply=role_apply,
        )
    )
