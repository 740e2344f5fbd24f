"""Writes on leads: capture (pages, API, web form, import), edit, assign, distribute, score,
transitions."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any
from urllib.parse import urlsplit

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Activity, Customer, OrgUnit, User
from accounts.normalise import normalise_company_name
from core import policy
from core.audit import audit_record, diff
from core.errors import Forbidden, NotFound, ValidationFailed
from core.fsm import transition_run
from core.messages import message
from core.notifications import notify
from core.records import record_create, record_update

from . import scoring
from .choices import OPEN_STATES, LeadSource
from .distribution import Route, matching_customer, route
from .merge import lead_check_duplicate, lead_duplicate_recorded, lead_intake_lock
from .models import DistributionRule, Lead, LeadCaptureSource, LeadQualificationPolicy

#: Fields whose change changes the score.
SCORE_INPUTS = {
    "budget_confirmed",
    "authority_identified",
    "need_confirmed",
    "timeline_confirmed",
    "source",
    "estimated_amount",
    "currency",
    "customer",
}


def _is_lead_manager(user: User | None) -> bool:
    return policy.may(user, "leads.manage_distribution")


def _notify_owner(lead: Lead, *, by: User | None, kind: str = "lead.assigned") -> None:
    if lead.owner_id is None:
        return
    notify(
        recipients=[lead.owner],
        kind=kind,
        target=lead,
        exclude=by,
        message=message(
            "lead.distributed" if kind == "lead.distributed" else "lead.assigned", lead=str(lead)
        ),
        email=True,
    )


def lead_rescore(lead: Lead) -> Lead:
    """Recompute the lead's score and breakdown (a derived value: no new version, no audit)."""
    score, breakdown = scoring.compute(lead)
    if score != lead.score or breakdown != lead.score_breakdown:
        Lead.objects.filter(pk=lead.pk).update(score=score, score_breakdown=breakdown)
        lead.score, lead.score_breakdown = score, breakdown
    return lead


def leads_rescore(queryset: models.QuerySet[Lead]) -> int:
    """Recompute the scores of many leads in batches; returns how many changed."""
    changed = 0
    batch: list[Lead] = []
    now = timezone.now()
    for lead in queryset.select_related("customer").iterator(chunk_size=1000):
        score, breakdown = scoring.compute(lead, now=now)
        if score != lead.score or breakdown != lead.score_breakdown:
            lead.score, lead.score_breakdown = score, breakdown
            batch.append(lead)
        if len(batch) >= 1000:
            changed += Lead.objects.bulk_update(batch, ["score", "score_breakdown"])
            batch = []
    if batch:
        changed += Lead.objects.bulk_update(batch, ["score", "score_breakdown"])
    return changed


def _sync_activity_units(lead: Lead) -> None:
    """A lead's activities follow it to its new org unit, so its new team sees them."""
    Activity.objects.filter(
        subject_type=ContentType.objects.get_for_model(Lead), subject_id=lead.pk
    ).exclude(org_unit=lead.org_unit_id).update(org_unit=lead.org_unit_id)


def _check_owner(by: User | None, owner: User | None) -> None:
    if owner is None or by is None:
        return
    if not owner.is_active:
        raise ValidationFailed(_("This user is inactive."), fields={"owner": [_("Inactive.")]})
    if not policy.may_assign_to(by, owner):
        message = _("You may give leads only to yourself; a sales manager assigns them to others.")
        raise ValidationFailed(message, code="owner_not_assignable", fields={"owner": [message]})


def _apply_route(lead: Lead, decision: Route, *, by: User | None) -> Lead:
    """Give the lead to the routed owner / unit, audited with the reason."""
    data: dict[str, Any] = {}
    if decision.owner is not None and decision.owner.pk != lead.owner_id:
        data["owner"] = decision.owner
    if decision.org_unit.pk != lead.org_unit_id:
        data["org_unit"] = decision.org_unit
    if not data:
        return lead
    # The rules (a manager's, within their subtree) choose where the lead goes, not `by`.
    lead = record_update(lead, by=by, data=data, check_scope=False)
    audit_record(
        target=lead,
        action="lead.routed",
        actor=by,
        comment=decision.reason,
        changes={"owner": str(lead.owner or ""), "org_unit": str(lead.org_unit)},
    )
    if "org_unit" in data:
        _sync_activity_units(lead)
    if "owner" in data:
        _notify_owner(lead, by=by)
    return lead


