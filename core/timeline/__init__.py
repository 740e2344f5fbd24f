"""A record's timeline as people read it: one sentence per event in the viewer's language
(`sentences`), names and money read in bulk (`words`), related events folded, filtered and
paged in SQL (`pages`). The raw `changes` stay on each event for the API and the page's
expandable detail."""

from .pages import FILTERS, PER_PAGE, TimelinePage, timeline_page
from .sentences import SENTENCES, describe_events, has_sentence, writes


def describe(event) -> dict:
    """One event in words: {"title": its sentence, "lines": its changes as phrases} in the
    active language (a page of events reads through `describe_events` in bulk)."""
    described = describe_events([event])[0]
    return {"title": described.sentence, "lines": described.details}


__all__ = [
    "FILTERS",
    "PER_PAGE",
    "SENTENCES",
    "TimelinePage",
    "describe",
    "describe_events",
    "has_sentence",
    "timeline_page",
    "writes",
]
