"""Template helpers shared by every page: money, state badges, form field kinds."""

from __future__ import annotations

from django import forms, template
from django.http import QueryDict
from django.utils.html import format_html
from django.utils.translation import gettext as _

from core import policy
from core.money import amounts_shown as money_amounts_shown
from core.money import format_money

register = template.Library()

_TONES = {
    "ok": {
        "converted",
        "won",
        "paid",
        "signed",
        "accepted",
        "delivered",
        "closed",
        "evaluated",
        "go",
        "posted",
        "verified",
        "initiated",
        "approved",
        "reached",
        "done",
        "validated",
        "protected",
    },
    "bad": {
        "disqualified",
        "lost",
        "abandoned",
        "terminated",
        "stop",
        "written_off",
        "reversed",
        "withdrawn",
        "declined",
        "rejected",
        "cancelled",
        "failed",
        "stopped_at_gate",
    },
    "warn": {
        "hold",
        "suspended",
        "partly_paid",
        "due",
        "open",
        "bid_submitted",
        "pending_approval",
        "in_review",
        "raised",
        "pending_ruling",
    },
}


@register.filter
def money(amount, currency: str = "") -> str:
    """An amount with its currency, grouped per the active locale: ¥1,234,567.00."""
    return format_money(amount, currency)


@register.filter
def amounts_shown(record) -> bool:
    """Whether the user sees `record`'s amounts (see `money_of`)."""
    return money_amounts_shown(record)


@register.simple_tag
def money_of(record, amount, currency: str = ""):
    """`{% money_of o o.amount %}`: an amount of `record` in its currency (or `currency`), or
    the hidden marker "—" where the user may not see the record's amounts (the page's
    queryset annotated `amounts_shown` false: `policy.with_amounts_shown`, by `core.web`)."""
    if not amounts_shown(record):
        return format_html('<span class="muted" title="{0}">—</span>', _("Amount hidden"))
    return format_money(amount, currency or getattr(record, "currency", ""))


@register.simple_tag
def state_badge(obj, field: str = "state"):
    value = getattr(obj, field)
    label = getattr(obj, f"get_{field}_display")()
    tone = next((t for t, states in _TONES.items() if value in states), "info")
    return format_html('<span class="badge {}">{}</span>', tone, label)


@register.filter
def is_checkbox(field) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def describe_event(event) -> dict:
    """One audit event in words: {title, lines} (see core.timeline.describe). A whole timeline
    reads through `timeline_entries`, which reads names for all its events at once."""
    from core.timeline import describe

    return describe(event)


@register.simple_tag(takes_context=True)
def timeline_entries(context, events):
    """`{% timeline_entries timeline as tl %}`: the record's events as sentences, folded,
    filtered (`?timeline=gates`) and paged (`?timeline_page=2`) per the request."""
    from core.timeline import timeline_page

    request = context.get("request")
    return timeline_page(events, request.GET if request is not None else QueryDict())


@register.simple_tag
def dom_id(*parts) -> str:
    """An element id joined from parts ("milestone", 12, "accept" → "milestone-12-accept")."""
    return "-".join(str(part) for part in parts if part not in (None, ""))


@register.simple_tag(takes_context=True)
def may(context, name: str, obj=None) -> bool:
    """`{% may "receivables.handle_money" as may_record %}`: the access policy's named
    permission for the signed-in user (and `obj`), so a template never checks a role itself."""
    request = context.get("request")
    return policy.may(getattr(request, "user", None), name, obj)
