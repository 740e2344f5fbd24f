"""The core's sections of the configuration file: custom fields (by record type and key) and
approval chains with their steps (by kind and name). Each entry is written through the area's
services (`custom_field_create`/`custom_field_update`, `chain_define`/`chain_update`), so it is
validated and audited as any other change."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..approvals.chains import _validated_steps, chain_define, chain_state, chain_update
from ..approvals.models import ApprovalChain
from ..custom_fields.models import CustomField
from ..custom_fields.services import custom_field_create, custom_field_update
from ..errors import ValidationFailed
from . import CHANGED, CREATED, UNCHANGED, Section, register_section


def text_key(entry: dict, name: str) -> str:
    """The entry's `name` (a natural key part), or a 400 saying it is missing."""
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > 120:
        raise ValidationFailed(_("The entry has no key."), fields={name: [_("Required.")]})
    return value


def refuse_unknown(entry: dict, known) -> None:
    unknown = sorted(str(k) for k in set(entry) - set(known))
    if unknown:
        raise ValidationFailed(
            _("The entry is not valid."), fields={k[:100]: [_("Unknown field.")] for k in unknown}
        )


# --- Custom fields ---------------------------------------------------------------------------

FIELD_KEYS = ("target", "key")
FIELD_VALUES = (
    "label_en",
    "label_zh",
    "type",
    "choices",
    "required_in_states",
    "position",
    "show_in_list",
    "retired",
)


def custom_fields_export() -> list[dict]:
    rows = CustomField.objects.order_by("target", "position", "key")
    return [{name: getattr(f, name) for name in FIELD_KEYS + FIELD_VALUES} for f in rows]


def custom_field_key(entry: dict) -> str:
    return f"{text_key(entry, 'target')}:{text_key(entry, 'key')}"


def custom_field_apply(entry: dict, by) -> str:
    refuse_unknown(entry, FIELD_KEYS + FIELD_VALUES)
    field = CustomField.objects.filter(target=entry["target"], key=entry["key"]).first()
    if field is None:
        custom_field_create(by=by, data=dict(entry))
        return CREATED
    changed = {
        name: value
        for name, value in entry.items()
        if name not in FIELD_KEYS and getattr(field, name) != value
    }
    if not changed:
        return UNCHANGED
    custom_field_update(field=field, by=by, data=changed)
    return CHANGED


# --- Approval chains -------------------------------------------------------------------------

CHAIN_FIELDS = ("kind", "name", "active", "steps")


def _user_model():
    return get_user_model()


def _unit_model():
    return apps.get_model("accounts", "OrgUnit")


def _portable_spec(spec):
    """An approver spec with its person by username instead of id."""
    if isinstance(spec, dict) and spec.get("type") == "user" and isinstance(spec.get("user"), int):
        username = (
            _user_model().objects.filter(pk=spec["user"]).values_list("username", flat=True).first()
        )
        return {**spec, "user": username if username is not None else spec["user"]}
    return spec


def _local_spec(spec):
    """The inverse of `_portable_spec`: an unknown username stays as given, and the chain's
    own validation names it ("Choose an active person": no possible approver)."""
    if isinstance(spec, dict) and spec.get("type") == "user" and isinstance(spec.get("user"), str):
        pk = _user_model().objects.filter(username=spec["user"]).values_list("pk", flat=True)
        return {**spec, "user": pk.first() if pk.first() is not None else spec["user"]}
    return spec


def _portable_condition(condition):
    if isinstance(condition, dict) and isinstance(condition.get("org_unit"), int):
        code = _unit_model().objects.filter(pk=condition["org_unit"]).values_list("code", flat=True)
        return {**condition, "org_unit": code.first() or condition["org_unit"]}
    return condition


def _local_condition(condition):
    if isinstance(condition, dict) and isinstance(condition.get("org_unit"), str):
        pk = _unit_model().objects.filter(code=condition["org_unit"]).values_list("pk", flat=True)
        return {**condition, "org_unit": pk.first() if pk.first() is not None else -1}
    return condition


def _portable_step(step: dict) -> dict:
    return {
        **step,
        "condition": _portable_condition(step.get("condition")),
        "approver": _portable_spec(step.get("approver")),
        "escalate_to": _portable_spec(step.get("escalate_to")),
    }


def _local_step(step):
    if not isinstance(step, dict):
        return step
    local = dict(step)
    for name, convert in (
        ("condition", _local_condition),
        ("approver", _local_spec),
        ("escalate_to", _local_spec),
    ):
        if name in local:
            local[name] = convert(local[name])
    return local


def approval_chains_export() -> list[dict]:
    entries: dict[tuple[str, str], dict] = {}
    for chain in ApprovalChain.objects.order_by("kind", "-active", "-id"):
        state = chain_state(chain)
        entries.setdefault(
            (chain.kind, chain.name),
            {
                "kind": chain.kind,
                "name": chain.name,
                "active": chain.active,
                "steps": [_portable_step(step) for step in state["steps"]],
            },
        )
    return list(entries.values())


def approval_chain_key(entry: dict) -> str:
    return f"{text_key(entry, 'kind')}:{text_key(entry, 'name')}"


def _make_room(kind: str, by, *, keep: int | None = None) -> None:
    """The file's active chain of a kind replaces the kind's other active chain (deactivated,
    audited as a change)."""
    for other in ApprovalChain.objects.filter(kind=kind, active=True).exclude(pk=keep):
        chain_update(chain=other, by=by, active=False)


def approval_chain_apply(entry: dict, by) -> str:
    refuse_unknown(entry, CHAIN_FIELDS)
    active = entry.get("active", True)
    if not isinstance(active, bool):
        raise ValidationFailed(_("The chain is not valid."), fields={"active": [_("Yes or no.")]})
    raw_steps: Any = entry.get("steps")
    steps = [_local_step(s) for s in raw_steps] if isinstance(raw_steps, list) else raw_steps
    kind, name = entry["kind"], entry["name"]
    chain = ApprovalChain.objects.filter(kind=kind, name=name).order_by("-active", "-id").first()
    if chain is None:
        _validated_steps(steps)  # the chain's own verdict before anything moves
        if active:
            _make_room(kind, by)
        chain_define(kind=kind, name=name, steps=steps, by=by, active=active)
        return CREATED
    wanted = _validated_steps(steps)
    same_steps = chain_state(chain)["steps"] == wanted
    if same_steps and chain.active == active:
        return UNCHANGED
    if active and not chain.active:
        _make_room(kind, by, keep=chain.pk)
    chain_update(chain=chain, by=by, active=active, steps=None if same_steps else steps)
    return CHANGED


def register() -> None:
    register_section(
        Section(
            name="custom_fields",
            label=gettext_lazy("Custom fields"),
            order=20,
            export=custom_fields_export,
            key=custom_field_key,
            apply=custom_field_apply,
        )
    )
    register_section(
        Section(
            name="approval_chains",
            label=gettext_lazy("Approval chains"),
            order=30,
            export=approval_chains_export,
            key=approval_chain_key,
            apply=approval_chain_apply,
        )
    )
