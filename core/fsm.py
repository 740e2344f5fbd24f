"""State machines: guards that say what is missing, and the one way to run a transition.

Conventions (docs/adr/0003-state-machines-and-gates.md):
- every state machine is a django-fsm-2 `FSMField(protected=True)` named `state` on a model
  with `ConcurrentTransitionMixin`;
- transition methods take keyword arguments `by`, `reason`, `comment`;
- conditions are `Guard`s, so a refused transition can name what is missing;
- `custom` may hold `label`, `reason_required`, `confirm` (irreversible: the UI asks first)
  and `internal` (run only by a service, e.g. a gate decision: never from the generic
  transitions endpoint or button);
- `transition_run` is the only caller: it checks, runs, saves and audits in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models, transaction
from django.db.models.expressions import Combinable
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, has_transition_perm

from . import custom_fields, policy
from .audit import audit_record
from .errors import Conflict, Forbidden, NotFound, TransitionNotAllowed, ValidationFailed
from .messages import render_text
from .transitions import label_of, transitions_of


class Guard:
    """A transition condition that can say, in the user's language, what is missing."""

    def __init__(
        self,
        predicate: Callable[[Any], bool],
        message,
        field: str = "state",
        explain: Callable[[Any], dict[str, str]] | None = None,
        code: str = "",
    ):
        self.predicate = predicate
        self.message = message
        self.field = field
        # Optional: {field: message} saying precisely why this instance fails, when one fixed
        # message cannot (e.g. which limit of which rule).
        self.explain = explain
        # Optional: the error code a refusal by this guard answers with (else the generic
        # `transition_not_allowed`), for a rule clients act on (`customer_not_approved`).
        self.code = code
        self.__name__ = getattr(predicate, "__name__", "guard")

    def __call__(self, instance) -> bool:
        return bool(self.predicate(instance))


def guard(message, field: str = "state") -> Callable[[Callable], Guard]:
    """Decorator: turn a predicate `f(instance) -> bool` into a Guard with a message."""

    def decorator(predicate: Callable) -> Guard:
        return Guard(predicate, message, field)

    return decorator


def meta_of(instance, name: str):
    """The django-fsm Transition for `name` from the instance's current state, or None."""
    method = transitions_of(type(instance)).get(name)
    if method is None:
        return None
    return method._django_fsm.get_transition(instance.state)


def unmet(instance, name: str) -> dict[str, list[str]]:
    """What keeps transition `name` from running now: {field: [messages]} (empty when ready)."""
    meta = meta_of(instance, name)
    if meta is None or not transitions_of(type(instance))[name]._django_fsm.has_transition(
        instance.state
    ):
        return {
            "state": [
                _("Not possible from state “%(state)s”.") % {"state": instance.get_state_display()}
            ]
        }
    missing: dict[str, list[str]] = {}
    for condition in meta.conditions:
        if not condition(instance):
            explain = getattr(condition, "explain", None)
            if explain is not None and (reasons := explain(instance)):
                for field, message in reasons.items():
                    missing.setdefault(field, []).append(str(message))
                continue
            message = getattr(condition, "message", None) or _("A condition is not met.")
            missing.setdefault(getattr(condition, "field", "state"), []).append(str(message))
    if isinstance(meta.target, str) and hasattr(instance, "custom"):
        # A custom field required in the target state blocks entering it (issue 20.2).
        fields = custom_fields.definitions(type(instance))
        values = instance.custom or {}
        for name, message in custom_fields.missing_required(fields, values, meta.target).items():
            missing.setdefault(name, []).append(message)
    return missing


def available_transitions(instance, user, *, may_change: bool | None = None) -> list[dict]:
    """The transitions `user` may take on `instance` now: conditions met, role and policy allow.

    Internal transitions (run by services such as gate decisions) are never listed.
    Pass `may_change` when the caller already knows the policy answer (a list page computes it
    for all rows in one query).
    """
    if may_change is None:
        may_change = policy.can(user, instance, "change")
    if not may_change:
        return []
    found = []
    state = instance.state
    for method in transitions_of(type(instance)).values():
        fsm_meta = method._django_fsm
        meta = fsm_meta.get_transition(state) if fsm_meta.has_transition(state) else None
        # Internal ones are skipped before their guards run (those may query, e.g. a gate).
        if meta is None or meta.custom.get("internal"):
            continue
        if not fsm_meta.conditions_met(instance, state) or not meta.has_perm(instance, user):
            continue
        found.append(
            {
                "name": meta.name,
                "label": str(meta.custom.get("label") or meta.name.replace("_", " ")),
                # A computed target (GET_STATE) is known only once the transition runs.
                "target": meta.target if isinstance(meta.target, str) else None,
                "reason_required": bool(meta.custom.get("reason_required")),
                "confirm": bool(meta.custom.get("confirm")),
            }
        )
    return found


