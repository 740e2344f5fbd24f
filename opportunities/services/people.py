"""Writes on the decision chain (决策链) and the competitors of an opportunity, and on the
shared competitor catalogue."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.choices import ChainRole
from accounts.models import AccountChainMember, User
from accounts.services import contact_create
from core import policy
from core.audit import audit_record, snapshot
from core.errors import Conflict, Forbidden, ValidationFailed
from core.messages import label, message
from core.records import insert_once, record_create, record_update

from ..models import Competitor, DecisionChainMember, Opportunity, OpportunityCompetitor

CHAIN_FIELDS = ("contact", "role", "stance", "relationship", "coach_level", "reports_to", "notes")
COMPETITOR_FIELDS = (
    "competitor",
    "strengths",
    "weaknesses",
    "threat",
    "price_position",
    "is_incumbent",
    "notes",
)


def _check(by: User, opportunity: Opportunity) -> None:
    if not policy.can(by, opportunity, "change"):
        raise Forbidden(_("You may not change this opportunity."))
    if not opportunity.is_open:
        raise Conflict(_("The opportunity is closed."), code="opportunity_closed")


def _check_chain_refs(opportunity: Opportunity, data: dict, member=None) -> None:
    errors = {}
    contact = data.get("contact")
    if contact is not None and contact.customer_id != opportunity.customer_id:
        errors["contact"] = [_("Choose a person of this opportunity's customer.")]
    boss = data.get("reports_to")
    if boss is not None and (
        boss.opportunity_id != opportunity.pk or (member is not None and boss.pk == member.pk)
    ):
        errors["reports_to"] = [_("Choose another person on this decision chain.")]
    if errors:
        raise ValidationFailed(_("The decision-chain entry is not valid."), fields=errors)


def decision_chain_add(
    *,
    opportunity: Opportunity,
    by: User,
    data: dict[str, Any],
    new_contact: dict[str, Any] | None = None,
) -> DecisionChainMember:
    """Put a person of the customer on the decision chain: an existing contact, or a new one
    (`new_contact`: name, title, department) created on the customer at the same time."""
    _check(by, opportunity)
    data = {k: v for k, v in data.items() if k in CHAIN_FIELDS}
    with transaction.atomic():
        if new_contact and (new_contact.get("name") or "").strip():
            if data.get("contact") is not None:
                raise ValidationFailed(
                    _("Choose a contact or enter a new one, not both."),
                    fields={"contact": [_("Choose one.")]},
                )
            # Whoever works the deal names the customer's people on it.
            data["contact"] = contact_create(
                by=by,
                check_scope=False,
                data={
                    "customer": opportunity.customer,
                    **{
                        k: v for k, v in new_contact.items() if k in ("name", "title", "department")
                    },
                },
            )
        if data.get("contact") is None:
            raise ValidationFailed(_("Who is it?"), fields={"contact": [_("Required.")]})
        _check_chain_refs(opportunity, data)

        def refuse_second_entry():
            if DecisionChainMember.objects.filter(
                opportunity=opportunity, contact=data["contact"]
            ).exists():
                raise ValidationFailed(
                    _("%(name)s is already on the decision chain.") % {"name": data["contact"]},
                    fields={"contact": [_("Already on the decision chain.")]},
                )

        refuse_second_entry()
        member = insert_once(  # once per opportunity and contact: a unique constraint
            lambda: record_create(
                DecisionChainMember, by=by, data={**data, "opportunity": opportunity}, audit=False
            ),
            refuse=refuse_second_entry,
        )
        audit_record(
            target=member,
            action="decision_chain.added",
            actor=by,
            changes=snapshot(member, [f for f in CHAIN_FIELDS if f != "notes"]),
        )
    return member


def decision_chain_seed(*, opportunity: Opportunity, by: User) -> list[DecisionChainMember]:
    """Start a new opportunity's decision chain with a copy of its customer's standing chain
    (people and relationships outlast one deal); the deal's copy then evolves on its own."""
    account_chain = list(
        AccountChainMember.objects.filter(customer_id=opportunity.customer_id).select_related(
            "contact"
        )
    )
    if not account_chain:
        return []
    members = DecisionChainMember.objects.bulk_create(
        DecisionChainMember(
            opportunity=opportunity,
            **{f: getattr(m, f) for f in CHAIN_FIELDS if f != "reports_to"},
        )
        for m in account_chain
    )
    copy_of = {m.pk: copy for m, copy in zip(account_chain, members, strict=True)}
    bosses = []
    for m in account_chain:
        if m.reports_to_id in copy_of:
            copy_of[m.pk].reports_to = copy_of[m.reports_to_id]
            bosses.append(copy_of[m.pk])
    DecisionChainMember.objects.bulk_update(bosses, ["reports_to"])
    audit_record(
        target=opportunity,
        action="decision_chain.seeded",
        actor=by,
        comment=[
            message("note.person_role", contact=m.contact, role=label(ChainRole, m.role))
            for m in account_chain
        ],
    )
    return members