def lead_create(
    *,
    by: User | None,
    data: dict[str, Any],
    allow_duplicate: bool = False,
    link_duplicate: bool = False,
) -> Lead:
    """Capture a lead, from any source.

    A lead repeating an open lead of the same company (same contact phone or e-mail) is
    refused with 409 `duplicate_lead` naming it, unless `allow_duplicate`; with it, or with
    `link_duplicate` (the web form, whose visitor cannot act on a refusal), the new lead is
    filed as `duplicate_of` the open one and that lead's owner is told (leads.merge).

    A company name that matches a customer's (normalised) links the lead to that customer.
    A customer with an account manager brings the lead to them (客户报备): a rep cannot keep a
    lead on someone else's account; only a manager may name another owner. Without an owner,
    the distribution rules may route it (to a team, and in turn to a rep). The score is
    computed, and a new owner other than the capturer is notified. What the capturer chose
    (unit, owner, customer, contact) is held to their scope; where 客户报备 or the rules then
    file the lead is not theirs to choose.
    """
    data = dict(data)
    chosen = {k: data[k] for k in ("owner", "org_unit", "customer", "contact") if k in data}
    company = (data.get("company_name") or "").strip()
    if data.get("customer") is None and not company:
        raise ValidationFailed(
            _("Name the customer or the company."),
            fields={"company_name": [_("Required without a customer.")]},
        )
    if data.get("customer") is None:
        data["customer"] = matching_customer(normalise_company_name(company))
    customer: Customer | None = data.get("customer")
    if customer is not None:
        if not data.get("region"):
            data["region"] = customer.region
        if not data.get("industry"):
            data["industry"] = customer.industry
    owner: User | None = data.get("owner")
    _check_owner(by, owner)
    policy.check_write_scope(Lead, by, chosen)
    registered = customer is not None and customer.owner_id and customer.owner.is_active
    if registered and (owner is None or not _is_lead_manager(by)):
        data["owner"], data["org_unit"] = customer.owner, customer.org_unit
    elif owner is not None and owner.org_unit_id and not data.get("org_unit"):
        data["org_unit"] = owner.org_unit
    data.setdefault("org_unit", getattr(by, "org_unit", None))
    if data["org_unit"] is None:
        raise ValidationFailed(
            _("Choose the org unit the lead belongs to."), fields={"org_unit": [_("Required.")]}
        )
    company_key = customer.normalised_name if customer else normalise_company_name(company)
    with transaction.atomic():
        lead_intake_lock(company_key)
        twin = lead_check_duplicate(
            data, company_key=company_key, allow_duplicate=allow_duplicate, link=link_duplicate
        )
        if twin is not None:
            data["duplicate_of"] = twin
        lead = record_create(Lead, by=by, data=data, check_scope=False)
        if twin is not None:
            lead_duplicate_recorded(lead=lead, twin=twin, by=by)
        if registered and data["owner"] == customer.owner:
            audit_record(
                target=lead,
                action="lead.routed",
                actor=by,
                comment=message("note.registered", customer=customer, owner=customer.owner),
            )
        elif lead.owner_id is None and (decision := route(lead, by=by)) is not None:
            lead = _apply_route(lead, decision, by=by)
            lead_rescore(lead)
            return lead
        lead_rescore(lead)
        if lead.owner_id and lead.owner_id != getattr(by, "pk", None):
            _notify_owner(lead, by=by)
    return lead


def lead_update(
    *, lead: Lead, by: User, data: dict[str, Any], expected_version: int | None = None
) -> Lead:
    """Edit a lead. A new owner must be one the editor may assign (themselves; a manager: the
    people of their subtree) and is notified; the lead moves to the owner's unit, and into
    no unit the editor may not file under (the access policy, in `record_update`). The score
    is recomputed when an input changed."""
    data = dict(data)
    if "owner" in data and data["owner"] != lead.owner:
        _check_owner(by, data["owner"])
        owner = data["owner"]
        if owner is not None and owner.org_unit_id and "org_unit" not in data:
            data["org_unit"] = owner.org_unit
    previous_owner_id, previous_unit_id = lead.owner_id, lead.org_unit_id
    with transaction.atomic():
        lead = record_update(lead, by=by, data=data, expected_version=expected_version)
        if SCORE_INPUTS & set(data):
            lead_rescore(lead)
        if lead.org_unit_id != previous_unit_id:
            _sync_activity_units(lead)
        if lead.owner_id and lead.owner_id != previous_owner_id:
            _notify_owner(lead, by=by)
    return lead


