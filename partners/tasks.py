"""Celery jobs of channel partners: reminders of qualifications about to expire."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction

from core.messages import day, label, message
from core.notifications import notify

from .choices import QualificationKind
from .models import PartnerQualification, QualificationNotice
from .selectors import qualifications_expiring


@shared_task(acks_late=True)
def qualifications_remind() -> int:
    """Tell each partner manager, once per document and expiry date, that a verified
    qualification runs out within PARTNER_QUALIFICATION_REMIND_DAYS. The claim is a unique
    `QualificationNotice` row inserted in a savepoint before the reminder is written (ADR 7),
    so a second or concurrent run sends nothing twice."""
    sent = 0
    days = int(getattr(settings, "PARTNER_QUALIFICATION_REMIND_DAYS", 30))
    for pk in list(qualifications_expiring(within_days=days).values_list("pk", flat=True)):
        with transaction.atomic():
            document = (
                PartnerQualification.objects.select_related("partner__manager")
                .filter(pk=pk)
                .first()
            )
            if document is None:
                continue
            try:
                with transaction.atomic():
                    QualificationNotice.objects.create(
                        qualification=document, valid_until=document.valid_until
                    )
            except IntegrityError:
                continue  # reminded already (or by a concurrent run)
            notify(
                recipients=[document.partner.manager],
                kind="partner.qualification_expiring",
                target=document.partner,
                url=document.partner.get_absolute_url(),
                email=True,
                message=message(
                    "partner.qualification_expiring",
                    partner=str(document.partner),
                    kind=label(QualificationKind, document.kind),
                    until=day(document.valid_until),
                ),
            )
            sent += 1
    return sent
