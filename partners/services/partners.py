"""Writes on partners: create and edit, admission (准入) through the approval engine, the yearly
agreement, and qualification evidence with its review (资质审核)."""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import hooks, policy
from core.approvals.choices import ApprovalKind, ApprovalState
from core.approvals.engine import request_start
from core.audit import audit_record
from core.errors import Conflict, Forbidden, ValidationFailed
from core.fsm import transition_run
from core.messages import label, message
from core.notifications import notify
from core.records import insert_once, record_create, record_update
from core.uploads import checked_type, file_digest

from ..choices import PartnerState, QualificationKind, QualificationStatus
from ..models import Partner, PartnerAgreement, PartnerQualification

#: What a partner's edit may change; its state moves only through admission.
PARTNER_FIELDS = (
    "name",
    "tier",
    "territories",
    "product_lines",
    "manager",
    "org_unit",
    "contact_name",
    "contact_phone",
    "notes",
)
AGREEMENT_FIELDS = (
    "currency",
    "target_amount",
    "discount_min_pct",
    "discount_max_pct",
    "deposit_amount",
)


def split_names(values) -> list[str]:
    """A list of names (provinces, product lines) trimmed, without blanks or repeats."""
    if isinstance(values, str):
        values = values.replace("，", ",").replace("、", ",").split(",")
    seen, words = set(), []
    for value in values or []:
        word = " ".join(str(value).split())[:100]
        if word and word.casefold() not in seen:
            seen.add(word.casefold())
            words.append(word)
    return words


def _refuse_same_name(name: str, exclude_pk: int | None = None) -> None:
    twins = Partner.objects.filter(name__iexact=(name or "").strip())
    if exclude_pk is not None:
        twins = twins.exclude(pk=exclude_pk)
    if twins.exists():
        text = _("A partner named %(name)s exists already.") % {"name": name}
        raise ValidationFailed(text, code="partner_exists", fields={"name": [text]})


def _clean_data(data: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in data.items() if k in PARTNER_FIELDS}
    for key in ("territories", "product_lines"):
        if key in data:
            data[key] = split_names(data[key])
    if "name" in data:
        data["name"] = " ".join((data["name"] or "").split())
    return data


def partner_create(*, by: User, data: dict[str, Any]) -> Partner:
    """A new candidate partner run by `manager` (default: the creator), filed in the
    manager's unit; the manager and unit are held to the creator's scope."""
    if not policy.may(by, "partners.manage"):
        raise Forbidden(_("Your role does not manage channel partners."))
    data = _clean_data(data)
    manager = data.setdefault("manager", by)
    data.setdefault("org_unit", manager.org_unit)
    _refuse_same_name(data.get("name", ""))
    with transaction.atomic():
        return insert_once(
            lambda: record_create(Partner, by=by, data=data),
            refuse=lambda: _refuse_same_name(data.get("name", "")),
        )


def partner_update(
    *, partner: Partner, by: User, data: dict[str, Any], expected_version: int | None = None
) -> Partner:
    """Edit a partner one may change (its state moves only through admission); a new
    manager takes the partner into their unit unless another unit is named."""
    if not policy.can(by, partner, "change"):
        raise Forbidden(_("You may not change this record."))
    data = _clean_data(data)
    if data.get("manager") is not None and "org_unit" not in data:
        data["org_unit"] = data["manager"].org_unit  # filed with its new manager
    if "name" in data:
        _refuse_same_name(data["name"], exclude_pk=partner.pk)
    with transaction.atomic():
        return insert_once(
            lambda: record_update(partner, by=by, data=data, expected_version=expected_version),
            refuse=lambda: _refuse_same_name(data.get("name", ""), exclude_pk=partner.pk),
        )


def _locked(partner: Partner) -> Partner:
    return Partner.objects.select_for_update().select_related("manager").get(pk=partner.pk)


def partner_submit_admission(*, partner: Partner, by: User) -> Partner:
    """Ask for admission (准入): a candidate (or a refused partner, again) with at least one
    qualification document goes through the `partner_admission` approval chain."""
    if not policy.can(by, partner, "change"):
        raise Forbidden(_("You may not change this record."))
    with transaction.atomic():
        locked = _locked(partner)
        if locked.state not in (PartnerState.CANDIDATE, PartnerState.REFUSED):
            raise Conflict(
                _("This partner is “%(state)s”: only a candidate is submitted for admission.")
                % {"state": locked.get_state_display()},
                code="partner_state",
            )
        if not locked.qualifications.exclude(status=QualificationStatus.REJECTED).exists():
            text = _("Add a qualification document first (资质).")
            raise ValidationFailed(
                text, code="partner_not_qualified", fields={"qualifications": [text]}
            )
        transition_run(locked, "submit", by=by, internal=True)
        request_start(
            kind=ApprovalKind.PARTNER_ADMISSION,
            subject=locked,
            requester=by,
            org_unit=locked.org_unit,
            facts={"partner_tier": locked.tier, "product_lines": locked.product_lines},
            title=str(locked),
        )
    locked.refresh_from_db()
    return locked