def transition_run(
    instance,
    name: str,
    *,
    by,
    reason: str = "",
    comment: str | dict = "",
    internal: bool = False,
    check_policy: bool = True,
    update_fields: list[str] | None = None,
    changes: dict | None = None,
):
    """Run transition `name` on `instance` as `by`: check, run, save and audit atomically.

    Raises NotFound for an unknown transition, Forbidden when the user may not, and
    TransitionNotAllowed (409) naming what is missing when the state or a guard says no.
    `internal` lets a service run a transition that users cannot call directly.
    """
    method = transitions_of(type(instance)).get(name)
    if method is None:
        raise NotFound(_("There is no transition “%(name)s”.") % {"name": name})
    meta = meta_of(instance, name)
    if meta is not None and meta.custom.get("internal") and not internal:
        raise TransitionNotAllowed(
            _("“%(label)s” happens through its review gate or service, not directly.")
            % {"label": label_of(type(instance), name)},
            code="transition_internal",
        )
    if check_policy and not policy.can(by, instance, "change"):
        raise Forbidden(_("You may not change this record."))
    missing = unmet(instance, name)
    if missing:
        message = "; ".join(m for msgs in missing.values() for m in msgs)
        code = next(
            (
                condition.code
                for condition in (meta.conditions if meta is not None else ())
                if getattr(condition, "code", "") and not condition(instance)
            ),
            None,
        )
        raise TransitionNotAllowed(message, fields=missing, code=code)
    if not has_transition_perm(getattr(instance, name), by):
        raise Forbidden(
            _("Your role may not “%(label)s”.") % {"label": label_of(type(instance), name)}
        )
    if meta.custom.get("reason_required") and not (reason or "").strip():
        raise ValidationFailed(_("A reason is required."), fields={"reason": [_("Required.")]})

    source = instance.state
    try:
        with transaction.atomic():
            text = render_text(comment) if isinstance(comment, dict) else comment
            getattr(instance, name)(by=by, reason=reason, comment=text)
            instance.version = models.F("version") + 1
            extra = ["state", "version", "updated_at"]
            if hasattr(instance, "state_changed_at") and instance.state != source:
                instance.state_changed_at = timezone.now()
                extra.append("state_changed_at")
            fields = None if update_fields is None else [*update_fields, *extra]
            instance.save(update_fields=fields)
            instance.refresh_from_db(fields=["version"])
            audit_record(
                target=instance,
                action="transition",
                actor=by,
                transition=name,
                from_state=source,
                to_state=instance.state,
                comment=(
                    comment
                    if isinstance(comment, dict) and not reason
                    else "\n".join(part for part in (reason, text) if part)
                ),
                changes=changes,
            )
    except ConcurrentTransition as exc:
        raise Conflict(
            _("Someone else changed this record's state meanwhile; reload and try again."),
            code="concurrent_update",
        ) from exc
    return instance


class GuardedStates:
    """A machine state changed by guarded conditional updates, not by django-fsm transitions.

    The exception ADR 3 allows for high-volume machine states (import jobs, webhook
    deliveries): their moves are declared here once, `{source: {targets}}`, and `move` changes
    the state with one `UPDATE … WHERE pk = … AND <field> IN (sources)`: the database's
    compare-and-set, so of two racing workers exactly one moves the row. A move that is not
    declared is refused (`TransitionNotAllowed`) before any query; a row no longer in a source
    state is not moved (`move` returns False: the caller decides whether that is a conflict
    or a redelivered task to ignore). Callers audit the moves a person cares about.
    """

    def __init__(self, field: str, moves: dict[str, set[str] | frozenset[str]]):
        self.field = field
        self.moves = {source: frozenset(targets) for source, targets in moves.items()}

    def allowed(self, source: str, target: str) -> bool:
        return target in self.moves.get(source, ())

    def sources(self, target: str) -> list[str]:
        """The states from which `target` may be reached."""
        return sorted(source for source, targets in self.moves.items() if target in targets)

    def move(
        self,
        instance,
        target: str,
        *,
        source: str | list[str] | None = None,
        when: dict | None = None,
        **fields,
    ):
        """Move `instance` to `target` if its row is (still) in `source` (default: any state
        from which `target` is declared) and matches `when` (more compare-and-set conditions,
        e.g. the attempt count read), writing `fields` in the same UPDATE. On success the
        instance carries the new state and fields. Returns whether the row moved."""
        declared = self.sources(target)
        if source is None:
            expected = declared
        else:
            expected = [source] if isinstance(source, str) else list(source)
            illegal = [s for s in expected if s not in declared]
            if illegal:
                raise TransitionNotAllowed(
                    _("Not possible from state “%(state)s”.") % {"state": illegal[0]},
                    fields={self.field: [f"{illegal[0]} → {target}"]},
                )
        if not expected:
            raise TransitionNotAllowed(
                _("Not possible from state “%(state)s”.") % {"state": target},
                fields={self.field: [f"→ {target}"]},
            )
        model = type(instance)
        if "updated_at" not in fields and any(
            f.name == "updated_at" for f in model._meta.concrete_fields
        ):
            fields["updated_at"] = timezone.now()
        moved = model._default_manager.filter(
            pk=instance.pk, **{f"{self.field}__in": expected}, **(when or {})
        ).update(**{self.field: target}, **fields)
        if moved:
            setattr(instance, self.field, target)
            for name, value in fields.items():
                if not isinstance(value, Combinable):
                    setattr(instance, name, value)
        return bool(moved)


