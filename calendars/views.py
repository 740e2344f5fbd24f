"""The feed itself (the token in the URL is its only key) and the person's own page that
shows, copies and regenerates its URL."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from .ics import feed_ics
from .selectors import active_feed, calendar_events, feed_owner, feed_url
from .services import calendar_feed_regenerate, calendar_feed_revoke


@require_GET
def feed(request, token: str):
    """The ICS a calendar application subscribes to: 404 for an unknown or revoked token or a
    deactivated person, never a hint which."""
    user = feed_owner(token)
    if user is None:
        raise Http404
    with translation.override(user.language or settings.LANGUAGE_CODE):
        body = feed_ics(calendar_events(user), name=user.get_full_name() or user.get_username())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="ltc.ics"'
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
def feed_settings(request):
    """GET: whether a feed is active; POST regenerate: a new URL, shown this once; POST
    revoke: the URL stops working."""
    url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            calendar_feed_revoke(user=request.user)
        else:
            _feed, token = calendar_feed_regenerate(user=request.user)
            url = feed_url(token)
    return render(
        request,
        "calendars/feed_settings.html",
        {"feed": active_feed(request.user), "url": url},
    )
