"""Timeline sentences of credit sharing, in the reader's language (registered at start-up)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from accounts.models import User
from core.timeline.sentences import _said, actor_of, writes

from .choices import CreditSeat


def _shares_text(shares) -> str:
    if not isinstance(shares, list):
        return ""
    ids = [s.get("user") for s in shares if isinstance(s, dict)]
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=[i for i in ids if i])}
    seats = dict(CreditSeat.choices)
    return "; ".join(
        _("%(person)s (%(seat)s) %(pct)s%%")
        % {
            "person": names.get(s.get("user"), "—"),
            "seat": seats.get(s.get("seat"), s.get("seat")),
            "pct": format(Decimal(str(s.get("pct", "0"))).normalize(), "f"),
        }
        for s in shares
        if isinstance(s, dict)
    )


def _split(event, template: str):
    shares = (event.changes or {}).get("shares")
    details = [_("Shares: %(shares)s") % {"shares": _shares_text(shares)}] if shares else []
    if event.comment:
        details.append(event.comment)
    return _said(event, template % {"actor": actor_of(event)}, details)


@writes("credit_split.requested")
def _requested(event, words):
    return _split(event, _("%(actor)s asked for a new credit split."))


@writes("credit_split.approved")
def _approved(event, words):
    return _split(event, _("%(actor)s approved the credit split; it is now in force."))


@writes("credit_split.rejected")
def _rejected(event, words):
    return _split(event, _("%(actor)s rejected the credit split; the split in force stays."))


@writes("credit_split.withdrawn")
def _withdrawn(event, words):
    return _split(event, _("%(actor)s withdrew the credit split request."))


@writes("credit_default.changed")
def _default_changed(event, words):
    return _said(
        event,
        _("%(actor)s changed the default credit split.") % {"actor": actor_of(event)},
        words.changes(),
    )
