"""Field labels and values of audit events in the viewer's language.

Everything a sentence names (people, contacts, the record's currency) is read by `Lookups` in
bulk for a whole page of events: one query per model, never one per event.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format, number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..choices import Decision, GateKind, RiskLevel, TriangleRole
from ..models import AuditEvent
from ..money import format_money as money_text

#: Labels of the free-form keys services put in `changes` (keys that are not model fields).
KEY_LABELS = {
    "roles": gettext_lazy("Configured roles"),  # a person's, as code@unit:scope (issue 20.1)
    "gate": gettext_lazy("Gate"),
    "seat": gettext_lazy("Seat"),
    "verdict": gettext_lazy("Recommendation"),
    "confidence": gettext_lazy("Confidence"),
    "risk": gettext_lazy("Risk"),
    "revised": gettext_lazy("Revised"),
    "round": gettext_lazy("Round"),
    "escalated": gettext_lazy("Escalated"),
    "decision": gettext_lazy("Decision"),
    "authority_unit": gettext_lazy("Deciding unit"),
    "members": gettext_lazy("Team members"),
    "amount": gettext_lazy("Amount"),
    "total": gettext_lazy("Total"),
    "allocated": gettext_lazy("Applied"),
    "unapplied": gettext_lazy("Unapplied"),
    "expected_amount": gettext_lazy("Expected amount"),
    "lines": gettext_lazy("Lines"),
    "receipt": gettext_lazy("Receipt"),
    "milestone": gettext_lazy("Milestone"),
    "milestones": gettext_lazy("Milestones"),
    "trigger": gettext_lazy("Trigger"),
    "on": gettext_lazy("On"),
    "file": gettext_lazy("File"),
    "job": gettext_lazy("Job"),
    "status": gettext_lazy("Status"),
    "error": gettext_lazy("Error"),
    "mode": gettext_lazy("Mode"),
    "scopes": gettext_lazy("Scopes"),
    "assignees": gettext_lazy("Assignees"),
    "moved": gettext_lazy("Records moved"),
    "activities": gettext_lazy("Activities moved"),
    "driver": gettext_lazy("Driver"),
    "opportunity": gettext_lazy("Opportunity"),
    "opportunities": gettext_lazy("Opportunities"),
    "contract": gettext_lazy("Contract"),
    "basis": gettext_lazy("Basis"),
    "rule": gettext_lazy("Rule"),
    "framework": gettext_lazy("Framework contract"),
    "renewal_of": gettext_lazy("Renewal of"),
    "replans": gettext_lazy("Re-planned milestones"),
    "amendment": gettext_lazy("Amendment"),
    "invoice_number": gettext_lazy("Invoice number"),
    "rows_total": gettext_lazy("Rows"),
    "rows_valid": gettext_lazy("Valid rows"),
    "rows_created": gettext_lazy("Rows created"),
    "rows_skipped": gettext_lazy("Rows skipped"),
    "attempts": gettext_lazy("Attempts"),
    "event": gettext_lazy("Event"),
}
MONEY_KEYS = {"amount", "total", "allocated", "unapplied", "expected_amount"}
#: Keys that name another record of the same model as the event's record (merges, duplicates).
SAME_MODEL_KEYS = {"merged", "merged_into", "duplicate_of", "possible_duplicate"}
#: Keys whose values are user ids.
USER_KEYS = {"members"}
#: Keys whose values are choices, and their choices.
KEY_CHOICES = {
    "verdict": Decision,
    "decision": Decision,
    "risk": RiskLevel,
}
_SHORT_GATES = {"ati", "atb", "atc"}
_SHORT_SEATS = {"ar", "sr", "fr"}


def gate_name(code: str) -> str:
    """ATC, not "ATC: authorize to contract"; the change and close gates by their label."""
    if code in _SHORT_GATES:
        return code.upper()
    return str(GateKind(code).label) if code in GateKind.values else str(code)


def seat_name(code: str) -> str:
    if code in _SHORT_SEATS:
        return code.upper()
    return str(TriangleRole(code).label) if code in TriangleRole.values else str(code)


@dataclass
class Described:
    """One event in words."""

    event: AuditEvent
    sentence: str
    details: list[str] = field(default_factory=list)
    #: What the event was about, when a folded line lists it ("Bid bond arranged").
    subject: str = ""


@dataclass
class Entry:
    """One line of a timeline: one event, or a run of related events folded together."""

    items: list[Described]
    sentence: str
    details: list[str]

    @property
    def event(self) -> AuditEvent:
        return self.items[0].event

    @property
    def at(self):
        return self.event.at

    @property
    def comments(self) -> list[str]:
        return [d.event.comment_text for d in self.items if d.event.comment]

    @property
    def raw(self) -> str:
        """The recorded changes, as stored, for the expandable detail."""
        rows = [d.event.changes for d in reversed(self.items) if d.event.changes]
        if not rows:
            return ""
        data = rows[0] if len(rows) == 1 else rows
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)


# --- Bulk lookups -------------------------------------------------------------------------------


def model_field(model, name: str):
    """The concrete model field (or many-to-many) called `name`, else None (a free-form key)."""
    if model is None:
        return None
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return found if getattr(found, "concrete", False) or found.many_to_many else None


def _ids(value) -> list:
    values = value if isinstance(value, list) else [value]
    flat = []
    for v in values:
        flat.extend(v if isinstance(v, list) else [v])
    return [v for v in flat if isinstance(v, int) and not isinstance(v, bool)]


class Lookups:
    """Names and currencies for one page of events, each model read once."""

    def __init__(self, events: list[AuditEvent]):
        wanted: dict[type, set] = defaultdict(set)
        targets: dict[type, set] = defaultdict(set)
        user_model = get_user_model()
        for event in events:
            model = event.target_type.model_class()
            if model is None:
                continue
            targets[model].add(event.target_id)
            for name, value in (event.changes or {}).items():
                found = model_field(model, name)
                if found is not None and found.is_relation and found.related_model:
                    wanted[found.related_model].update(_ids(value))
                elif name in SAME_MODEL_KEYS:
                    wanted[model].update(_ids(value))
                elif name in USER_KEYS:
                    wanted[user_model].update(_ids(value))
        self.objects = {m: m._default_manager.in_bulk(ids) for m, ids in wanted.items() if ids}
        self.targets = {
            m: m._default_manager.in_bulk(ids)
            for m, ids in targets.items()
            if model_field(m, "currency") is not None or model_field(m, "done") is not None
        }

    def name(self, model, pk) -> str:
        obj = self.objects.get(model, {}).get(pk)
        return str(obj) if obj is not None else _("a deleted record")

    def target(self, event: AuditEvent):
        return self.targets.get(event.target_type.model_class(), {}).get(event.target_id)

    def currency(self, event: AuditEvent) -> str:
        changed = (event.changes or {}).get("currency")
        if isinstance(changed, list) and changed and changed[-1]:
            return changed[-1]
        if isinstance(changed, str) and changed:
            return changed
        return getattr(self.target(event), "currency", "") or ""


# --- Values in words ----------------------------------------------------------------------------


def format_money(amount, currency: str) -> str:
    try:
        return money_text(Decimal(str(amount)), currency)
    except (InvalidOperation, ValueError):
        return str(amount)


def _when(value: str, with_time: bool) -> str:
    if with_time:
        parsed = parse_datetime(value)
        if parsed is None:
            return value
        if timezone.is_aware(parsed):
            parsed = timezone.localtime(parsed)
        return date_format(parsed, "SHORT_DATETIME_FORMAT")
    parsed = parse_date(value[:10])
    return date_format(parsed, "DATE_FORMAT") if parsed else value


def _yes_no(value) -> str:
    return _("yes") if value else _("no")


class Words:
    """Field labels and values in the viewer's language for one event."""

    def __init__(self, event: AuditEvent, lookups: Lookups):
        self.event = event
        self.model = event.target_type.model_class()
        self.lookups = lookups

    def label(self, name: str) -> str:
        found = model_field(self.model, name)
        if found is not None:
            return capfirst(str(found.verbose_name))
        if name in KEY_LABELS:
            return str(KEY_LABELS[name])
        if name in TriangleRole.values:
            return seat_name(name)
        return capfirst(name.replace("_", " "))

    def value(self, name: str, value) -> str | None:
        """The value in words, or None when there is none."""
        if value in (None, "", []):
            return None
        found = model_field(self.model, name)
        if found is not None:
            return self._field_value(found, value)
        if name in SAME_MODEL_KEYS:
            return self.lookups.name(self.model, value)
        if name in USER_KEYS:
            user_model = get_user_model()
            return ", ".join(self.lookups.name(user_model, pk) for pk in _ids(value)) or None
        if name == "gate":
            return gate_name(value)
        if name == "seat":
            return seat_name(value)
        if name in KEY_CHOICES and value in KEY_CHOICES[name].values:
            return str(KEY_CHOICES[name](value).label)
        if name in MONEY_KEYS:
            return format_money(value, self.lookups.currency(self.event))
        if name == "confidence":
            return f"{value}%"
        if name == "on" and isinstance(value, str):
            return _when(value, with_time=False)
        return self._plain(value)

    def _field_value(self, found, value) -> str | None:
        if found.many_to_many:
            return ", ".join(self.lookups.name(found.related_model, pk) for pk in _ids(value))
        if found.is_relation:
            if isinstance(value, int):
                return self.lookups.name(found.related_model, value)
            return str(value)  # already a name (older events stored str(obj))
        if found.choices:
            return str(dict(found.flatchoices).get(value, value))
        if isinstance(found, models.BooleanField):
            return _yes_no(value)
        if isinstance(found, models.DateTimeField) and isinstance(value, str):
            return _when(value, with_time=True)
        if isinstance(found, models.DateField) and isinstance(value, str):
            return _when(value, with_time=False)
        from ..money import MoneyField

        if isinstance(found, MoneyField):
            return format_money(value, self.lookups.currency(self.event))
        if isinstance(found, models.DecimalField):
            try:
                return number_format(Decimal(str(value)), use_l10n=True, force_grouping=True)
            except (InvalidOperation, ValueError):
                return str(value)
        return self._plain(value)

    def _plain(self, value) -> str:
        if isinstance(value, bool):
            return _yes_no(value)
        if isinstance(value, list):
            return ", ".join(self._plain(v) for v in value if v not in (None, ""))
        if isinstance(value, int | float | Decimal):
            return number_format(value, use_l10n=True, force_grouping=True)
        return str(value)

    def change(self, name: str, value) -> str:
        """One change as a phrase: "Budget set to ¥12,500,000.00"."""
        label = self.label(name)
        if not (isinstance(value, list) and len(value) == 2):
            shown = self.value(name, value)
            return _("%(field)s: %(value)s") % {"field": label, "value": shown or "—"}
        old, new = (self.value(name, v) for v in value)
        if old is None and new is None:
            return _("%(field)s unchanged") % {"field": label}
        if old is None:
            return _("%(field)s set to %(new)s") % {"field": label, "new": new}
        if new is None:
            return _("%(field)s cleared (was %(old)s)") % {"field": label, "old": old}
        return _("%(field)s changed from %(old)s to %(new)s") % {
            "field": label,
            "old": old,
            "new": new,
        }

    def changes(self, skip: tuple[str, ...] = ()) -> list[str]:
        return [
            self.change(name, value)
            for name, value in (self.event.changes or {}).items()
            if name not in skip
        ]
