"""In-app notifications and the e-mails that go with them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from .jobs import enqueue
from .messages import render
from .models import Notification

#: What cannot wait: these kinds go out by e-mail too, whatever the caller asked (a gate waiting
#: for the recipient's decision or assessment, an escalation, an approval a deal waits on, a
#: deadline). Users who chose the daily digest get them there instead.
URGENT_KINDS = frozenset(
    {
        "gate.assess",
        "gate.ready",
        "gate.escalated",
        "quote.approval_needed",
        "write_off.requested",
        "contract.confirm",
        "bid.deadline",
        "activity.overdue",
        "change.raised",
        "delivery.late",
        "approval.waiting",
        "approval.escalated",
    }
)
#: Kinds whose name starts so are urgent too (the payment reminders of overdue milestones).
URGENT_PREFIXES = ("payment_reminder.",)


def is_urgent(kind: str) -> bool:
    return kind in URGENT_KINDS or kind.startswith(URGENT_PREFIXES)


#: Further channels (the chat apps, ADR 24): each is called with the notifications just written,
#: in the caller's transaction, and queues its own sending. Registered by the app that owns the
#: channel from its `AppConfig.ready`, so the core imports none of them.
_channels: list[Callable[[list[Notification]], None]] = []


def register_channel(dispatch: Callable[[list[Notification]], None]) -> None:
    """Offer every new notification to `dispatch` too (idempotent)."""
    if dispatch not in _channels:
        _channels.append(dispatch)


def notify(
    *,
    recipients: Iterable,
    kind: str,
    message: dict,
    target: models.Model | None = None,
    url: str = "",
    body: str = "",
    email: bool = False,
    exclude=None,
) -> list[Notification]:
    """Tell each recipient (once, even if listed twice) about `target`; optionally by e-mail.

    `message` is a code with parameters (`core.messages.message(...)`), rendered in each
    reader's language when read; `body` is the sender's own words (a reason, a comment).

    Rows are written in the caller's transaction; e-mail goes out after it commits (always for
    an urgent kind, see `URGENT_KINDS`). Users who chose the daily digest get their e-mail in
    the digest instead.
    """
    email = email or is_urgent(kind)
    seen: set[int] = set()
    users = []
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        if exclude is not None and user.pk == exclude.pk:
            continue
        seen.add(user.pk)
        users.append(user)
    if not users:
        return []
    if not url and target is not None and hasattr(target, "get_absolute_url"):
        url = target.get_absolute_url()
    target_type = (
        ContentType.objects.get_for_model(target, for_concrete_model=False) if target else None
    )
    with translation.override("en"):
        title = render(message)[0]  # kept for the admin and as a fallback; pages render anew
    rows = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind=kind,
            message=message,
            title=title[:255],
            body=str(body),
            url=url,
            target_type=target_type,
            target_id=target.pk if target else None,
        )
        for user in users
    )
    if email:
        ids = [n.pk for n, u in zip(rows, users, strict=True) if u.email and not u.email_digest]
        if ids:
            enqueue("ltc.tasks.send_notification_emails", ids)
    for dispatch in _channels:
        dispatch(rows)
    return rows


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def email_text(notification: Notification) -> tuple[str, str]:
    """The subject and body of a notification's e-mail, in its recipient's language."""
    language = notification.recipient.language or settings.LANGUAGE_CODE
    link = f"{settings.SITE_URL.rstrip('/')}{notification.url}" if notification.url else ""
    with translation.override(language):
        title = notification.display_title
        if is_urgent(notification.kind):
            subject = _("[LTC CRM] Action needed: %(title)s") % {"title": title}
        else:
            subject = _("[LTC CRM] %(title)s") % {"title": title}
        parts = [title, notification.display_body]
        if link:
            parts.append(_("Open it in the CRM: %(link)s") % {"link": link})
        parts.append(
            _(
                "You get this e-mail because it cannot wait. Ask your administrator for the "
                "daily digest to get one e-mail a day instead."
            )
            if is_urgent(notification.kind)
            else _("Ask your administrator for the daily digest to get one e-mail a day instead.")
        )
    return subject, "\n\n".join(p for p in parts if p)


# --- Replies by e-mail ---------------------------------------------------------------------------

_REPLY_TOKEN = re.compile(r"n(\d{1,18})-([0-9a-f]{20})")


def _reply_signature(notification_id: int) -> str:
    return salted_hmac("core.notifications.reply", str(notification_id)).hexdigest()[:20]


def reply_address(notification: Notification) -> str:
    """`<local>+n<id>-<signature>@<domain>` of INBOUND_REPLY_ADDRESS, so a reply names its
    notification (and through it the recipient and the record); empty when not configured."""
    base = settings.INBOUND_REPLY_ADDRESS
    if "@" not in base:
        return ""
    local, domain = base.rsplit("@", 1)
    return f"{local}+n{notification.pk}-{_reply_signature(notification.pk)}@{domain}"


def reply_notification_id(token: str) -> int | None:
    """The notification a reply token names, or None when it is not one we signed."""
    match = _REPLY_TOKEN.fullmatch((token or "").strip().lower())
    if match is None:
        return None
    notification_id = int(match[1])
    if not constant_time_compare(_reply_signature(notification_id), match[2]):
        return None
    return notification_id
