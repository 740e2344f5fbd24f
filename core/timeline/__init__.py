"""A record's timeline as people read it: one sentence per event in the viewer's language
(`sentences`), names and money read in bulk (`words`), related events folded, filtered and
paged in SQL (`pages`). The raw `changes` stay on each event for the API and the page's
expandable detail."""

from .pages import FILTERS, PER_PAGE, TimelinePage, timeline_page
from .sentences import SENTENCES, describe_events, has_sentence, writes

__all__ = [
    "FILTERS",
    "PER_PAGE",
    "SENTENCES",
    "TimelinePage",
    "describe_events",
    "has_sentence",
    "timeline_page",
    "writes",
]
