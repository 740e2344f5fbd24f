"""Timeline sentences of calendar feeds, in the reader's language (registered at start-up)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.timeline.sentences import _said, actor_of, writes


@writes("calendar_feed.issued")
def _issued(event, words):
    return _said(event, _("%(actor)s made a new calendar feed URL.") % {"actor": actor_of(event)})


@writes("calendar_feed.revoked")
def _revoked(event, words):
    return _said(event, _("%(actor)s revoked a calendar feed URL.") % {"actor": actor_of(event)})
