"""In-app notifications and the e-mails that go with them."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .jobs import enqueue
from .models import Notification


def notify(
    *,
    recipients: Iterable,
    kind: str,
    title: str,
    target: models.Model | None = None,
    url: str = "",
    body: str = "",
    email: bool = False,
    exclude=None,
) -> list[Notification]:
    """Tell each recipient (once, even if listed twice) about `target`; optionally by e-mail.

    Rows are written in the caller's transaction; e-mail goes out after it commits. Users who
    chose the daily digest get their e-mail in the digest instead.
    """
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
    rows = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind=kind,
            title=str(title)[:255],
            body=str(body),
            url=url,
            target_type=target_type,
            target_id=target.pk if target else None,
        )
        for user in users
    )
    if email:
        from .tasks import send_notification_emails

        ids = [n.pk for n, u in zip(rows, users, strict=True) if u.email and not u.email_digest]
        if ids:
            enqueue(send_notification_emails, ids)
    return rows


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