def partner_admission_ended(request, partner: Partner, by: User, comment: str) -> None:
    """The admission's request ended (the engine calls this in its transaction): approved
    admits the partner and verifies the documents it was admitted on; rejected refuses it;
    sent back or withdrawn makes it a candidate again."""
    locked = _locked(partner)
    if locked.state != PartnerState.IN_ADMISSION:
        return
    if request.state == ApprovalState.APPROVED:
        transition_run(
            locked,
            "admit",
            by=by,
            comment=comment,
            internal=True,
            check_policy=False,
            update_fields=["admitted_at"],
        )
        # Admitting verifies the documents it was admitted on, each audited on the partner
        # (a handful per partner: one save each, not a state changed by .update()).
        for document in locked.qualifications.select_for_update().filter(
            status=QualificationStatus.PENDING
        ):
            _mark_reviewed(document, by, QualificationStatus.VERIFIED)
        hooks.emit("partner.admission_decided", partner=locked, decision="admitted", by=by)
    elif request.state == ApprovalState.REJECTED:
        transition_run(locked, "refuse", by=by, comment=comment, internal=True, check_policy=False)
        hooks.emit("partner.admission_decided", partner=locked, decision="refused", by=by)
    else:
        transition_run(locked, "reopen", by=by, comment=comment, internal=True, check_policy=False)


def partner_admission_waiting(request, partner: Partner, users) -> None:
    notify(
        recipients=users,
        kind="approval.waiting",
        target=request,
        url=partner.get_absolute_url(),
        email=True,
        message=message("partner.admission_waiting", partner=str(partner)),
    )


# --- agreements --------------------------------------------------------------------------------


def _refuse_second_agreement(partner: Partner, year) -> None:
    if PartnerAgreement.objects.filter(partner=partner, year=year).exists():
        text = _("%(partner)s has an agreement for %(year)s already; edit it.") % {
            "partner": partner,
            "year": year,
        }
        raise ValidationFailed(text, code="partner_agreement_exists", fields={"year": [text]})


def agreement_create(*, by: User, partner: Partner, data: dict[str, Any]) -> PartnerAgreement:
    """The channel agreement of one year (one per year: a constraint)."""
    if not policy.can(by, partner, "change"):
        raise Forbidden(_("You may not change this record."))
    year = data.get("year")
    fields = {k: v for k, v in data.items() if k in AGREEMENT_FIELDS}
    _refuse_second_agreement(partner, year)
    with transaction.atomic():
        agreement = insert_once(
            lambda: record_create(
                PartnerAgreement,
                by=by,
                data={"partner": partner, "year": year, **fields},
                check_scope=False,
            ),
            refuse=lambda: _refuse_second_agreement(partner, year),
        )
        audit_record(target=partner, action="agreement.added", actor=by, changes={"year": year})
    return agreement


def agreement_update(
    *, agreement: PartnerAgreement, by: User, data: dict[str, Any]
) -> PartnerAgreement:
    if not policy.can(by, agreement, "change"):
        raise Forbidden(_("You may not change this record."))
    fields = {k: v for k, v in data.items() if k in AGREEMENT_FIELDS}
    return record_update(agreement, by=by, data=fields, check_scope=False)


# --- qualifications ----------------------------------------------------------------------------


def qualification_upload(
    *,
    partner: Partner,
    by: User,
    file: UploadedFile,
    kind: str,
    valid_until: dt.date,
    title: str = "",
) -> PartnerQualification:
    """Attach a qualification document (checked as every evidence file is, `core.uploads`);
    it waits for review, or is verified with the admission. A partner user uploads to their
    own partner only (`portal.upload_documents`, ADR 21)."""
    if not (
        policy.can(by, partner, "change") or policy.may(by, "portal.upload_documents", partner)
    ):
        raise Forbidden(_("You may not change this record."))
    errors = {}
    if kind not in QualificationKind.values:
        errors["kind"] = [_("Choose the kind of document.")]
    if valid_until is None:
        errors["valid_until"] = [_("Required.")]
    elif valid_until < timezone.localdate():
        errors["valid_until"] = [_("This document has expired already.")]
    if file is None:
        errors["file"] = [_("Attach the file.")]
    if errors:
        raise ValidationFailed(_("The document is not valid."), fields=errors)
    content_type = checked_type(file)
    original_name = PurePath(file.name).name[:255]
    qualification = PartnerQualification(
        partner=partner,
        kind=kind,
        title=(title or "").strip()[:200],
        valid_until=valid_until,
        original_name=original_name,
        content_type=content_type,
        size=file.size,
        sha256=file_digest(file),
        uploaded_by=by,
    )
    qualification.file.save(original_name, file, save=False)
    try:
        with transaction.atomic():
            qualification.save()
            audit_record(
                target=partner,
                action="qualification.added",
                actor=by,
                comment=message(
                    "note.qualification",
                    kind=label(QualificationKind, kind),
                    until=valid_until.isoformat(),
                ),
            )
    except Exception:
        qualification.file.delete(save=False)  # a failed upload leaves no file behind
        raise
    return qualification


def qualification_review(
    *, qualification: PartnerQualification, by: User, status: str
) -> PartnerQualification:
    """A sales manager over the partner verifies or rejects a document (资质审核)."""
    partner = qualification.partner
    if not policy.may(by, "partners.review_qualifications", partner) or not policy.can(
        by, partner, "change"
    ):
        raise Forbidden(_("Only a sales manager over this partner reviews its documents."))
    if status not in (QualificationStatus.VERIFIED, QualificationStatus.REJECTED):
        raise ValidationFailed(
            _("Not a valid choice."), fields={"status": [_("Not a valid choice.")]}
        )
    with transaction.atomic():
        locked = PartnerQualification.objects.select_for_update().get(pk=qualification.pk)
        _mark_reviewed(locked, by, status)
    return locked


def _mark_reviewed(locked: PartnerQualification, by: User, status: str) -> None:
    locked.status, locked.reviewed_by, locked.reviewed_at = status, by, timezone.now()
    locked.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    audit_record(
        target=locked.partner,
        action="qualification.reviewed",
        actor=by,
        comment=message(
            "note.qualification_reviewed",
            kind=label(QualificationKind, locked.kind),
            status=label(QualificationStatus, status),
        ),
    )
