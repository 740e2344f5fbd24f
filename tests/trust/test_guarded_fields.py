"""Every field with its own guarded action is read-only elsewhere (issue 16.3).

Every field a generic write takes (the bodies of the API's create, update and bulk routes, as
the schema documents them, and the pages' model forms; `fields.py` finds them) is either plain
data of its record (`PLAIN`) or guarded (`GUARDED`): written only through the rule, service or
action named in `GUARDS`, and a test here proves that a generic write of it is refused or
changes nothing. A new writable field fails `test_every_writable_field_is_plain_or_guarded`
until someone classifies it; a field made read-only fails `test_the_classification_is_current`
until it leaves the lists.

Fields an action owns outright are read-only on the generic routes, and so are not here: a
customer's tier (`tier-override`), every record's state (transitions), an opportunity's owner,
stage probability and win/loss (its team, transitions and `close-reason`), a checklist item's
tick (`check`), a plan action's status (`status`), numbers, versions, totals, scores.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from accounts.models import Contact, Customer
from contracts.models import Contract, DeliveryMilestone
from keyaccounts.models import AccountPlan, PurchaseDriver, TierChange
from keyaccounts.services.accounts import profile_for
from leads.models import DistributionRule
from opportunities.models import Bid, Opportunity, Product
from tests.factories import (
    ContractFactory,
    CustomerFactory,
    DirectContractRuleFactory,
    OpportunityFactory,
    team,
)

from .fields import api_fields, form_fields, scope_kind, target_of

pytestmark = pytest.mark.django_db

#: How each guarded field is written, and where that is proven.
GUARDS = {
    "scope": "the access policy: where it is filed, who owns it or sits on its team, what it "
    "is part of (derived and walked by test_access_matrix's write-into-another-scope column)",
    "quote": "set by the approved quote while one stands; a new quote version changes it",
    "signed": "fixed by signing; changed only by an approved change request (an amendment)",
    "replan": "moves only by an approved change once delivery has started",
    "manager": "a sales manager's call",
    "approved_quote": "only the deal's approved quote goes into its bid",
    "work_owner": "the work goes only to the record's team or someone the writer may assign",
    "team_only": "only who may change the deal reassigns a section or moves its due date",
    "own_deals": "a commitment names only the person's own opportunities",
    "assignable": "a rule hands leads only to people its manager may assign",
    "parent": "made only for a customer the writer may change",
    "duplicate_override": "adding a contact the customer has already (same e-mail or phone) "
    "is a sales manager's or an administrator's override (accounts.contact_dedupe)",
    "role_giver": "a configured role is given by an administrator, or by a sales manager to the "
    "people of their subtree in its units, never company-wide; a built-in role never (issue 20.1)",
    "direct_basis": "a contract made without an ATC names a rule that covers it as made by the "
    "writer (kind, unit, role, currency, amount, what it renews or calls off); fixed once made "
    "and judged again at signing (ADR 14)",
}

SIGNED_TERMS = {name: "signed" for name in Contract.SIGNED_TERMS}

GUARDED: dict[str, dict[str, str]] = {
    "accounts.activity": {"owner": "scope"},
    "accounts.contact": {"customer": "scope", "allow_duplicate": "duplicate_override"},
    "accounts.customeralias": {"customer": "scope"},
    "accounts.customer": {"owner": "scope", "org_unit": "scope"},
    "accounts.customerregistration": {"owner": "scope"},
    "contracts.changerequest": {"contract": "scope"},
    "contracts.contract": {
        "org_unit": "scope",
        "sr": "scope",
        "fr": "scope",
        "direct_rule": "direct_basis",
        **SIGNED_TERMS,
    },
    "contracts.contractdocument": {"contract": "scope"},
    "contracts.contractevaluation": {"contract": "scope"},
    "contracts.deliverable": {"contract": "scope", "owner": "work_owner"},
    "contracts.deliverymilestone": {
        "contract": "scope",
        "owner": "work_owner",
        "planned_date": "replan",
        "kind": "replan",
    },
    "keyaccounts.accountplan": {
        "owner": "scope",
        "sr": "scope",
        "fr": "scope",
        "customer": "parent",
    },
    "keyaccounts.accountprofile": {"strategic_value": "manager"},
    "keyaccounts.commitment": {"user": "scope", "opportunities": "own_deals"},
    "keyaccounts.planaction": {"plan": "scope", "owner": "scope"},
    "keyaccounts.planningsettings": {"org_unit": "scope"},
    "keyaccounts.plantarget": {"plan": "scope"},
    "keyaccounts.purchasedriver": {"customer": "parent"},
    "keyaccounts.salestarget": {"org_unit": "scope", "user": "scope"},
    "keyaccounts.tiercriteria": {"org_unit": "scope"},
    "leads.distributionrule": {"org_unit": "scope", "team": "scope", "assignees": "assignable"},
    "leads.lead": {"owner": "scope", "org_unit": "scope"},  # `assign` runs the same service
    "leads.leadcapturesource": {"org_unit": "scope"},
    "opportunities.bid": {
        "opportunity": "scope",
        "quote": "approved_quote",
        "bid_office": "work_owner",
    },
    "opportunities.bidchecklistitem": {"bid": "scope"},
    "opportunities.bidsection": {"owner": "work_owner", "due_at": "team_only"},
    "opportunities.decisionchainmember": {"opportunity": "scope"},
    "opportunities.opportunity": {
        "org_unit": "scope",
        "sr": "scope",
        "fr": "scope",
        "amount": "quote",
        "currency": "quote",
        "margin_pct": "quote",
    },
    "opportunities.opportunitycompetitor": {"opportunity": "scope"},
    # Rebate schemes (ADR 22): attached to an agreement the writer may change.
    "channels.rebatescheme": {"agreement": "scope"},
    # Channel partners (ADR 20): filed under the partner manager's unit, parts of a partner.
    "partners.partner": {"manager": "scope", "org_unit": "scope"},
    "partners.partneragreement": {"partner": "scope"},
    "partners.partnerqualification": {"partner": "scope"},
    "partners.partnerregistration": {"partner": "scope"},
    # Partner users (ADR 21): added to a partner one may change (the service asks).
    "partners.partnermember": {"partner": "scope"},
    "opportunities.quote": {"opportunity": "scope"},
    "receivables.writeoffrequest": {"milestone": "scope"},
    "accounts.roleassignment": {
        "user": "role_giver",
        "role": "role_giver",
        "org_unit": "role_giver",
        "scope": "role_giver",
    },
}


#: Plain data of each record (references to other records are scoped for viewing by the
#: access matrix's related-id test). Reference data written by administrators only (rules,
#: the catalogue, integrations) is plain: nobody else writes it at all.
PLAIN: dict[str, set[str]] = {
    "AllocationInputSerializer": {"amount", "invoice", "milestone"},
    # Agreement prices (issue 21.4): the customer or partner is one the writer may change (the
    # service asks; a scoped reference), the rest is data an approval chain judges.
    "AgreementPriceCreateSerializer": {
        *("currency", "customer", "partner", "price", "product", "valid_from", "valid_to"),
    },
    "ContactBulkRequestSerializer": {"items"},
    # Saved reports (ADR 32): one's own definition, shares and schedule; only the owner
    # writes them, and whoever reads a shared one counts their own scope.
    "SavedReportWriteSerializer": {
        *("definition", "name", "schedule", "shared_units", "shared_users"),
    },
    # Exchange rates (ADR 30): administrators' and finance's data, one per day and pair.
    "ltc.exchangerate": {"base", "date", "quote", "rate", "source"},
    "ExchangeRateBulkSerializer": {"items"},
    # Rebate schemes (ADR 22): terms of the agreement; the tiers are checked together by the
    # service (no overlap, no gap) and fixed once the scheme has accrued.
    "channels.rebatescheme": {"basis", "measure", "name", "notes", "period", "tiers"},
    "RebateSchemeUpdateSerializer": {"basis", "measure", "name", "notes", "period", "tiers"},
    "channels.rebatetier": {"fixed_amount", "lower", "rate_pct", "upper"},
    # A deal's credit split (issue 21.6): the deal is one the writer may change and each
    # share's person is on its seat or a colleague they may seat (the service asks, 400 each);
    # the split itself waits for the `credit_split` approval chain.
    "CreditSplitCreateSerializer": {"opportunity", "reason", "shares"},
    "CustomFieldChoiceSerializer": {"label_en", "label_zh", "value"},
    "CustomerBulkRequestSerializer": {"allow_duplicate", "items"},
    "GateOpenSerializer": {"kind", "subject_id", "subject_type"},
    # Documents (ADR 27): templates and the letterhead are administrators' reference data.
    "DocumentTemplateWriteSerializer": {"body", "kind", "language"},
    "documents.letterhead": {"address", "company_name", "company_name_en", "logo", "phone"},
    "ImportUploadSerializer": {"file", "kind"},
    "LeadCaptureSourceUpdateSerializer": {"allowed_origins", "name"},
    "MilestoneInputSerializer": {
        *("amount", "credit_days", "kind", "name", "percentage", "trigger", "trigger_date"),
    },
    "NewContactSerializer": {"department", "name", "title"},
    "PaymentPlanSerializer": {"contract", "milestones"},
    "QuoteLineInputSerializer": {"description", "discount_pct", "product", "quantity"},
    "StatementRequestSerializer": {"account", "lines"},
    "accounts.activity": {
        *("contact", "kind", "next_step", "next_step_date", "next_step_done", "notes"),
        *("occurred_at", "outcome", "subject_id", "subject_type", "summary"),
        *("promised_amount", "promised_payment_date"),
    },
    "accounts.accountchainmember": {
        *("coach_level", "contact", "notes", "relationship", "reports_to", "role", "stance"),
    },
    "accounts.contact": {
        "custom",  # checked by the record type's custom-field definitions (issue 20.2)
        *("customer_external_id", "department", "email", "external_id", "name", "notes"),
        *("phone", "title"),
    },
    "accounts.customer": {
        "custom",
        *("address", "allow_duplicate", "credit_code", "email", "external_id", "industry"),
        *("name", "parent", "phone", "region", "website"),
        *("annual_revenue", "revenue_currency"),
    },
    "accounts.customeralias": {"alias"},
    # 客户报备: the customer is one the writer may see (the related-id test); `contest` asks
    # for a manager's ruling instead of a 400 when a colleague holds the protection.
    "accounts.customerregistration": {"contest", "customer", "project"},
    # Administrators only (ADR 15): whom the company employs, where and as what.
    "UserWriteSerializer": {
        *("username", "email", "first_name", "last_name", "role", "org_unit", "title"),
        *("phone", "language", "is_active", "password"),
    },
    "contracts.changereplan": {"milestone", "planned_date"},
    "contracts.changerequest": {
        *("cost_impact", "customer_reference", "description", "new_amount", "new_ends_on"),
        *("replans", "requested_on", "scope", "title"),
    },
    "contracts.contract": {"custom", "customer_reference", "renewal_of", "title"},
    "contracts.contractdocument": {"file", "kind", "milestone", "title"},
    "contracts.contractevaluation": {"acceptance_rating", "actual_cost", "lessons_learnt"},
    "contracts.deliverable": {"description", "due_on", "name", "quantity", "unit"},
    "contracts.deliverymilestone": {"name", "note"},
    "integrations.apikey": {"name", "rate_limit", "scopes", "user"},
    # Channel partners: the state moves only through admission (read-only here); a
    # registration's customer is one the writer may see, its protection comes by approval.
    "partners.partner": {
        *("contact_name", "contact_phone", "name", "notes", "product_lines", "territories"),
        "tier",
    },
    "partners.partneragreement": {
        *("currency", "deposit_amount", "discount_max_pct", "discount_min_pct"),
        *("target_amount", "year"),
    },
    "partners.partnerqualification": {"file", "kind", "title", "valid_until"},
    # A partner user's sign-in: a new user of the role "partner", nothing else (ADR 21).
    "partners.partnermember": {"email", "first_name", "last_name", "password", "phone", "username"},
    "partners.partnerregistration": {
        *("contest", "currency", "customer", "description", "estimated_amount"),
        *("product_line", "project"),
    },
    "integrations.webhooksubscription": {"events", "is_active", "name", "url", "user"},
    # Chat apps (ADR 24): company configuration written by administrators only; the kind is
    # fixed once made (a 400), the secret write-only; a preference is the person's own.
    "messaging.chatchannel": {
        "agent_id",
        "app_id",
        "enabled",
        "endpoint",
        "kind",
        "name",
        "secret",
    },
    "messaging.chatidentity": {"external_id", "user", "vendor"},
    "messaging.channelpreference": {"channel", "enabled", "kind"},
    "keyaccounts.accountplan": {"currency", "ends_on", "name", "starts_on", "strategy"},
    "keyaccounts.accountprofile": {"intelligence", "relationship_level", "relationship_stage"},
    "keyaccounts.commitment": {
        *("amount", "currency", "metric", "note", "period", "period_kind", "year"),
    },
    "keyaccounts.planaction": {"due_on", "floor_amount", "floor_target", "product_line", "title"},
    "keyaccounts.planningsettings": {
        *("coverage_ratio", "currency", "high_potential_amount", "renewal_lead_days"),
        "strong_relationship_level",
    },
    "keyaccounts.plantarget": {"floor_amount", "product_line", "target_amount"},
    "keyaccounts.purchasedriver": {
        *("amount_per_unit", "currency", "name", "notes", "product_line", "unit", "volume"),
    },
    "keyaccounts.salestarget": {
        *("amount", "currency", "metric", "months", "note", "quarter_weights", "split", "year"),
    },
    "keyaccounts.tiercriteria": {
        *("currency", "is_active", "lookback_days", "match", "name", "product_line"),
        *(
            f"{tier}_min_{measure}"
            for tier in ("key", "strategic")
            for measure in (
                "potential",
                "revenue",
                "share_pct",
                "value",
            )
        ),
    },
    "leads.distributionrule": {
        *("assign_owner", "industry", "is_active", "name", "priority", "product_keywords"),
        "regions",
    },
    "leads.lead": {
        "custom",
        *("authority_identified", "budget_amount", "budget_confirmed", "buying_pattern"),
        *("company_name", "contact", "contact_email", "contact_name", "contact_phone"),
        *("currency", "customer", "estimated_amount", "expected_close_date", "industry"),
        *("need", "need_confirmed", "product_interest", "region", "source", "source_detail"),
        *("allow_duplicate", "timeline_confirmed", "title"),
    },
    "leads.leadcapturesource": {"allowed_origins", "name"},
    # Inbound mailboxes (issue 22.5): administrators only, in the Django admin.
    "mailin.mailbox": {
        *("folder", "host", "is_active", "move_to", "name", "password", "port", "source"),
        *("use_ssl", "username"),
    },
    # Administrators only; the key, record type and type are fixed once made (the service).
    "ltc.customfield": {
        *("choices", "key", "label_en", "label_zh", "position", "required_in_states"),
        *("retired", "show_in_list", "target", "type"),
    },
    "ltc.authorityrule": {
        *("currency", "escalate_on_high_risk", "gate_kind", "is_active", "max_amount"),
        *("min_down_payment_pct", "min_margin_pct", "org_unit"),
    },
    "ltc.savedview": {"name", "page", "query", "shared"},
    # Company configuration (administrators); a chain's steps are validated as a whole.
    "ltc.approvalchain": {"active", "kind", "name", "steps"},
    # One's own stand-in while away (from_user is the writer; cycles refused).
    "ltc.delegation": {"ends_on", "starts_on", "to_user"},
    "opportunities.bid": {"deadline", "tender_reference"},
    "opportunities.bidchecklistitem": {"required", "text"},
    "opportunities.bidsection": {"notes", "status"},
    "opportunities.competitor": {"is_active", "name", "notes", "website"},
    "opportunities.decisionchainmember": {
        *("coach_level", "contact", "new_contact", "new_contact_name", "new_contact_title"),
        *("notes", "relationship", "reports_to", "role", "stance"),
    },
    "opportunities.opportunity": {
        "custom",
        *("customer", "description", "down_payment_pct", "expected_close_date"),
        *("forecast_category", "liability_cap_pct", "name", "payment_terms", "product_line"),
        "warranty_months",
    },
    "opportunities.opportunitycompetitor": {
        *("competitor", "is_incumbent", "notes", "price_position", "strengths", "threat"),
        "weaknesses",
    },
    "opportunities.pricingrule": {"approver", "is_active", "max_discount_pct", "org_unit", "role"},
    "opportunities.product": {
        *("code", "cost", "currency", "is_active", "list_price", "name", "product_line"),
        *("tax_rate_pct", "unit"),
    },
    "opportunities.quote": {"lines", "notes", "valid_until"},
    "opportunities.stageprobability": {"org_unit", "probability_pct", "stage"},
    "opportunities.stagenorm": {"norm_days", "gate_norm_days"},
    # Discount targets (issue 21.4): administrators only (the service asks), one per line/year.
    "opportunities.discounttarget": {"product_line", "year", "max_discount_pct"},
    "accounts.roledefinition": {"code", "description", "name_en", "name_zh", "permissions"},
    # Sign-in mapping rules (ADR 25): administrators only, every field through the service.
    "accounts.ssomappingrule": {
        *("claim", "grant_role", "grant_scope", "is_active", "org_unit", "pattern", "priority"),
        "role",
    },
    "contracts.directcontractrule": {
        *("currency", "is_active", "kind", "max_amount", "name", "org_unit", "roles"),
    },
    "leads.leadqualificationpolicy": {
        *("org_unit", "require_authority", "require_budget", "require_timeline"),
    },
    "receivables.invoice": {"amount", "invoice_number", "issued_on", "kind", "milestone", "note"},
    # Its terms change through the payment plan; PATCH writes only the custom values.
    "receivables.paymentmilestone": {"custom"},
    "receivables.writeoffrequest": {"reason"},
    "receivables.receipt": {
        *("allocations", "allow_duplicate", "amount", "auto_allocate", "bank_reference"),
        *("contract", "currency", "customer", "method", "note", "overpayment", "received_on"),
    },
}


def writable() -> list[tuple]:
    return api_fields() + form_fields()


def guarded(guard: str) -> set[tuple[str, str]]:
    return {(s, f) for s, fields in GUARDED.items() for f, g in fields.items() if g == guard}


# --- The walk ------------------------------------------------------------------------------------


def test_every_writable_field_is_plain_or_guarded():
    unclassified = sorted(
        {
            f"{subject}.{name} ({where})"
            for subject, name, where, _field in writable()
            if name not in PLAIN.get(subject, ()) and name not in GUARDED.get(subject, {})
        }
    )
    assert not unclassified, "classify these (PLAIN or GUARDED):\n" + "\n".join(unclassified)


def test_the_classification_is_current():
    seen = {(subject, name) for subject, name, _where, _field in writable()}
    listed = {(s, f) for s, fields in PLAIN.items() for f in fields}
    listed |= {(s, f) for s, fields in GUARDED.items() for f in fields}
    assert not listed - seen, f"no longer writable anywhere: {sorted(listed - seen)}"
    assert not {(s, f) for s, fields in PLAIN.items() for f in fields} & {
        (s, f) for s, fields in GUARDED.items() for f in fields
    }


def test_every_guard_is_described_and_proven():
    used = {g for fields in GUARDED.values() for g in fields.values()}
    assert used <= set(GUARDS)
    for guard in used:
        assert f"test_{guard}_fields_refuse_a_generic_write" in globals(), guard


def test_scope_fields_refuse_a_generic_write():
    """Each is a field the access matrix derives from the model's access spec and walks for
    every role (a unit, owner, seat or parent outside the scope is refused, nothing changes)."""
    for subject, name, where, field in writable():
        if GUARDED.get(subject, {}).get(name) != "scope":
            continue
        model = apps.get_model(subject)
        source = getattr(field, "source", None) or name
        assert scope_kind(model, name, source, target_of(field)), (subject, name, where)


# --- Proofs: a generic write of each guarded field is refused or changes nothing ----------------


def refused_or_ignored(response, record, name: str, before) -> None:
    """The write did not change `name`; if it was refused, the refusal names it."""
    assert response.status_code < 500, (name, response.status_code)
    if response.status_code >= 400:
        assert name in response.json()["fields"], (name, response.json())
    record.refresh_from_db()
    assert getattr(record, name) == before, (name, response.status_code)


def patch(client, url: str, body: dict):
    return client.patch(url, body, format="json")


def test_quote_fields_refuse_a_generic_write(org, api):
    opportunity = OpportunityFactory(owner=org.rep, team=team(ar=org.rep, sr=org.sr, fr=org.fr))
    product = Product.objects.create(
        code="RT-1", name="Router", list_price=Decimal("1000"), cost=Decimal("600")
    )
    rep = api(org.rep)
    quote = rep.post(
        "/api/v1/quotes/",
        {"opportunity": opportunity.pk, "lines": [{"product": product.pk, "quantity": "2"}]},
        format="json",
    ).json()
    assert rep.post(f"/api/v1/quotes/{quote['id']}/submit/", {}, format="json").json()["state"] == (
        "approved"
    )
    values = {"amount": "1.00", "currency": "USD", "margin_pct": "5.00"}
    assert guarded("quote") == {("opportunities.opportunity", f) for f in values}
    opportunity.refresh_from_db()
    for name, value in values.items():
        before = getattr(opportunity, name)
        response = patch(rep, f"/api/v1/opportunities/{opportunity.pk}/", {name: value})
        assert response.status_code == 400
        refused_or_ignored(response, opportunity, name, before)


def _sign(api, org, contract) -> Contract:
    client = api(org.rep)
    signed = client.post(f"/api/v1/contracts/{contract.pk}/transitions/sign/", {}, format="json")
    assert signed.status_code == 200, signed.json()
    contract.refresh_from_db()
    return contract


def test_signed_fields_refuse_a_generic_write(org, api):
    framework = ContractFactory(owner=org.rep, kind="framework", team=team(ar=org.rep))
    contract = ContractFactory(
        owner=org.rep,
        team=team(ar=org.rep, fr=org.fr),
        planned_cost=Decimal("700000"),
        signed_on=dt.date(2026, 1, 5),
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 12, 31),
        terms="Scope as agreed.",
        payment_terms="30% on signing.",
    )
    contract = _sign(api, org, contract)
    values = {
        "customer": CustomerFactory(owner=org.rep).pk,
        "kind": "framework",
        "framework": framework.pk,
        "amount": "1.00",
        "currency": "USD",
        "tax_rate_pct": "6.00",
        "planned_cost": "1.00",
        "signed_on": "2026-01-06",
        "starts_on": "2026-02-02",
        "ends_on": "2027-01-01",
        "terms": "Other.",
        "payment_terms": "All up front.",
    }
    assert guarded("signed") == {("contracts.contract", f) for f in values}
    for name, value in values.items():
        before = getattr(contract, name)
        response = patch(api(org.rep), f"/api/v1/contracts/{contract.pk}/", {name: value})
        refused_or_ignored(response, contract, name, before)


def test_replan_fields_refuse_a_generic_write(org, api):
    contract = ContractFactory(
        owner=org.rep, team=team(ar=org.rep, fr=org.fr), signed_on=dt.date(2026, 1, 5)
    )
    milestone = DeliveryMilestone.objects.create(
        contract=contract, kind="arrival", planned_date=dt.date(2030, 1, 10)
    )
    Contract.objects.filter(pk=contract.pk).update(state="in_delivery")  # delivery has started
    values = {"planned_date": "2030-02-01", "kind": "acceptance"}
    assert guarded("replan") == {("contracts.deliverymilestone", f) for f in values}
    for name, value in values.items():
        before = getattr(milestone, name)
        response = patch(api(org.fr), f"/api/v1/delivery-milestones/{milestone.pk}/", {name: value})
        assert response.status_code == 409
        refused_or_ignored(response, milestone, name, before)


def test_manager_fields_refuse_a_generic_write(org, api):
    profile = profile_for(CustomerFactory(owner=org.rep))
    assert guarded("manager") == {("keyaccounts.accountprofile", "strategic_value")}
    url = f"/api/v1/account-profiles/{profile.pk}/"
    response = patch(api(org.rep), url, {"strategic_value": 5})
    assert response.status_code == 403
    profile.refresh_from_db()
    assert profile.strategic_value != 5
    assert patch(api(org.manager), url, {"strategic_value": 5}).status_code == 200


def _bid(api, org) -> Bid:
    opportunity = OpportunityFactory(owner=org.rep, team=team(ar=org.rep, sr=org.sr, fr=org.fr))
    Opportunity.objects.filter(pk=opportunity.pk).update(state="guiding")
    deadline = (timezone.now() + dt.timedelta(days=5)).isoformat()
    made = api(org.rep).post(
        "/api/v1/bids/", {"opportunity": opportunity.pk, "deadline": deadline}, format="json"
    )
    assert made.status_code == 201, made.json()
    return Bid.objects.get(pk=made.json()["id"])


def test_approved_quote_fields_refuse_a_generic_write(org, api):
    bid = _bid(api, org)
    draft = api(org.rep).post(
        "/api/v1/quotes/", {"opportunity": bid.opportunity_id, "lines": []}, format="json"
    )
    assert guarded("approved_quote") == {("opportunities.bid", "quote")}
    response = patch(api(org.rep), f"/api/v1/bids/{bid.pk}/", {"quote": draft.json()["id"]})
    assert response.status_code == 400
    refused_or_ignored(response, bid, "quote", None)


def test_work_owner_fields_refuse_a_generic_write(org, api):
    """The work goes to the record's team or to someone the writer may assign, never to a
    colleague elsewhere (who would be told about a record they cannot open)."""
    outsider = org.other_team_rep
    bid = _bid(api, org)
    section = bid.sections.get(kind="technical")
    contract = ContractFactory(owner=org.rep, team=team(ar=org.rep, fr=org.fr))
    rep = api(org.rep)
    assert guarded("work_owner") == {
        ("opportunities.bid", "bid_office"),
        ("opportunities.bidsection", "owner"),
        ("contracts.deliverable", "owner"),
        ("contracts.deliverymilestone", "owner"),
    }
    other = OpportunityFactory(owner=org.rep, team=team(ar=org.rep, sr=org.sr, fr=org.fr))
    Opportunity.objects.filter(pk=other.pk).update(state="guiding")
    deadline = (timezone.now() + dt.timedelta(days=5)).isoformat()
    office = rep.post(
        "/api/v1/bids/",
        {"opportunity": other.pk, "deadline": deadline, "bid_office": outsider.pk},
        format="json",
    )
    assert office.status_code == 400 and "bid_office" in office.json()["fields"]
    assert not Bid.objects.filter(opportunity=other).exists()
    response = patch(rep, f"/api/v1/bid-sections/{section.pk}/", {"owner": outsider.pk})
    assert response.status_code == 400
    refused_or_ignored(response, section, "owner", org.sr)
    for url in ("/api/v1/deliverables/", "/api/v1/delivery-milestones/"):
        body = {"contract": contract.pk, "name": "Routers", "kind": "arrival", "owner": outsider.pk}
        body.update({"due_on": "2030-01-01", "planned_date": "2030-01-01"})
        response = rep.post(url, body, format="json")
        assert response.status_code == 400 and "owner" in response.json()["fields"], url
    assert not contract.deliverables.exists() and not contract.delivery_milestones.exists()


def test_team_only_fields_refuse_a_generic_write(org, api):
    bid = _bid(api, org)
    section = bid.sections.get(kind="technical")  # the SR's
    moved = api(org.rep).put(
        f"/api/v1/opportunities/{bid.opportunity_id}/team/", {"sr": None}, format="json"
    )
    assert moved.status_code == 200  # the SR left the team; the section is still theirs
    assert guarded("team_only") == {("opportunities.bidsection", "due_at")}
    before = section.due_at
    response = patch(
        api(org.sr), f"/api/v1/bid-sections/{section.pk}/", {"due_at": "2099-01-01T00:00:00Z"}
    )
    assert response.status_code == 403
    section.refresh_from_db()
    assert section.due_at == before


def test_own_deals_fields_refuse_a_generic_write(org, api):
    theirs = OpportunityFactory(owner=org.rep, team=team(ar=org.rep))
    assert guarded("own_deals") == {("keyaccounts.commitment", "opportunities")}
    body = {
        "year": timezone.localdate().year + 1,
        "period_kind": "month",
        "period": 1,
        "amount": "1000",
        "user": org.manager.pk,
        "opportunities": [theirs.pk],
    }
    response = api(org.manager).post("/api/v1/commitments/", body, format="json")
    assert response.status_code == 400 and "opportunities" in response.json()["fields"]


def test_assignable_fields_refuse_a_generic_write(org, api):
    assert guarded("assignable") == {("leads.distributionrule", "assignees")}
    rule = {"name": "Energy", "team": org.gd_carrier.pk, "assignees": [org.other_region_rep.pk]}
    response = api(org.manager).post("/api/v1/distribution-rules/", rule, format="json")
    assert response.status_code == 400 and "assignees" in response.json()["fields"]
    assert not DistributionRule.objects.exists()


def test_role_giver_fields_refuse_a_generic_write(org, api):
    from accounts.models import RoleAssignment, RoleDefinition
    from accounts.services import role_create

    assert guarded("role_giver") == {
        ("accounts.roleassignment", name) for name in ("user", "role", "org_unit", "scope")
    }
    role = role_create(
        by=org.admin, data={"code": "viewer", "name_en": "Viewer", "permissions": ["leads.view"]}
    )
    builtin = RoleDefinition.objects.create(code="builtin-y", name_en="B", builtin=True)
    inside = {"user": org.teammate.pk, "role": role.pk, "org_unit": org.gd_carrier.pk}
    for name, value in (
        ("user", org.other_region_rep.pk),
        ("org_unit", org.js_carrier.pk),
        ("scope", "company"),
        ("role", builtin.pk),
    ):
        body = {**inside, "scope": "team", name: value}
        response = api(org.manager).post("/api/v1/role-assignments/", body, format="json")
        assert response.status_code == 400 and name in response.json()["fields"], name
    assert not RoleAssignment.objects.exists()


def test_direct_basis_fields_refuse_a_generic_write(org, api):
    assert guarded("direct_basis") == {("contracts.contract", "direct_rule")}
    rule = DirectContractRuleFactory(
        org_unit=org.gd, roles=["sales_manager"], max_amount=Decimal("100000.00")
    )
    customer = CustomerFactory(owner=org.rep)
    body = {"title": "Spares", "customer": customer.pk, "amount": "50000.00"}
    refused = api(org.rep).post("/api/v1/contracts/", {**body, "direct_rule": rule.pk})
    assert refused.status_code == 400 and "direct_rule" in refused.json()["fields"]
    assert not Contract.objects.exists()
    contract = ContractFactory(owner=org.rep)
    before = contract.direct_rule_id
    response = api(org.rep).patch(
        f"/api/v1/contracts/{contract.pk}/", {"direct_rule": rule.pk}, format="json"
    )
    assert response.status_code in (200, 400)
    assert Contract.objects.get(pk=contract.pk).direct_rule_id == before


def test_parent_fields_refuse_a_generic_write(org, api):
    teams = CustomerFactory(owner=org.teammate)  # the rep sees it, may not change it
    assert guarded("parent") == {
        ("keyaccounts.accountplan", "customer"),
        ("keyaccounts.purchasedriver", "customer"),
    }
    rep = api(org.rep)
    driver = {"customer": teams.pk, "name": "Subscribers", "product_line": "5G"}
    driver.update({"volume": "100", "amount_per_unit": "10"})
    assert rep.post("/api/v1/purchase-drivers/", driver, format="json").status_code == 403
    plan = {
        "customer": teams.pk,
        "name": "2027",
        "starts_on": "2027-01-01",
        "ends_on": "2027-12-31",
    }
    response = rep.post("/api/v1/account-plans/", plan, format="json")
    assert response.status_code == 400 and "customer" in response.json()["fields"]
    assert not PurchaseDriver.objects.exists() and not AccountPlan.objects.exists()


# --- The tier (the case): only its action changes it, with a reason and history ----------


def test_a_customers_tier_changes_only_through_the_tier_override(org, api):
    customer = CustomerFactory(owner=org.rep, tier="normal")
    url = f"/api/v1/customers/{customer.pk}/"
    rep = api(org.rep)
    assert patch(rep, url, {"tier": "strategic"}).json()["tier"] == "normal"
    assert rep.put(url, {"name": customer.name, "tier": "key"}, format="json").status_code == 200
    bulk = rep.post(
        "/api/v1/customers/bulk-upsert/",
        {"items": [{"external_id": "ERP-9", "name": "Foshan Gas Co", "tier": "strategic"}]},
        format="json",
    )
    assert bulk.json()["results"][0]["status"] == "created"
    made = rep.post("/api/v1/customers/", {"name": "Zhuhai Gas Co", "tier": "key"}, format="json")
    assert made.status_code == 201 and made.json()["tier"] == "normal"
    assert set(Customer.objects.values_list("tier", flat=True)) == {"normal"}
    assert not TierChange.objects.exists()

    profile = profile_for(customer)
    override = f"/api/v1/account-profiles/{profile.pk}/tier-override/"
    body = {"tier": "strategic", "reason": "Provincial flagship."}
    assert rep.post(override, body, format="json").status_code == 403
    assert api(org.manager).post(override, body, format="json").status_code == 200
    customer.refresh_from_db()
    change = TierChange.objects.get(customer=customer)
    assert (customer.tier, change.to_tier, change.reason, change.by) == (
        "strategic",
        "strategic",
        "Provincial flagship.",
        org.manager,
    )


def test_the_customer_page_has_no_tier_to_edit(org, client):
    customer = CustomerFactory(owner=org.rep, tier="normal")
    client.force_login(org.rep)
    page = client.get(f"/customers/{customer.pk}/edit/")
    assert "tier" not in page.context["form"].fields
    client.post(
        f"/customers/{customer.pk}/edit/",
        {"name": customer.name, "industry": customer.industry, "tier": "strategic"},
    )
    customer.refresh_from_db()
    assert customer.tier == "normal"


def test_a_checklist_item_is_ticked_only_by_its_action(org, api):
    bid = _bid(api, org)
    made = api(org.rep).post(
        "/api/v1/bid-checklist-items/", {"bid": bid.pk, "text": "Seal", "done": True}, format="json"
    )
    assert made.status_code == 201 and made.json()["done"] is False


def test_duplicate_override_fields_refuse_a_generic_write(org, api):
    assert guarded("duplicate_override") == {("accounts.contact", "allow_duplicate")}
    customer = CustomerFactory(owner=org.rep)
    Contact.objects.create(customer=customer, name="Li Si", email="li.si@acme.cn")
    body = {"customer": customer.pk, "name": "Li Si", "email": "li.si@acme.cn"}
    response = api(org.rep).post("/api/v1/contacts/", {**body, "allow_duplicate": True})
    assert response.status_code == 403
    assert Contact.objects.filter(customer=customer).count() == 1
    response = api(org.manager).post("/api/v1/contacts/", {**body, "allow_duplicate": True})
    assert response.status_code == 201
