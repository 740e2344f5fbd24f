"""What the apps tell the approval engine (registered in their `AppConfig.ready`): how a kind
of approval talks to its subject, and the named approvers ("resolvers") a step may use.

The engine sits in the core and never imports an app; it calls up through these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext


@dataclass(frozen=True)
class ApprovalSubject:
    """How the engine talks to the subject of one kind of approval.

    `on_ended(request, subject, by, comment)` moves the subject on when the request ends
    (approved, rejected, sent back or withdrawn: `request.state`), inside the decision's
    transaction. `notify_waiting(request, subject, users)` tells the approvers of a new step
    in the subject's own words; without it the engine sends `approval.waiting`.
    `seat_holder(subject, seat)` answers an iron-triangle seat (ar, sr, fr).
    `default_steps` is the chain the kind starts with when no administrator has defined one:
    what the app decided before chains were data (none: nothing waits until one is defined).
    `extra`: `notify_ended` (False, or a predicate on the request: the app tells people
    itself), `before_resubmit(request, subject, by)` and `before_withdraw(request, subject, by)`
    (may refuse them on the engine's surfaces), `before_decide(request, subject, by, decision,
    comment)` (the subject's own rules, reasons among them, in place of "reject and send back
    say why"), `requester_may_decide` (True or a predicate: a gate's opener may decide it)."""

    on_ended: Callable
    default_name: str = ""
    default_steps: tuple[dict, ...] = ()
    notify_waiting: Callable | None = None
    seat_holder: Callable | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Resolver:
    """An approver an app names by its own rule: `approvers(request)` are asked (tasks),
    `eligible(user, request)` may decide an any-of step though not asked (a manager higher up).
    `label` names it on the settings page."""

    label: object
    approvers: Callable
    eligible: Callable | None = None


_kinds: dict[str, ApprovalSubject] = {}
_resolvers: dict[str, Resolver] = {}
_default_names: frozenset[str] | None = None


def register_kind(kind: str, subject: ApprovalSubject) -> None:
    global _default_names
    _kinds[kind] = subject
    _default_names = None


def kind_adapter(kind: str) -> ApprovalSubject | None:
    return _kinds.get(kind)


def registered_kinds() -> list[str]:
    return list(_kinds)


def register_resolver(name: str, resolver: Resolver) -> None:
    _resolvers[name] = resolver


def resolver(name) -> Resolver | None:
    return _resolvers.get(name) if isinstance(name, str) else None


def resolvers() -> dict[str, Resolver]:
    return dict(_resolvers)


def default_names() -> frozenset[str]:
    """The names the kinds' default chains and steps start with (each marked gettext_noop);
    gathered once after the kinds are registered (a page asks it for every step it shows)."""
    global _default_names
    if _default_names is None:
        names = set()
        for subject in _kinds.values():
            names.add(str(subject.default_name))
            names.update(str(step.get("name", "")) for step in subject.default_steps)
        names.discard("")
        _default_names = frozenset(names)
    return _default_names


def shown_name(name: str) -> str:
    """A chain's or step's name as the reader should see it. A name the system gave (a default
    chain's, stored as its English msgid) is translated into the reader's language; a name an
    administrator typed is their own words and is shown as typed."""
    return gettext(name) if name in default_names() else name


def subject_of(request) -> models.Model | None:
    model = request.subject_type.model_class()
    return model._default_manager.filter(pk=request.subject_id).first() if model else None
