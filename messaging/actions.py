"""Deciding an approval or a gate from a chat message (ADR 24).

The message carries a link to `/messages/act/<signed>/`: `signed` is Django's signing of a
random token (salted, timestamped), and the database keeps only the token's SHA-256 in an
`ActionLink` row with its person, its decision, an expiry and `used_at`. The link identifies
the person but never signs them in: the page asks for a sign-in when there is no session and
comes back. Deciding is a POST that calls the same engine as the app (`request_decide`,
`gate_decide`, which check who may decide) and marks the link used in the same transaction,
by an UPDATE that only an unused link passes, so a replay finds it used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.approvals.choices import ApprovalState, TaskOutcome
from core.approvals.engine import request_decide
from core.approvals.models import ApprovalRequest, ApprovalTask
from core.choices import GateState
from core.gates.authority import may_decide
from core.gates.services import gate_decide
from core.models import GateReview, Notification

from .choices import ActionKind
from .models import ActionLink

SALT = "messaging.action-link"
GATE_KINDS = frozenset({"gate.ready", "gate.escalated"})


class LinkRefused(Exception):
    """A link that cannot be used: forged (404), someone else's (403), used or expired (410).
    A page's answer, never the API's."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, str(message)


def _gone(message: str) -> LinkRefused:
    return LinkRefused(410, message)


def lifetime() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "CHAT_ACTION_LINK_MINUTES", 240)))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_make(*, user, kind: str, object_id: int) -> str:
    """A new single-use link for `user` to decide `kind` #`object_id`; its path."""
    token = secrets.token_urlsafe(32)
    ActionLink.objects.create(
        token_hash=_hash(token),
        user=user,
        kind=kind,
        object_id=object_id,
        expires_at=timezone.now() + lifetime(),
    )
    return reverse("messaging:act", args=[signing.dumps(token, salt=SALT)])


def _waiting_request(notification: Notification) -> ApprovalRequest | None:
    if notification.target_type_id is None:
        return None
    tasks = ApprovalTask.objects.filter(
        assignee_id=notification.recipient_id,
        outcome=TaskOutcome.WAITING,
        request__state=ApprovalState.PENDING,
    )
    request_type = ContentType.objects.get_for_model(ApprovalRequest)
    if notification.target_type_id == request_type.pk:
        tasks = tasks.filter(request_id=notification.target_id)
    else:
        tasks = tasks.filter(
            request__subject_type_id=notification.target_type_id,
            request__subject_id=notification.target_id,
        )
    task = tasks.select_related("request").order_by("-created_at").first()
    return task.request if task is not None else None


def _open_gate(notification: Notification) -> GateReview | None:
    if notification.kind not in GATE_KINDS or notification.target_type_id is None:
        return None
    reviews = GateReview.objects.filter(
        subject_type_id=notification.target_type_id,
        subject_id=notification.target_id,
        state=GateState.OPEN,
    ).select_related("authority_unit")
    kind = ((notification.message or {}).get("params") or {}).get("review", {}).get("kind")
    if kind:
        reviews = reviews.filter(kind=kind)
    review = reviews.order_by("-pk").first()
    user = notification.recipient
    return review if review is not None and may_decide(user, review) else None


def action_url_for(notification: Notification) -> str:
    """The absolute decision link for a notification's recipient, if a decision of theirs waits
    behind it ("" otherwise)."""
    site = settings.SITE_URL.rstrip("/")
    review = _open_gate(notification)
    if review is not None:
        path = link_make(user=notification.recipient, kind=ActionKind.GATE, object_id=review.pk)
        return site + path
    request = _waiting_request(notification)
    if request is not None:
        path = link_make(
            user=notification.recipient, kind=ActionKind.APPROVAL, object_id=request.pk
        )
        return site + path
    return ""


def link_open(signed: str, user) -> ActionLink:
    """The link `signed` names, for `user`: a 404 when it is not ours, a 410 when used or
    expired, a 403 when it was sent to someone else."""
    try:
        token = signing.loads(signed, salt=SALT, max_age=lifetime())
    except signing.SignatureExpired as exc:
        raise _gone(_("This link has expired. Open the record in the CRM instead.")) from exc
    except signing.BadSignature as exc:
        raise LinkRefused(404, _("This link is not valid.")) from exc
    link = ActionLink.objects.filter(token_hash=_hash(str(token))).first()
    if link is None:
        raise LinkRefused(404, _("This link is not valid."))
    if link.user_id != user.pk:
        raise LinkRefused(
            403, _("This link was sent to someone else. Sign in as them, or open the CRM.")
        )
    if link.used_at is not None:
        raise _gone(_("This link has been used already. Open the record in the CRM."))
    if link.expires_at <= timezone.now():
        raise _gone(_("This link has expired. Open the record in the CRM instead."))
    return link


def subject_of(link: ActionLink):
    """The approval request or gate review the link decides."""
    model = GateReview if link.kind == ActionKind.GATE else ApprovalRequest
    return model.objects.filter(pk=link.object_id).first()


def choices_of(link: ActionLink) -> list:
    from core.approvals.choices import ApprovalDecision
    from core.choices import Decision

    return list((Decision if link.kind == ActionKind.GATE else ApprovalDecision).choices)


def link_decide(*, link: ActionLink, by, decision: str, comment: str = ""):
    """Decide through the engine and use the link up, in one transaction; a second use of the
    link (a replay, or two taps at once) is a 410."""
    with transaction.atomic():
        used = ActionLink.objects.filter(pk=link.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if not used:
            raise _gone(_("This link has been used already. Open the record in the CRM."))
        subject = subject_of(link)
        if link.kind == ActionKind.GATE:
            return gate_decide(review=subject, by=by, decision=decision, comment=comment)
        return request_decide(request=subject, by=by, decision=decision, comment=comment)
