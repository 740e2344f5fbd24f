"""What a person's calendar feed shows: their dated work across the stages, each kind read
through the access policy, in a bounded window and a capped number of rows, in a fixed number
of queries (no query per event)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Activity, IronTriangleMember
from contracts.choices import DeliveryMilestoneState
from contracts.models import DeliveryMilestone
from core import policy
from core.gates.selectors import reviews_to_assess, reviews_to_decide
from opportunities.choices import BidState
from opportunities.models import Bid
from receivables.choices import OPEN_MILESTONE_STATES
from receivables.models import PaymentMilestone

from .models import CalendarFeed
from .services import token_hash

#: The window a feed covers, around today.
DAYS_BEFORE = 30
DAYS_AFTER = 365
#: At most this many events of each kind (the nearest first).
MAX_PER_KIND = 500


@dataclass(frozen=True)
class CalendarEvent:
    """One entry of the feed: all-day when `start` is a date, timed when a datetime."""

    uid: str
    start: dt.date | dt.datetime
    summary: str
    url: str
    description: str = ""


def feed_owner(token: str):
    """The active person whose active feed this token opens, or None (unknown, revoked, or
    the person deactivated). Marks the feed used."""
    if not token or len(token) > 200:
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if feed is None:
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed.user


def feed_url(token: str) -> str:
    """The address a calendar application subscribes to."""
    return _link(reverse("calendars:feed", args=[token]))


def active_feed(user) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


def _seat_q(user, team_path: str) -> Q:
    """Rows whose iron triangle (at `team_path`) seats this user."""
    return Q(Exists(IronTriangleMember.objects.filter(team=OuterRef(team_path), user=user)))


def _link(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _uid(kind: str, pk: int) -> str:
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "ltc"
    return f"{kind}-{pk}@{host}"


def _next_steps(user, start: dt.date, end: dt.date) -> list[CalendarEvent]:
    rows = (
        policy.restrict(Activity.objects.all(), user)
        .filter(
            owner=user,
            next_step_done_at__isnull=True,
            next_step_date__gte=start,
            next_step_date__lte=end,
        )
        .prefetch_related("subject")
        .order_by("next_step_date", "id")[:MAX_PER_KIND]
    )
    return [
        CalendarEvent(
            uid=_uid("next-step", a.pk),
            start=a.next_step_date,
            summary=_("Next step: %(step)s") % {"step": a.next_step},
            url=_link(a.subject.get_absolute_url()) if a.subject is not None else "",
            description=a.summary,
        )
        for a in rows
    ]


def _bids(user, start: dt.date, end: dt.date) -> list[CalendarEvent]:
    rows = (
        policy.restrict(Bid.objects.all(), user)
        .filter(
            state=BidState.PREPARING,
            deadline__date__gte=start,
            deadline__date__lte=end,
        )
        .filter(Q(opportunity__owner=user) | _seat_q(user, "opportunity__team"))
        .select_related("opportunity")
        .order_by("deadline", "id")[:MAX_PER_KIND]
    )
    return [
        CalendarEvent(
            uid=_uid("bid", b.pk),
            start=b.deadline,
            summary=_("Bid deadline: %(deal)s") % {"deal": b.opportunity.name},
            url=_link(b.get_absolute_url()),
            description=b.tender_reference,
        )
        for b in rows
    ]


def _gates(user, today: dt.date) -> list[CalendarEvent]:
    """Gates waiting on this person, on today: a to-do until it is done."""
    events: dict[int, CalendarEvent] = {}
    for rows, template in (
        (reviews_to_assess(user), _("Gate to assess: %(gate)s · %(title)s")),
        (reviews_to_decide(user), _("Gate to decide: %(gate)s · %(title)s")),
    ):
        for review in policy.restrict(rows, user)[:MAX_PER_KIND]:
            events[review.pk] = CalendarEvent(
                uid=_uid("gate", review.pk),
                start=today,
                summary=template % {"gate": review.get_kind_display(), "title": review.title},
                url=_link(review.get_absolute_url()),
                description=_("Waiting since %(date)s")
                % {"date": timezone.localtime(review.created_at).date().isoformat()},
            )
    return list(events.values())


def _deliveries(user, start: dt.date, end: dt.date) -> list[CalendarEvent]:
    rows = (
        policy.restrict(DeliveryMilestone.objects.all(), user)
        .filter(
            state=DeliveryMilestoneState.PLANNED,
            planned_date__gte=start,
            planned_date__lte=end,
        )
        .filter(Q(owner=user) | Q(contract__owner=user) | _seat_q(user, "contract__team"))
        .select_related("contract")
        .order_by("planned_date", "id")[:MAX_PER_KIND]
    )
    return [
        CalendarEvent(
            uid=_uid("delivery", m.pk),
            start=m.planned_date,
            summary=_("Delivery milestone: %(name)s · %(contract)s")
            % {"name": str(m), "contract": m.contract.number},
            url=_link(m.get_absolute_url()),
            description=m.contract.title,
        )
        for m in rows
    ]


def _payments(user, start: dt.date, end: dt.date) -> list[CalendarEvent]:
    rows = policy.restrict(PaymentMilestone.objects.all(), user).filter(
        state__in=OPEN_MILESTONE_STATES, due_date__gte=start, due_date__lte=end
    )
    if not policy.is_finance(user):  # finance follow every payment they may see
        rows = rows.filter(Q(contract__owner=user) | _seat_q(user, "contract__team"))
    rows = rows.select_related("contract").order_by("due_date", "id")[:MAX_PER_KIND]
    return [
        CalendarEvent(
            uid=_uid("payment", m.pk),
            start=m.due_date,
            summary=_("Payment due: %(name)s · %(contract)s")
            % {"name": m.name, "contract": m.contract.number},
            url=_link(m.get_absolute_url()),
            description=m.contract.title,
        )
        for m in rows
    ]


def calendar_events(user) -> list[CalendarEvent]:
    """Every event of `user`'s feed, from DAYS_BEFORE ago to DAYS_AFTER ahead."""
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=DAYS_BEFORE), today + dt.timedelta(days=DAYS_AFTER)
    return [
        *_next_steps(user, start, end),
        *_bids(user, start, end),
        *_gates(user, today),
        *_deliveries(user, start, end),
        *_payments(user, start, end),
    ]
