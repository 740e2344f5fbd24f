"""A timeline as a page shows it: filtered and limited in SQL, related events folded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext_lazy, ngettext, pgettext

from ..models import AuditEvent
from .sentences import actor_of, describe_events, record_of
from .words import Described, Entry, Words

PER_PAGE = 20
#: Events of one kind by one actor on one kind of record this close together read as one line.
GROUP_WINDOW = dt.timedelta(minutes=15)
GROUPABLE_ACTIONS = {"created", "updated"}

#: Actions about money besides edits of money fields (the "Money" filter).
MONEY_ACTIONS = (
    "payment_plan.set",
    "payment_plan.replanned",
    "payment_trigger.recorded",
    "receipt.recorded",
    "receipt.allocated",
    "receipt.reversed",
    "allocation.reversed",
    "write_off.requested",
    "invoice.cancelled",
    "quote.priced",
    "target.adjusted",
    "plan.target_set",
    "plan.target_removed",
    "driver.removed",
)

FILTERS = {
    "all": gettext_lazy("All"),
    "state": gettext_lazy("State changes"),
    "gates": gettext_lazy("Gates"),
    "money": gettext_lazy("Money"),
    "comments": gettext_lazy("Comments"),
}


@cache
def money_field_names() -> tuple[str, ...]:
    """The names of every money field: an edit of one is a money event."""
    from ..money import MoneyField

    return tuple(
        sorted(
            {
                f.name
                for model in apps.get_models()
                for f in model._meta.concrete_fields
                if isinstance(f, MoneyField)
            }
        )
    )


def filter_q(name: str) -> Q:
    if name == "state":
        return Q(action="transition")
    if name == "gates":
        return Q(action__startswith="gate.")
    if name == "money":
        return Q(action__in=MONEY_ACTIONS) | Q(
            action__in=("created", "updated"), changes__has_any_keys=list(money_field_names())
        )
    if name == "comments":
        return ~Q(comment="")
    return Q()


def _related(entry: list[Described], item: Described) -> bool:
    first, last = entry[0].event, entry[-1].event
    event = item.event
    return (
        event.action in GROUPABLE_ACTIONS
        and event.action == first.action
        and event.actor_id == first.actor_id
        and event.actor_name == first.actor_name
        and event.target_type_id == first.target_type_id
        and abs(last.at - event.at) <= GROUP_WINDOW
    )


def fold(items: list[Described]) -> list[Entry]:
    """Fold runs of related events (newest first) into one entry each."""
    runs: list[list[Described]] = []
    for item in items:
        if runs and _related(runs[-1], item):
            runs[-1].append(item)
        else:
            runs.append([item])
    return [_entry(run) for run in runs]


def _entry(run: list[Described]) -> Entry:
    if len(run) == 1:
        return Entry(items=run, sentence=run[0].sentence, details=run[0].details)
    event = run[0].event
    targets = {d.event.target_id for d in run}
    details = list(dict.fromkeys(line for d in reversed(run) for line in d.details))
    if len(targets) == 1:
        return Entry(items=run, sentence=run[0].sentence, details=details)
    words = Words(event, None)
    model = words.model
    count = len(targets)
    values = {
        "actor": actor_of(event),
        "count": count,
        "things": str(model._meta.verbose_name_plural) if model else record_of(words),
    }
    ticks = [d.event.changes.get("done") for d in run if isinstance(d.event.changes, dict)]
    if all(isinstance(t, list) and t for t in ticks) and all(t[-1] for t in ticks):
        sentence = ngettext(
            "%(actor)s ticked off %(count)d of the %(things)s.",
            "%(actor)s ticked off %(count)d of the %(things)s.",
            count,
        )
        items = pgettext("list separator", ", ").join(f"“{d.subject}”" for d in reversed(run))
        return Entry(items=run, sentence=sentence % values, details=[items])
    if event.action == "created":
        sentence = ngettext(
            "%(actor)s added %(count)d of the %(things)s.",
            "%(actor)s added %(count)d of the %(things)s.",
            count,
        )
    else:
        sentence = ngettext(
            "%(actor)s updated %(count)d of the %(things)s.",
            "%(actor)s updated %(count)d of the %(things)s.",
            count,
        )
    return Entry(items=run, sentence=sentence % values, details=details)


@dataclass
class FilterLink:
    key: str
    label: str
    url: str
    current: bool


@dataclass
class TimelinePage:
    entries: list[Entry]
    filters: list[FilterLink]
    current: str
    more_url: str


def _url(params: QueryDict, **changes) -> str:
    query = params.copy()
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}#timeline" if encoded else "?#timeline"


def timeline_page(events: models.QuerySet[AuditEvent], params: QueryDict) -> TimelinePage:
    """The newest `PER_PAGE × page` events matching the chosen filter, in words and folded.

    "Show more" asks for the next page; the query's LIMIT grows with it, never the whole trail.
    """
    current = params.get("timeline", "all")
    if current not in FILTERS:
        current = "all"
    try:
        page = max(1, min(int(params.get("timeline_page", 1)), 1000))
    except ValueError:
        page = 1
    if not isinstance(events, models.QuerySet) or events.query.is_sliced:
        # A caller's list or bounded slice: filter and page what it chose.
        chosen = [event.pk for event in events]
        events = AuditEvent.objects.filter(pk__in=chosen).select_related("actor", "target_type")
    limit = PER_PAGE * page
    rows = list(events.filter(filter_q(current))[: limit + 1])
    more = len(rows) > limit
    entries = fold(describe_events(rows[:limit]))
    filters = [
        FilterLink(key, str(label), _url(params, timeline=key, timeline_page=None), key == current)
        for key, label in FILTERS.items()
    ]
    more_url = _url(params, timeline_page=page + 1) if more else ""
    return TimelinePage(entries=entries, filters=filters, current=current, more_url=more_url)
