"""Hooks by which a later stage offers its steps on an earlier stage's pages.

An earlier app never imports a later one. Instead, the later app registers, in its
`AppConfig.ready`, an action ("Convert to opportunity" on a lead) or a link ("Opportunity
OPP-12" on a lead) for the earlier app's model; the earlier app's pages and API show whatever
is registered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class RecordAction:
    name: str
    label: str
    url: Callable[[models.Model], str]
    visible: Callable[[models.Model, object], bool]


@dataclass(frozen=True)
class RecordLink:
    label: str
    resolve: Callable[[models.Model], tuple[str, str] | None]  # -> (text, url) or None


_actions: dict[str, list[RecordAction]] = defaultdict(list)
_links: dict[str, list[RecordLink]] = defaultdict(list)


def register_action(model_label: str, action: RecordAction) -> None:
    if all(a.name != action.name for a in _actions[model_label]):
        _actions[model_label].append(action)


def register_link(model_label: str, link: RecordLink) -> None:
    if all(lk.label != link.label for lk in _links[model_label]):
        _links[model_label].append(link)


def actions_for(obj: models.Model, user) -> list[dict]:
    return [
        {"name": a.name, "label": a.label, "url": a.url(obj)}
        for a in _actions[obj._meta.label]
        if a.visible(obj, user)
    ]


def links_for(obj: models.Model) -> list[dict]:
    found = []
    for link in _links[obj._meta.label]:
        resolved = link.resolve(obj)
        if resolved:
            found.append({"label": link.label, "text": resolved[0], "url": resolved[1]})
    return found


# --- Events: a later stage reacts to an earlier stage's business event ---------------------------

#: Every event an app may emit, with what it carries. Listeners run inside the emitting
#: transaction, so their writes commit or roll back with it.
EVENTS = {
    # customer: the survivor; merged: the tombstone (its related records already moved).
    "customer.merged": "customer, merged, by",
    # contact: the survivor; merged: the tombstone (what pointed at it already moved).
    "contact.merged": "contact, merged, by",
    # lead: the survivor; merged: the duplicate, now in state "merged".
    "lead.merged": "lead, merged, by",
    # fields: the names of the fields that changed (name, tier, owner, ...).
    "customer.changed": "customer, fields, by",
    # activity: accounts.Activity, on any subject (lead, opportunity, contract, customer).
    "activity.logged": "activity, by",
    # review: core.models.GateReview, decided; subject: the gated record; decision: go/stop/hold.
    "gate.decided": "review, subject, decision, by",
    "lead.converted": "lead, opportunity, by",
    "opportunity.stage_changed": "opportunity, from_state, to_state, by",
    "opportunity.won": "opportunity, review, by",
    "contract.signed": "contract, by",
    "contract.state_changed": "contract, from_state, to_state, by",
    # amendment: has .version, .amount_before, .amount_after (Decimal), .summary (str);
    # the contract already carries the amended amount.
    "contract.changed": "contract, amendment, by",
    # milestone: has .kind (shipment, arrival, installation, acceptance, warranty_start,
    # warranty_end) and .actual_date (the day it was reached).
    "delivery_milestone.reached": "contract, milestone, by",
    "receipt.recorded": "receipt, by",
    # a receipt recorded by mistake was reversed; its allocations are rolled back.
    "receipt.reversed": "receipt, by",
    # channel partners (issue 21): decision is admitted/refused; approved/rejected/returned
    "partner.admission_decided": "partner, decision, by",
    "partner.registration_decided": "registration, decision, by",
    "partner.registration_converted": "registration, opportunity, by",
    # price: opportunities.AgreementPrice; decision approved/rejected/returned
    "agreement_price.decided": "price, decision, by",
    # a user is leaving (deactivated): each stage answers {kind: count} of what they still
    # hold (open records they own) for someone to reassign.
    "user.holdings": "user",
}

_listeners: dict[str, list[Callable]] = defaultdict(list)


def listen(event: str, func: Callable) -> None:
    """Register `func(**payload)` for `event` (call from AppConfig.ready)."""
    if event not in EVENTS:
        raise KeyError(f"unknown event {event!r}; add it to core.hooks.EVENTS")
    if func not in _listeners[event]:
        _listeners[event].append(func)


def emit(event: str, **payload) -> list:
    """Call every listener of `event` in registration order; returns their results."""
    if event not in EVENTS:
        raise KeyError(f"unknown event {event!r}")
    return [func(**payload) for func in _listeners[event]]


# --- Panels: a later stage's section on a page (home, or an earlier stage's record page) ---------


@dataclass(frozen=True)
class Panel:
    """A section of a page: `context(*args)` returns its template context, or None to hide it.

    On "home" the args are (user,); on a record page, (record, user).
    """

    order: int
    template: str
    context: Callable[..., dict | None]


_panels: dict[str, list[Panel]] = defaultdict(list)


def register_panel(place: str, panel: Panel) -> None:
    """Show `panel` on "home" or on the page of the model labelled `place`."""
    if all(p.template != panel.template for p in _panels[place]):
        _panels[place].append(panel)


def panels_for(place: str, *args) -> list[dict]:
    shown = []
    for panel in sorted(_panels[place], key=lambda p: p.order):
        context = panel.context(*args)
        if context is not None:
            shown.append({"template": panel.template, **context})
    return shown


# --- Checks and facts: a later stage's say on an earlier stage's step ----------------------------

_checks: dict[str, list[Callable]] = defaultdict(list)
_facts: dict[str, list[Callable]] = defaultdict(list)


def register_check(step: str, check: Callable[[models.Model], list[str]]) -> None:
    """Add a condition to `step` (e.g. "contracts.close"): `check(record)` returns what is
    still missing, as messages (empty when satisfied)."""
    if check not in _checks[step]:
        _checks[step].append(check)


def failed_checks(step: str, record: models.Model) -> list[str]:
    return [message for check in _checks[step] for message in check(record)]


def register_facts(place: str, provider: Callable[[models.Model], dict]) -> None:
    """Add figures a later stage knows about an earlier stage's record (e.g. days to collect
    for "contracts.Contract")."""
    if provider not in _facts[place]:
        _facts[place].append(provider)


def facts_for(place: str, record: models.Model) -> dict:
    found: dict = {}
    for provider in _facts[place]:
        found.update(provider(record))
    return found


# --- Expressions: a later stage's figure in an earlier stage's SQL -------------------------------

_expressions: dict[str, Callable[[], object]] = {}


def register_expression(name: str, provider: Callable[[], object]) -> None:
    """Let a later stage supply the SQL expression `name` (e.g. "opportunities.win_probability"
    for the weighted pipeline): `provider()` returns an expression, or None to keep the
    earlier stage's own."""
    _expressions[name] = provider


def expression_for(name: str, default):
    """The registered expression `name`, or `default` when none is (or it declines)."""
    provider = _expressions.get(name)
    found = provider() if provider is not None else None
    return default if found is None else found
