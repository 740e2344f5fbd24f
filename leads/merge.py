"""Duplicate leads: finding them on capture, and merging one open lead into another.

A lead duplicates an open lead when both are for the same company (the normalised company
key) and give the same contact phone or e-mail (normalised). Capture through the API or a page
refuses it (409 `duplicate_lead`, naming the open lead) unless the capturer says
`allow_duplicate` (a second need of the same person is real); the web form, whose visitor
cannot act on a refusal, files it anyway with `duplicate_of` naming the open lead and tells
that lead's owner. Concurrent captures of one company take turns (`core.locks`), so the later
one's check sees the earlier lead. Merging (`lead_merge`) moves the duplicate's activities to
the survivor, fills its blanks and ends the duplicate in state "merged" through its
transition.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Activity, User
from accounts.normalise import normalise_email, normalise_phone
from core import hooks, locks, policy
from core.audit import audit_record
from core.errors import Conflict, Forbidden, ValidationFailed
from core.fsm import transition_run
from core.messages import message
from core.notifications import notify

from . import scoring
from .choices import OPEN_STATES
from .models import Lead

#: Lock scope of the lead duplicate check (core.locks): one key per company.
LEAD_IDENTITY = "leads.lead.identity"
#: Lock scope of committing lead imports (core.locks): held whole by an import's commit and
#: shared by each single capture.
LEAD_IMPORT = "leads.import"

#: Fields a merge copies from the duplicate when the survivor's are blank.
LEAD_MERGE_FILL = (
    "customer",
    "contact",
    "contact_name",
    "contact_phone",
    "contact_email",
    "product_interest",
    "region",
    "industry",
    "expected_close_date",
    "source_detail",
)
#: Amounts are copied only between leads of one currency.
LEAD_MERGE_AMOUNTS = ("estimated_amount", "budget_amount")
#: A BANT element the duplicate confirmed counts for the survivor.
LEAD_MERGE_FLAGS = (
    "budget_confirmed",
    "authority_identified",
    "need_confirmed",
    "timeline_confirmed",
)


def lead_duplicates(
    *, company_key: str, phone: str = "", email: str = "", exclude_pk: int | None = None
) -> list[Lead]:
    """Open leads for the company `company_key` with this contact phone or e-mail (normalised),
    oldest first. Not policy-scoped: the answer names only their number (the caller shows
    more only to whoever may see them)."""
    phone_key, email_key = normalise_phone(phone), normalise_email(email)
    if not company_key or not (phone_key or email_key):
        return []
    candidates = Lead.objects.filter(company_key=company_key, state__in=OPEN_STATES).order_by("pk")
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    return [
        lead
        for lead in candidates.only("pk", "title", "contact_phone", "contact_email", "owner_id")
        if (phone_key and normalise_phone(lead.contact_phone) == phone_key)
        or (email_key and normalise_email(lead.contact_email) == email_key)
    ][:20]


def lead_intake_lock(company_key: str) -> None:
    """Until the transaction ends, take turns with every concurrent capture for this company
    (and with a lead import being committed, which holds the import lock whole)."""
    locks.hold(LEAD_IMPORT, locks.WHOLE, shared=True)
    if company_key:
        locks.hold(LEAD_IDENTITY, company_key)


def lead_check_duplicate(
    data: dict[str, Any], *, company_key: str, allow_duplicate: bool, link: bool
) -> Lead | None:
    """The open lead `data` repeats, or None. Refused (409 `duplicate_lead`) unless
    `allow_duplicate` or `link` (the web form); then the caller files it as `duplicate_of`
    that lead. Call under `lead_intake_lock`."""
    found = lead_duplicates(
        company_key=company_key,
        phone=data.get("contact_phone", ""),
        email=data.get("contact_email", ""),
    )
    if not found:
        return None
    twin = found[0]
    if not (allow_duplicate or link):
        matched = (
            "contact_phone"
            if normalise_phone(data.get("contact_phone", ""))
            and normalise_phone(twin.contact_phone) == normalise_phone(data["contact_phone"])
            else "contact_email"
        )
        message = _("An open lead for this company has this contact already: #%(pk)s %(title)s.")
        message %= {"pk": twin.pk, "title": twin.title}
        raise Conflict(
            message,
            code="duplicate_lead",
            fields={matched: [message], "duplicate_of": [str(twin.pk)]},
        )
    return twin


def lead_duplicate_recorded(*, lead: Lead, twin: Lead, by: User | None) -> None:
    """Note on both timelines that `lead` probably repeats `twin`, and tell `twin`'s owner
    (who may merge them)."""
    comment = _("Possibly the same as lead #%(pk)s.")
    audit_record(
        target=lead,
        action="lead.possible_duplicate",
        actor=by,
        comment=comment % {"pk": twin.pk},
        changes={"duplicate_of": twin.pk},
    )
    audit_record(
        target=twin,
        action="lead.possible_duplicate",
        actor=by,
        comment=comment % {"pk": lead.pk},
        changes={"possible_duplicate": lead.pk},
    )
    owner = twin.owner if twin.owner_id else lead.owner
    if owner is not None:
        notify(
            recipients=[owner],
            kind="lead.duplicate",
            target=lead,
            exclude=by,
            message=message("lead.duplicate", pk=twin.pk, lead=str(lead)),
        )


def _check_mergeable(*, target: Lead, source: Lead, by: User) -> None:
    if source.pk == target.pk:
        raise ValidationFailed(
            _("A lead cannot be merged into itself."),
            fields={"source": [_("Choose another lead.")]},
        )
    for lead, field in ((source, "source"), (target, "target")):
        if not lead.is_open:
            message = _("Lead #%(pk)s is %(state)s: only open leads are merged.") % {
                "pk": lead.pk,
                "state": lead.get_state_display(),
            }
            raise ValidationFailed(message, fields={field: [message]})
        if not policy.can(by, lead, "change"):
            raise Forbidden(_("You may not change lead #%(pk)s.") % {"pk": lead.pk})


def _fill(target: Lead, source: Lead) -> dict[str, Any]:
    """The survivor's blank fields the duplicate has, and the duplicate's need appended."""
    filled: dict[str, Any] = {}
    for name in LEAD_MERGE_FILL:
        field = Lead._meta.get_field(name)
        theirs = getattr(source, field.attname)
        if theirs not in (None, "") and getattr(target, field.attname) in (None, ""):
            filled[name] = getattr(source, name)
    if source.currency == target.currency:
        for name in LEAD_MERGE_AMOUNTS:
            if getattr(source, name) is not None and getattr(target, name) is None:
                filled[name] = getattr(source, name)
    for name in LEAD_MERGE_FLAGS:
        if getattr(source, name) and not getattr(target, name):
            filled[name] = True
    need = source.need.strip()
    if need and need not in target.need:
        filled["need"] = f"{target.need.rstrip()}\n\n{need}".strip()
    return filled


def lead_merge(*, target: Lead, source: Lead, by: User) -> Lead:
    """Merge the open lead `source` (a duplicate) into the open lead `target`.

    The duplicate's activities (its follow-up record) move to the survivor, the survivor's
    blank fields are filled from it and its need is appended; leads pointing at the duplicate
    point at the survivor. The duplicate then ends in state "merged" (its `merge` transition,
    run through `transition_run`) with `merged_into` naming the survivor. A converted,
    disqualified or merged lead is not merged (400). Both rows are locked in id order and
    checked again, so of two concurrent merges of one duplicate one succeeds and the other
    gets 409 `merge_conflict`. Whoever may change both leads may merge them; both timelines
    record it.
    """
    _check_mergeable(target=target, source=source, by=by)
    with transaction.atomic():
        locked = {
            lead.pk: lead
            for lead in Lead.objects.select_for_update()
            .filter(pk__in=[target.pk, source.pk])
            .order_by("pk")
        }
        target, source = locked[target.pk], locked[source.pk]
        if not (target.is_open and source.is_open):
            raise Conflict(
                _("One of the leads was merged or closed meanwhile."), code="merge_conflict"
            )
        lead_type = ContentType.objects.get_for_model(Lead)
        moved = Activity.objects.filter(subject_type=lead_type, subject_id=source.pk).update(
            subject_id=target.pk, org_unit=target.org_unit_id
        )
        Lead.objects.filter(duplicate_of=source).exclude(pk=target.pk).update(duplicate_of=target)
        Lead.objects.filter(merged_into=source).update(merged_into=target)
        filled = _fill(target, source)
        for name, value in filled.items():
            setattr(target, name, value)
        if target.duplicate_of_id == source.pk:
            target.duplicate_of = None
            filled["duplicate_of"] = None
        target.version += 1
        target.save(update_fields=[*filled, "version", "updated_at"])

        source.merged_into = target
        transition_run(
            source,
            "merge",
            by=by,
            internal=True,
            comment=message("note.lead_merged_into", pk=target.pk, title=target.title),
            update_fields=["merged_into", "merged_at"],
        )
        audit_record(
            target=target,
            action="lead.merged",
            actor=by,
            comment=message("note.lead_merged_here", pk=source.pk, title=source.title),
            changes={
                "merged": source.pk,
                "activities": moved,
                **{k: ["", str(v) if v is not None else ""] for k, v in filled.items()},
            },
        )
        audit_record(
            target=source,
            action="lead.merged_into",
            actor=by,
            changes={"merged_into": target.pk},
        )
        score, breakdown = scoring.compute(target)
        Lead.objects.filter(pk=target.pk).update(score=score, score_breakdown=breakdown)
        target.score, target.score_breakdown = score, breakdown
        hooks.emit("lead.merged", lead=target, merged=source, by=by)
    return target
