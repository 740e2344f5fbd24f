"""The feed as iCalendar (RFC 5545) text, written by the `icalendar` library."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .selectors import CalendarEvent


def feed_ics(events: list[CalendarEvent], *, name: str) -> bytes:
    """A VCALENDAR with one VEVENT per event: all-day events on a DATE (ending the next day),
    timed ones as UTC instants; every event with its stable UID so clients update in place."""
    calendar = Calendar()
    calendar.add("prodid", "-//LTC CRM//Calendar feed//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("LTC CRM · %(name)s") % {"name": name})
    calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    stamp = timezone.now().astimezone(dt.UTC)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("summary", item.summary)
        if isinstance(item.start, dt.datetime):
            event.add("dtstart", item.start.astimezone(dt.UTC))
            event.add("dtend", item.start.astimezone(dt.UTC))
        else:
            event.add("dtstart", item.start)
            event.add("dtend", item.start + dt.timedelta(days=1))
            event.add("transp", "TRANSPARENT")  # a to-do on a day, not a busy block
        if item.url:
            event.add("url", item.url)
        if item.description:
            event.add("description", f"{item.description}\n{item.url}".strip())
        elif item.url:
            event.add("description", item.url)
        calendar.add_component(event)
    return calendar.to_ical()
