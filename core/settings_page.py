"""/settings/: one page that leads to everything a company configures without code (roles,
custom fields, approval chains, planning settings, moving the configuration between systems)
and to one's own stand-in while away, each shown only to whoever may open it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import policy


@dataclass(frozen=True)
class Entry:
    url_name: str
    title: object
    description: object
    may: Callable[[object], bool]


def _may(rule: str) -> Callable[[object], bool]:
    return lambda user: policy.may(user, rule)


ENTRIES = (
    Entry(
        "roles:list",
        _("Roles"),
        _("Permission sets and who holds them, in which org unit."),
        lambda user: policy.may(user, "roles.assign") or policy.may(user, "roles.administer"),
    ),
    Entry(
        "sso-rules:list",
        _("Single sign-on"),
        _("Which org unit and roles people get from their company identity when they sign in."),
        _may("sso.administer"),
    ),
    Entry(
        "custom-fields",
        _("Custom fields"),
        _("The company's own fields on customers, leads, deals, contracts and milestones."),
        _may("settings.change"),
    ),
    Entry(
        "approval-chains",
        _("Approval chains"),
        _("Who approves prices, new customers, contract changes and write-offs, in turn."),
        _may("approvals.manage_chains"),
    ),
    Entry(
        "keyaccounts:settings",
        _("Planning settings"),
        _("What makes a key account: potential, relationship and coverage thresholds."),
        _may("settings.change_unit"),
    ),
    Entry(
        "incentives:default",
        _("Default credit split"),
        _("How bookings and collections are credited to the AR, SR, FR and partner manager."),
        _may("settings.change"),
    ),
    Entry(
        "documents:settings",
        _("Documents"),
        _("The letterhead and the templates of quotes, letters and contract drafts."),
        _may("documents.manage_templates"),
    ),
    Entry(
        "exchange-rates",
        _("Exchange rates"),
        _("The rates reports convert their totals with, one per day and currency pair."),
        _may("rates.change"),
    ),
    Entry(
        "configuration",
        _("Export and import the configuration"),
        _("Move roles, fields, chains and rule tables from a test system to production."),
        _may("settings.change"),
    ),
    Entry(
        "messaging:channels",
        _("Chat apps"),
        _("WeCom, DingTalk and Feishu channels, people's ids there, and the delivery log."),
        _may("messaging.administer"),
    ),
    Entry(
        "messaging:preferences",
        _("My chat app notifications"),
        _("Which notifications reach you in WeCom, DingTalk or Feishu."),
        lambda user: True,
    ),
    Entry(
        "delegations",
        _("My stand-in while away"),
        _("A colleague decides the approvals that reach you while you are away."),
        lambda user: True,
    ),
)


#: Entries later apps add at start-up (`register_entry`), and the url names of those that are
#: one's own (everyone has them: they alone do not put /settings/ in the navigation).
_REGISTERED: list[Entry] = []
_PERSONAL = {"delegations", "messaging:preferences"}


def register_entry(entry: Entry, *, personal: bool = False) -> None:
    """Add a later app's page to the settings index (idempotent)."""
    if entry.url_name not in {e.url_name for e in _REGISTERED}:
        _REGISTERED.append(entry)
    if personal:
        _PERSONAL.add(entry.url_name)


def _entries() -> tuple[Entry, ...]:
    return (*ENTRIES, *_REGISTERED)


def entries_for(user) -> list[dict]:
    return [
        {"url": reverse(e.url_name), "title": e.title, "description": e.description}
        for e in _entries()
        if e.may(user)
    ]


def configures_anything(user) -> bool:
    """Whether the navigation leads this user to /settings/: they may configure something
    (everyone reaches their own entries, such as their stand-in, from elsewhere too)."""
    return any(e.may(user) for e in _entries() if e.url_name not in _PERSONAL)


@login_required
def settings_index(request):
    return render(request, "ltc/settings.html", {"entries": entries_for(request.user)})