def lead_assign(*, lead: Lead, owner: User | None, by: User) -> Lead:
    """Give the lead to `owner` (or back to the team pool with None): a rep may take a lead
    for themselves or give theirs back; a manager may assign anyone in their subtree."""
    if not policy.can(by, lead, "change"):
        raise Forbidden(_("You may not change this lead."))
    return lead_update(lead=lead, by=by, data={"owner": owner})


def lead_distribute(
    *, lead: Lead, by: User, owner: User | None = None, reason: str = "", comment: str = ""
) -> Lead:
    """Hand a verified lead to its sales owner (a manager's step). With `owner`, that person;
    without, the lead's owner, else the customer's account manager (客户报备), else the
    distribution rules. The new owner is notified. A lead nobody is found for stays verified,
    with an error naming the missing owner."""
    if not policy.can(by, lead, "change"):
        raise Forbidden(_("You may not change this lead."))
    previous_owner_id = lead.owner_id
    with transaction.atomic():
        if owner is not None:
            lead = lead_update(lead=lead, by=by, data={"owner": owner})
        elif lead.owner_id is None and lead.is_open:
            decision = route(lead, by=by)
            if decision is not None and decision.owner is not None:
                lead = _apply_route(lead, decision, by=by)
        lead = transition_run(lead, "distribute", by=by, reason=reason, comment=comment)
        if lead.owner_id == previous_owner_id:  # a new owner was told when assigned
            _notify_owner(lead, by=by, kind="lead.distributed")
    return lead


def lead_transition(
    *, lead: Lead, name: str, by: User, reason: str = "", comment: str = ""
) -> Lead:
    """Run a lead transition (start_verification, verify, distribute, ...). Distributing finds
    an owner first when the lead has none (see `lead_distribute`)."""
    if name == "distribute":
        return lead_distribute(lead=lead, by=by, reason=reason, comment=comment)
    with transaction.atomic():
        lead = transition_run(lead, name, by=by, reason=reason, comment=comment)
    return lead


# --- Qualification (BANT) policy ----------------------------------------------------------------

_POLICY_FIELDS = ("require_budget", "require_authority", "require_timeline")


def lead_qualification_policy_set(
    *,
    by: User,
    org_unit: OrgUnit,
    require_budget: bool = True,
    require_authority: bool = True,
    require_timeline: bool = True,
) -> LeadQualificationPolicy:
    """Set which BANT elements verifying a lead requires in `org_unit`'s subtree (the need is
    always required). Administrators only; audited with the values before and after."""
    if not policy.may(by, "leads.administer"):
        raise Forbidden(_("Only administrators change how leads are qualified."))
    if org_unit is None:
        raise ValidationFailed(
            _("The qualification policy is not valid."), fields={"org_unit": [_("Required.")]}
        )
    after = {
        "require_budget": bool(require_budget),
        "require_authority": bool(require_authority),
        "require_timeline": bool(require_timeline),
    }
    with transaction.atomic():
        row, created = LeadQualificationPolicy.objects.select_for_update().get_or_create(
            org_unit=org_unit, defaults=after
        )
        before = (
            {name: True for name in _POLICY_FIELDS}
            if created
            else {name: getattr(row, name) for name in _POLICY_FIELDS}
        )
        if not created:
            for name, value in after.items():
                setattr(row, name, value)
            row.save(update_fields=[*_POLICY_FIELDS, "updated_at"])
        audit_record(
            target=row,
            action="created" if created else "updated",
            actor=by,
            changes=diff(before, after) if not created else after,
        )
    return row