def fsm_fields_leave_migration_models_alone() -> None:
    """Keep `migrate` linear in the number of migrations (called once, from the core's `ready`).

    django-fsm-2's `FSMField.contribute_to_class` connects a `class_prepared` receiver per field
    instance, to collect the model's transition methods. Migrations render every model again
    for each operation that needs it (each time with new field instances), so the receivers
    piled up in the thousands and every model rendered afterwards was announced to all of them:
    `migrate` called `_collect_transitions` 3.9 million times and spent most of its time there
    (about 80 s of CPU for a new database, paid by each test process and by `make run`). A
    model rendered by migrations (module `__fake__`) has no methods, hence no transitions: its
    fields disconnect at once."""
    from django.db.models.signals import class_prepared
    from django_fsm import FSMFieldMixin

    contribute = FSMFieldMixin.contribute_to_class
    if getattr(contribute, "leaves_migration_models_alone", False):
        return

    def contribute_to_class(self, cls, name, *args, **kwargs):
        contribute(self, cls, name, *args, **kwargs)
        if cls.__module__ == "__fake__":
            class_prepared.disconnect(self._collect_transitions)

    contribute_to_class.leaves_migration_models_alone = True
    FSMFieldMixin.contribute_to_class = contribute_to_class


def fsm_refresh_is_thread_safe() -> None:
    """Let two threads of one process refresh records with protected FSM fields at once
    (called once, from the core's `ready`).

    django-fsm-2's `refresh_from_db` lifts the protection of a state field by switching the
    shared `Field.protected` flag off and back on around Django's refresh. Two threads doing
    it at once (a threaded server, the PostgreSQL race tests) interleave: one turns the flag
    back on while the other is still writing the reloaded state, which then fails with
    "Direct state modification is not allowed". Here the protection is lifted for the one
    instance instead: the descriptor refuses only a value already in the instance's
    `__dict__`, so the values about to be reloaded leave it first. The fields to reload are
    named explicitly (those not deferred), so Django does not take the removed ones for
    deferred and skip them."""
    from django_fsm import ConcurrentTransitionMixin, FSMModelMixin

    if getattr(FSMModelMixin.refresh_from_db, "thread_safe", False):
        return

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        reload_all = fields is None
        if reload_all:
            deferred = self.get_deferred_fields()
            fields = [f.attname for f in self._meta.concrete_fields if f.attname not in deferred]
        # Out of __dict__ for the refresh (so the descriptor lets it write them), and back in
        # afterwards where the refresh did not write them.
        kept = {
            n: self.__dict__.pop(n) for n in self._get_protected_fsm_fields() if n in self.__dict__
        }
        try:
            models.Model.refresh_from_db(
                self, using=using, fields=fields, from_queryset=from_queryset
            )
        finally:
            for name, value in kept.items():
                self.__dict__.setdefault(name, value)
        if reload_all:  # what Django clears when it reloads everything
            self._prefetched_objects_cache = {}
            for rel in self._meta.related_objects:
                if rel.is_cached(self):
                    rel.delete_cached_value(self)
            for field in self._meta.private_fields:
                if field.is_relation and field.is_cached(self):
                    field.delete_cached_value(self)
        if isinstance(self, ConcurrentTransitionMixin):
            self._update_initial_state()

    refresh_from_db.thread_safe = True
    FSMModelMixin.refresh_from_db = refresh_from_db
    ConcurrentTransitionMixin.refresh_from_db = refresh_from_db
