"""One sentence per audit action, in the viewer's language.

An action with a writer below reads as its own sentence; any other action an app names in
`core.audit.ACTION_LABELS` reads as "<label> by <actor>", its changes as phrases. An action in
neither has no sentence: tests/ltc/test_timeline_sentences.py walks every action the code
records and fails on such a one.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..audit import ACTION_LABELS
from ..models import AuditEvent
from ..transitions import label_of
from .words import Described, Lookups, Words, gate_name, model_field, seat_name

Writer = Callable[[AuditEvent, Words], Described]
SENTENCES: dict[str, Writer] = {}


def writes(*actions: str):
    """Register the decorated function as the sentence of `actions`."""

    def register(writer: Writer) -> Writer:
        for action in actions:
            SENTENCES[action] = writer
        return writer

    return register


def has_sentence(action: str) -> bool:
    return action in SENTENCES or action in ACTION_LABELS


def actor_of(event: AuditEvent) -> str:
    if event.actor_id and event.actor is not None:
        return str(event.actor)
    return event.actor_name or _("the system")


def record_of(words: Words) -> str:
    model = words.model
    return str(model._meta.verbose_name) if model is not None else _("record")


def describe_events(events: list[AuditEvent]) -> list[Described]:
    """Each event in words; names and currencies read in bulk for the whole list."""
    lookups = Lookups(events)
    return [describe_one(event, lookups) for event in events]


def describe_one(event: AuditEvent, lookups: Lookups) -> Described:
    words = Words(event, lookups)
    writer = SENTENCES.get(event.action, _generic)
    described = writer(event, words)
    described.sentence = capfirst(described.sentence)
    return described


def _said(event: AuditEvent, sentence: str, details: list[str] | None = None) -> Described:
    return Described(event=event, sentence=sentence, details=details or [])


def _generic(event: AuditEvent, words: Words) -> Described:
    what = ACTION_LABELS.get(event.action)
    if what is None:  # an action nobody named: still a sentence, never a raw dump
        return _said(event, _("%(actor)s changed the %(record)s.") % _who(event, words))
    sentence = _("%(what)s by %(actor)s.") % {"what": what, "actor": actor_of(event)}
    return _said(event, sentence, words.changes())


def _who(event: AuditEvent, words: Words) -> dict:
    return {"actor": actor_of(event), "record": record_of(words)}


def _get(event: AuditEvent, key: str, default=None):
    return (event.changes or {}).get(key, default)


@writes("created")
def _created(event, words):
    return _said(event, _("%(actor)s created the %(record)s.") % _who(event, words))


@writes("updated")
def _updated(event, words):
    done = _get(event, "done")
    if isinstance(done, list) and set(event.changes) <= {"done", "done_by", "done_at"}:
        item = words.lookups.target(event)
        values = {**_who(event, words), "item": str(item) if item else record_of(words)}
        if done[-1]:
            said = _said(event, _("%(actor)s ticked off “%(item)s”.") % values)
        else:
            said = _said(event, _("%(actor)s unticked “%(item)s”.") % values)
        said.subject = values["item"]
        return said
    return _said(
        event, _("%(actor)s updated the %(record)s.") % _who(event, words), words.changes()
    )


@writes("transition")
def _transition(event, words):
    model = words.model
    state = model_field(model, "state")
    states = dict(state.flatchoices) if state is not None else {}
    values = {
        **_who(event, words),
        "old": states.get(event.from_state, event.from_state) or "—",
        "new": states.get(event.to_state, event.to_state) or "—",
    }
    sentence = _("%(actor)s moved the %(record)s from %(old)s to %(new)s.") % values
    details = []
    if model is not None and event.transition:
        details.append(_("Step: %(step)s") % {"step": label_of(model, event.transition)})
    return _said(event, sentence, details + words.changes())


@writes("owner.changed")
def _owner(event, words):
    return _said(
        event, _("%(actor)s changed the owner.") % {"actor": actor_of(event)}, words.changes()
    )


@writes("team.changed")
def _team(event, words):
    return _said(
        event,
        _("%(actor)s changed the iron triangle.") % {"actor": actor_of(event)},
        words.changes(),
    )


@writes("gate.opened")
def _gate_opened(event, words):
    values = {
        "actor": actor_of(event),
        "gate": gate_name(_get(event, "gate", "")),
        "round": _get(event, "round", 1),
    }
    sentence = _("%(actor)s opened the %(gate)s review (round %(round)s).") % values
    if _get(event, "escalated"):
        sentence += " " + _("It needs the office's decision.")
    return _said(event, sentence)


@writes("gate.assessed")
def _gate_assessed(event, words):
    values = {
        "actor": actor_of(event),
        "seat": seat_name(_get(event, "seat", "")),
        "gate": gate_name(_get(event, "gate", "")),
        "verdict": words.value("verdict", _get(event, "verdict")) or "—",
    }
    if _get(event, "revised"):
        sentence = _("%(actor)s (%(seat)s) assessed %(gate)s: %(verdict)s, revised.") % values
    else:
        sentence = _("%(actor)s (%(seat)s) assessed %(gate)s: %(verdict)s.") % values
    return _said(event, sentence, words.changes(skip=("gate", "seat", "verdict", "revised")))


@writes("gate.escalated")
def _gate_escalated(event, words):
    values = {
        "actor": actor_of(event),
        "gate": gate_name(_get(event, "gate", "")),
        "unit": _get(event, "authority_unit", "") or "—",
    }
    return _said(event, _("%(actor)s escalated the %(gate)s review to %(unit)s.") % values)


@writes("gate.decided")
def _gate_decided(event, words):
    values = {
        "actor": actor_of(event),
        "gate": gate_name(_get(event, "gate", "")),
        "decision": words.value("decision", _get(event, "decision")) or "—",
    }
    return _said(event, _("%(actor)s decided %(gate)s: %(decision)s.") % values)


@writes("lead.converted")
def _converted(event, words):
    values = {"actor": actor_of(event), "lead": words.value("lead", _get(event, "lead")) or "—"}
    return _said(event, _("%(actor)s converted the lead %(lead)s into this opportunity.") % values)


@writes("payment_plan.set")
def _plan_set(event, words):
    milestones = _get(event, "milestones", []) or []
    currency = words.lookups.currency(event)
    from .words import format_money

    details = [
        _("%(name)s: %(amount)s") % {"name": m[0], "amount": format_money(m[1], currency)}
        for m in milestones
        if isinstance(m, list) and len(m) == 2
    ]
    count = len(milestones)
    sentence = ngettext(
        "%(actor)s set the payment plan: %(count)d milestone.",
        "%(actor)s set the payment plan: %(count)d milestones.",
        count,
    ) % {"actor": actor_of(event), "count": count}
    return _said(event, sentence, details)


@writes("receipt.recorded", "receipt.reversed")
def _receipt(event, words):
    values = {
        "actor": actor_of(event),
        "receipt": _get(event, "receipt", ""),
        "amount": words.value("amount", _get(event, "amount")) or "—",
    }
    if event.action == "receipt.reversed":
        return _said(event, _("%(actor)s reversed receipt %(receipt)s of %(amount)s.") % values)
    return _said(event, _("%(actor)s recorded receipt %(receipt)s of %(amount)s.") % values)


@writes("receipt.allocated")
def _allocated(event, words):
    values = {
        "actor": actor_of(event),
        "allocated": words.value("allocated", _get(event, "allocated")) or "—",
        "unapplied": words.value("unapplied", _get(event, "unapplied")) or "—",
    }
    return _said(
        event,
        _("%(actor)s applied %(allocated)s of this receipt; %(unapplied)s is left unapplied.")
        % values,
    )


@writes("allocation.reversed")
def _allocation_reversed(event, words):
    values = {
        "actor": actor_of(event),
        "amount": words.value("amount", _get(event, "amount")) or "—",
        "milestone": _get(event, "milestone", "") or "—",
    }
    return _said(event, _("%(actor)s reversed %(amount)s applied to %(milestone)s.") % values)


@writes("write_off.requested")
def _write_off(event, words):
    values = {"actor": actor_of(event), "amount": words.value("amount", _get(event, "amount"))}
    return _said(event, _("%(actor)s asked to write off %(amount)s.") % values)


@writes("quote.priced")
def _priced(event, words):
    lines = int(_get(event, "lines", 0) or 0)
    sentence = ngettext(
        "%(actor)s priced %(count)d line; the quote totals %(total)s.",
        "%(actor)s priced %(count)d lines; the quote totals %(total)s.",
        lines,
    ) % {
        "actor": actor_of(event),
        "count": lines,
        "total": words.value("total", _get(event, "total")) or "—",
    }
    return _said(event, sentence)


@writes("lead.merged", "customer.merged", "contact.merged")
def _merged(event, words):
    other = words.value("merged", _get(event, "merged"))
    values = {**_who(event, words), "other": other or _("a duplicate")}
    sentence = _("%(actor)s merged %(other)s into this %(record)s.") % values
    return _said(event, sentence, words.changes(skip=("merged",)))


@writes("lead.merged_into", "customer.merged_into", "contact.merged_into")
def _merged_into(event, words):
    values = {**_who(event, words), "other": words.value("merged_into", _get(event, "merged_into"))}
    return _said(event, _("%(actor)s merged this %(record)s into %(other)s.") % values)


@writes("lead.possible_duplicate")
def _duplicate(event, words):
    key = "duplicate_of" if "duplicate_of" in (event.changes or {}) else "possible_duplicate"
    values = {**_who(event, words), "other": words.value(key, _get(event, key)) or "—"}
    return _said(event, _("This %(record)s may repeat %(other)s.") % values)


@writes("plan.target_set", "plan.target_removed")
def _plan_target(event, words):
    """`changes` is {product line: [target, floor]} when set, {product line: target} when
    removed."""
    from .words import format_money

    currency = words.lookups.currency(event)
    details = []
    for line, amounts in (event.changes or {}).items():
        if isinstance(amounts, list) and len(amounts) == 2:
            details.append(
                _("%(line)s: target %(target)s, floor %(floor)s")
                % {
                    "line": line,
                    "target": format_money(amounts[0], currency),
                    "floor": format_money(amounts[1], currency),
                }
            )
        else:
            details.append(
                _("%(name)s: %(amount)s")
                % {"name": line, "amount": format_money(amounts, currency)}
            )
    sentence = _("%(what)s by %(actor)s.") % {
        "what": ACTION_LABELS.get(event.action, event.action),
        "actor": actor_of(event),
    }
    return _said(event, sentence, details)