# --- Web-to-lead ---------------------------------------------------------------------------------


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _clean_origins(origins: list[str] | None) -> list[str]:
    """Origins as a browser sends them (`https://www.example.com[:port]`), lower-cased, each
    once; anything with a path, a query or another scheme is refused."""
    cleaned: list[str] = []
    for raw in origins or []:
        text = str(raw).strip().rstrip("/").lower()
        parts = urlsplit(text)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.path
            or parts.query
            or parts.fragment
            or parts.username
            or parts.password
        ):
            raise ValidationFailed(
                _("The allowed origins are not valid."),
                fields={
                    "allowed_origins": [
                        _("“%(origin)s” is not an origin like https://www.example.com.")
                        % {"origin": raw}
                    ]
                },
            )
        if text not in cleaned:
            cleaned.append(text)
    return cleaned


def capture_source_create(
    *, by: User, name: str, org_unit: OrgUnit, allowed_origins: list[str] | None = None
) -> tuple[LeadCaptureSource, str]:
    """Register a website (or system) that may send leads; returns the source and its key,
    which is shown this once (only its hash is kept). Administrators only."""
    if not policy.may(by, "leads.administer"):
        raise Forbidden(_("Only administrators manage lead capture sources."))
    prefix = secrets.token_hex(6)
    key = f"lcs_{prefix}_{secrets.token_urlsafe(32)}"
    if not policy.assignable_units(by).filter(pk=getattr(org_unit, "pk", None)).exists():
        raise ValidationFailed(_("Choose an org unit."), fields={"org_unit": [_("Required.")]})
    origins = _clean_origins(allowed_origins)
    with transaction.atomic():
        source = record_create(
            LeadCaptureSource,
            by=by,
            audit=False,
            data={
                "name": name,
                "org_unit": org_unit,
                "key_prefix": prefix,
                "key_hash": _key_hash(key),
                "allowed_origins": origins,
                "created_by": by,
            },
        )
        audit_record(
            target=source,
            action="created",
            actor=by,
            changes={
                "name": name,
                "org_unit": str(org_unit),
                "key_prefix": prefix,
                "allowed_origins": origins,
            },
        )
    return source, key