def decision_chain_update(
    *, member: DecisionChainMember, by: User, data: dict[str, Any]
) -> DecisionChainMember:
    """Change someone's role, stance, our relationship or their guide level (history kept)."""
    _check(by, member.opportunity)
    data = {k: v for k, v in data.items() if k in CHAIN_FIELDS and k != "contact"}
    _check_chain_refs(member.opportunity, data, member)
    return record_update(member, by=by, data=data)


def decision_chain_remove(*, member: DecisionChainMember, by: User) -> None:
    _check(by, member.opportunity)
    with transaction.atomic():
        audit_record(
            target=member.opportunity,
            action="decision_chain.removed",
            actor=by,
            comment=message(
                "note.person_role", contact=member.contact, role=label(ChainRole, member.role)
            ),
        )
        member.delete()


def competitor_create(*, by: User, data: dict[str, Any]) -> Competitor:
    """Add a company to the shared catalogue (any seller may; names are unique, any case)."""
    if by.is_finance:
        raise Forbidden(_("Finance does not maintain competitors."))
    name = (data.get("name") or "").strip()
    if Competitor.objects.filter(name__iexact=name).exists():
        raise ValidationFailed(
            _("%(name)s is already in the catalogue.") % {"name": name},
            fields={"name": [_("Already in the catalogue.")]},
        )
    try:
        with transaction.atomic():
            return record_create(Competitor, by=by, data={**data, "name": name})
    except IntegrityError:  # a colleague added the same name a moment ago
        raise ValidationFailed(
            _("%(name)s is already in the catalogue.") % {"name": name},
            fields={"name": [_("Already in the catalogue.")]},
        ) from None


def competitor_update(
    *, competitor: Competitor, by: User, data: dict[str, Any], expected_version: int | None = None
) -> Competitor:
    """Rename or retire a catalogue entry: sales managers and administrators."""
    if not (by.is_manager or by.is_admin):
        raise Forbidden(_("Only sales managers and administrators edit the catalogue."))
    if "name" in data:
        data = {**data, "name": data["name"].strip()}
        if Competitor.objects.filter(name__iexact=data["name"]).exclude(pk=competitor.pk).exists():
            raise ValidationFailed(
                _("%(name)s is already in the catalogue.") % {"name": data["name"]},
                fields={"name": [_("Already in the catalogue.")]},
            )
    return record_update(competitor, by=by, data=data, expected_version=expected_version)


def opportunity_competitor_add(
    *, opportunity: Opportunity, by: User, data: dict[str, Any]
) -> OpportunityCompetitor:
    """Name a competitor we meet on this deal, with our reading of them."""
    _check(by, opportunity)
    data = {k: v for k, v in data.items() if k in COMPETITOR_FIELDS}
    competitor = data.get("competitor")
    if competitor is None:
        raise ValidationFailed(_("Which competitor?"), fields={"competitor": [_("Required.")]})

    def refuse_second_entry():
        if OpportunityCompetitor.objects.filter(
            opportunity=opportunity, competitor=competitor
        ).exists():
            raise ValidationFailed(
                _("%(name)s is already listed.") % {"name": competitor},
                fields={"competitor": [_("Already listed on this opportunity.")]},
            )

    refuse_second_entry()
    with transaction.atomic():
        entry = insert_once(  # once per opportunity and competitor: a unique constraint
            lambda: record_create(
                OpportunityCompetitor, by=by, data={**data, "opportunity": opportunity}, audit=False
            ),
            refuse=refuse_second_entry,
        )
        audit_record(
            target=entry,
            action="competitor.added",
            actor=by,
            changes=snapshot(entry, ["competitor", "threat", "price_position", "is_incumbent"]),
        )
    return entry


def opportunity_competitor_update(
    *, entry: OpportunityCompetitor, by: User, data: dict[str, Any]
) -> OpportunityCompetitor:
    _check(by, entry.opportunity)
    data = {k: v for k, v in data.items() if k in COMPETITOR_FIELDS and k != "competitor"}
    return record_update(entry, by=by, data=data)


def opportunity_competitor_remove(*, entry: OpportunityCompetitor, by: User) -> None:
    _check(by, entry.opportunity)
    with transaction.atomic():
        audit_record(
            target=entry.opportunity,
            action="competitor.removed",
            actor=by,
            comment=str(entry.competitor),
        )
        entry.delete()