def capture_source_update(
    *,
    source: LeadCaptureSource,
    by: User,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> LeadCaptureSource:
    """Rename a source or change the web pages that may post from the browser. The key stays.
    Administrators only."""
    if not policy.may(by, "leads.administer"):
        raise Forbidden(_("Only administrators manage lead capture sources."))
    data = {k: v for k, v in data.items() if k in ("name", "allowed_origins")}
    if "allowed_origins" in data:
        data["allowed_origins"] = _clean_origins(data["allowed_origins"])
    return record_update(source, by=by, data=data, expected_version=expected_version)


def capture_source_revoke(*, source: LeadCaptureSource, by: User) -> LeadCaptureSource:
    """Stop accepting leads with this source's key. Administrators only."""
    if not policy.may(by, "leads.administer"):
        raise Forbidden(_("Only administrators manage lead capture sources."))
    if not source.is_active:
        return source
    return record_update(source, by=by, data={"is_active": False, "revoked_at": timezone.now()})


class UnknownKey(Exception):
    """No source has this key."""


class RevokedKey(Exception):
    """The source was revoked."""


def capture_source_for_key(key: str) -> LeadCaptureSource:
    """The source a key belongs to (compared in constant time); UnknownKey or RevokedKey."""
    parts = (key or "").strip().split("_")
    if len(parts) < 3 or parts[0] != "lcs":
        raise UnknownKey
    source = (
        LeadCaptureSource.objects.select_related("org_unit").filter(key_prefix=parts[1]).first()
    )
    if source is None or not hmac.compare_digest(source.key_hash, _key_hash(key.strip())):
        raise UnknownKey
    if not source.is_active:
        raise RevokedKey
    return source


def origin_may_post(origin: str, source: LeadCaptureSource | None = None) -> bool:
    """Whether a browser page at `origin` may post leads: to `source`, or (for a CORS
    preflight, which carries no key) to any active source."""
    origin = (origin or "").strip().rstrip("/").lower()
    if not origin:
        return False
    if source is not None:
        return origin in (source.allowed_origins or [])
    lists = LeadCaptureSource.objects.filter(is_active=True).values_list(
        "allowed_origins", flat=True
    )
    return any(origin in (origins or []) for origins in lists.iterator())


def lead_capture_web(
    *,
    source: LeadCaptureSource,
    data: dict[str, Any],
    lead_source: str = LeadSource.WEB_FORM,
) -> Lead:
    """A lead from the company website: filed in the source's unit (the team pool) with the
    source "web form" (or `lead_source`: an e-mail is "customer inbound"), then routed like
    every new lead (客户报备, distribution rules)."""
    data = dict(data)
    company = data.pop("company")
    title = data.pop("title", "") or " · ".join(
        part for part in (company, data.get("product_interest", "")) if part
    )
    with transaction.atomic():
        lead = lead_create(
            by=None,
            link_duplicate=True,
            data={
                **data,
                "title": title[:200],
                "company_name": company,
                "source": lead_source,
                "source_detail": source.name[:200],
                "org_unit": source.org_unit,
            },
        )
        LeadCaptureSource.objects.filter(pk=source.pk).update(last_used_at=timezone.now())
    return lead


# --- Distribution rules ------------------------------------------------------------------------


def _check_rule(by: User, data: dict[str, Any], assignees: list[User] | None) -> None:
    """A manager's rule routes within their subtree (its units are held to it when it is
    saved) and to their people."""
    if not _is_lead_manager(by):
        raise Forbidden(_("Only sales managers and administrators manage distribution rules."))
    for user in assignees or []:
        if not policy.may_assign_to(by, user):
            raise ValidationFailed(
                _("You may not assign leads to %(name)s.") % {"name": user},
                fields={"assignees": [_("Not one of your people.")]},
            )


def distribution_rule_create(
    *, by: User, data: dict[str, Any], assignees: list[User] | None = None
) -> DistributionRule:
    """A new distribution rule, within the manager's own subtree."""
    data = dict(data)
    data.setdefault("org_unit", by.org_unit)
    _check_rule(by, data, assignees)
    with transaction.atomic():
        rule = record_create(DistributionRule, by=by, data=data)
        if assignees:
            rule.assignees.set(assignees)
    return rule


def distribution_rule_update(
    *,
    rule: DistributionRule,
    by: User,
    data: dict[str, Any],
    assignees: list[User] | None = None,
    expected_version: int | None = None,
) -> DistributionRule:
    if not policy.can(by, rule, "change"):
        raise NotFound(_("No such rule."))
    _check_rule(by, data, assignees)
    with transaction.atomic():
        rule = record_update(rule, by=by, data=data, expected_version=expected_version)
        if assignees is not None:
            before = sorted(rule.assignees.values_list("pk", flat=True))
            after = sorted(u.pk for u in assignees)
            if before != after:
                rule.assignees.set(assignees)
                audit_record(
                    target=rule, action="updated", actor=by, changes={"assignees": [before, after]}
                )
    return rule


# --- Reactions to other records' events (registered in hooks.py) ---------------------------------


def on_activity_logged(*, activity: Activity, by=None) -> None:
    """A lead's activity: remember when, and recount the score's activity part."""
    if activity.subject_type.model_class() is not Lead:
        return
    lead = Lead.objects.select_related("customer").filter(pk=activity.subject_id).first()
    if lead is None:
        return
    if lead.last_activity_at is None or activity.occurred_at > lead.last_activity_at:
        Lead.objects.filter(pk=lead.pk).update(last_activity_at=activity.occurred_at)
        lead.last_activity_at = activity.occurred_at
        lead_rescore(lead)


def on_customer_changed(*, customer: Customer, fields: list[str], by=None) -> None:
    """A customer's new name or tier: its leads' matching key and scores follow."""
    leads = Lead.objects.filter(customer=customer)
    if "name" in fields:
        leads.update(company_key=customer.normalised_name)
    if "tier" in fields:
        leads_rescore(leads.filter(state__in=OPEN_STATES))


def on_customer_merged(*, customer: Customer, merged: Customer, by=None) -> None:
    """Leads of a merged duplicate now belong to the survivor (the merge moved them)."""
    leads = Lead.objects.filter(customer=customer)
    leads.exclude(company_key=customer.normalised_name).update(company_key=customer.normalised_name)
    leads_rescore(leads.filter(state__in=OPEN_STATES))


def on_lead_converted(*, lead: Lead, opportunity, by=None) -> None:
    """The lead's activities before conversion named no customer when the lead had none yet:
    they now belong to the customer the conversion created or chose."""
    if lead.customer_id:
        Activity.objects.filter(
            subject_type=ContentType.objects.get_for_model(Lead),
            subject_id=lead.pk,
            customer__isnull=True,
        ).update(customer=lead.customer_id)
