"""The partner portal through the API (issue 21.3, ADR 21): partner users added and
deactivated by the partner's manager; the own-partner scope of the one access policy (partner
A never sees partner B's rows, nor any internal record); registering for one's own partner
only, withdrawing one's own pending registration, uploading to one's own partner; our costs
and margins never in a partner's answer; everything else a 403."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver

from accounts.models import Customer
from contracts.models import Contract
from core import policy
from core.models import AuditEvent
from opportunities.models import AgreementPrice, Opportunity, Quote
from partners.models import (
    Partner,
    PartnerAgreement,
    PartnerMember,
    PartnerQualification,
    PartnerRegistration,
)
from tests.factories import ContractFactory, CustomerFactory, OpportunityFactory

from .conftest import PASSWORD, make_member, pdf

pytestmark = pytest.mark.django_db
User = get_user_model()

SCOPED_MODELS = [
    Partner,
    PartnerAgreement,
    PartnerQualification,
    PartnerRegistration,
    PartnerMember,
    Opportunity,
    Quote,
    Contract,
    AgreementPrice,
]


@pytest.fixture
def customer(org):
    return CustomerFactory(
        name="Guangdong Power Grid", owner=org.rep, org_unit=org.gd_carrier, region="广东"
    )


def register(api, user, **extra):
    body = {
        "customer_name": "Guangdong Power Grid",
        "project": "Substation 5G network",
        "product_line": "5G",
        "estimated_amount": "1200000.00",
        **extra,
    }
    return api(user).post("/api/v1/portal/registrations/", body, format="json")


def world(org, partner, other_partner):
    """Opportunities and contracts of both partners and one of our own."""
    rows = {}
    for key, p in (("a", partner), ("b", other_partner), ("ours", None)):
        opp = OpportunityFactory(owner=org.rep, partner=p)
        rows[key] = (opp, ContractFactory(owner=org.rep, opportunity=opp, customer=opp.customer))
    return rows


# --- partner users ---------------------------------------------------------------------------


def test_the_partner_manager_adds_a_partner_user_audited(org, api, partner):
    body = {"partner": partner.pk, "username": "lin", "password": PASSWORD, "first_name": "Lin"}
    response = api(org.rep).post("/api/v1/partner-members/", body, format="json")
    assert response.status_code == 201, response.content
    user = User.objects.get(username="lin")
    assert user.role == "partner" and user.portal_partner == partner.pk and user.org_unit is None
    assert AuditEvent.objects.filter(action="partner.member_added", target_id=partner.pk).exists()
    # The same username again: a 400 naming it, nothing written.
    again = api(org.rep).post("/api/v1/partner-members/", body, format="json")
    assert again.status_code == 400 and "username" in again.json()["fields"]
    assert PartnerMember.objects.count() == 1


def test_only_who_may_change_the_partner_adds_its_users(org, api, partner):
    body = {"partner": partner.pk, "username": "lin", "password": PASSWORD}
    # Another team's rep cannot see the partner (a related id one may not see: 400).
    assert api(org.other_team_rep).post("/api/v1/partner-members/", body).status_code == 400
    # Finance sees no partners at all.
    assert api(org.finance).post("/api/v1/partner-members/", body).status_code == 400
    assert not User.objects.filter(username="lin").exists()


def test_a_deactivated_partner_user_reaches_nothing(org, api, partner, lin):
    member = lin.partner_membership
    response = api(org.rep).post(f"/api/v1/partner-members/{member.pk}/deactivate/")
    assert response.status_code == 200 and response.json()["active"] is False
    lin.refresh_from_db()
    assert not lin.is_active and lin.portal_partner is None
    assert AuditEvent.objects.filter(action="partner.member_deactivated").exists()
    assert api(org.rep).post(f"/api/v1/partner-members/{member.pk}/deactivate/").status_code == 409
    assert not policy.restrict(Partner.objects.all(), lin).exists()


def test_a_partner_user_holds_no_sellers_powers(partner, other_partner, lin):
    for name in ("partners.manage", "registrations.register", "partners.review_qualifications"):
        assert not policy.may(lin, name, partner)
    assert policy.may(lin, "portal.register", partner)
    assert not policy.may(lin, "portal.register", other_partner)


def test_the_policy_knows_the_partner_without_a_query(lin):
    with CaptureQueriesContext(connection) as queries:
        for model in SCOPED_MODELS:
            policy.scope_q(model, lin)
    assert len(queries) == 0


# --- the own-partner scope -------------------------------------------------------------------


def test_partner_a_never_sees_partner_b_or_our_own_rows(org, api, partner, other_partner, lin, xu):
    world(org, partner, other_partner)
    for user, own in ((lin, partner), (xu, other_partner)):
        for model in SCOPED_MODELS:
            seen = policy.restrict(model.objects.all(), user)
            path = model.access.partner
            assert set(seen.values_list("pk", flat=True)) == set(
                model.objects.filter(**{path: own.pk}).values_list("pk", flat=True)
            ), model.__name__
        for model in (Customer, PartnerRegistration.customer.field.related_model):
            assert not policy.restrict(model.objects.all(), user).exists()
        assert not policy.restrict(Opportunity.objects.filter(partner__isnull=True), user).exists()


def test_the_api_lists_only_the_own_partners_rows(org, api, partner, other_partner, lin):
    rows = world(org, partner, other_partner)
    client = api(lin)
    opps = client.get("/api/v1/opportunities/").json()["results"]
    assert [o["id"] for o in opps] == [rows["a"][0].pk]
    assert "margin_pct" not in opps[0]  # our margin is not the partner's
    contracts = client.get("/api/v1/contracts/").json()["results"]
    assert [c["id"] for c in contracts] == [rows["a"][1].pk]
    # our costs and margins: left out, or null where the schema lets the field be null
    assert all(v is None for k, v in contracts[0].items() if "cost" in k or "margin" in k)
    partners = client.get("/api/v1/partners/").json()["results"]
    assert [p["id"] for p in partners] == [partner.pk]
    # Another partner's record is as unknown as a missing one.
    assert client.get(f"/api/v1/partners/{other_partner.pk}/").status_code == 404
    assert client.get(f"/api/v1/opportunities/{rows['b'][0].pk}/").status_code == 404
    # Internal lists answer nothing; internal reference data and reports are refused.
    assert client.get("/api/v1/customers/").json()["results"] == []
    assert client.get("/api/v1/leads/").json()["results"] == []
    for url in ("/api/v1/users/", "/api/v1/org-units/", "/api/v1/approvals/"):
        assert client.get(url).status_code == 403, url


def test_every_api_route_is_refused_or_empty_outside_the_partner_scope(org, api, partner, lin):
    """A walk over every list route without arguments: a 403 from the fence, or a list of
    rows of models in the partner scope only."""
    client = api(lin)
    for route, pattern in _routes():
        if "<" in route or not route.startswith("api/v1/") or "portal/" in route:
            continue
        cls = getattr(pattern.callback, "cls", None)
        actions = getattr(pattern.callback, "actions", None) or {}
        if cls is None or (actions and "get" not in actions):
            continue
        response = client.get("/" + route)
        assert response.status_code in (200, 403, 404, 405), (route, response.status_code)
        if response.status_code != 200 or "json" not in response.get("Content-Type", ""):
            continue
        model = getattr(getattr(cls, "queryset", None), "model", None)
        data = response.json()
        rows = data.get("results", data) if isinstance(data, dict) else data
        if rows and isinstance(rows, list) and actions.get("get") == "list":
            assert policy.in_partner_scope(model), route


def _routes():
    from django.urls import URLPattern, URLResolver

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p

    return list(walk(get_resolver().url_patterns))


# --- writes into the scope -------------------------------------------------------------------


def test_a_partner_user_registers_for_their_own_partner_only(
    org, api, partner, other_partner, lin, customer
):
    response = register(api, lin, partner=other_partner.pk)  # the partner is never input
    assert response.status_code == 201, response.content
    registration = PartnerRegistration.objects.get(pk=response.json()["id"])
    assert registration.partner == partner and registration.submitted_by == lin
    assert registration.state == "submitted"
    # The registration endpoint of our own people is not theirs.
    body = {"partner": partner.pk, "customer": customer.pk, "project": "X", "product_line": "5G"}
    assert api(lin).post("/api/v1/partner-registrations/", body).status_code == 403


def test_an_unknown_customer_is_a_400_and_nothing_is_written(api, partner, lin, customer):
    response = register(api, lin, customer_name="No Such Company")
    assert response.status_code == 400 and response.json()["code"] == "unknown_customer"
    assert not PartnerRegistration.objects.exists()


def test_a_partner_user_withdraws_their_own_pending_registration(org, api, partner, lin, customer):
    pk = register(api, lin).json()["id"]
    url = f"/api/v1/portal/registrations/{pk}/withdraw/"
    colleague = make_member(org, partner, "lin2")
    assert api(colleague).post(url).status_code == 403  # not theirs
    response = api(lin).post(url)
    assert response.status_code == 200 and response.json()["state"] == "withdrawn"
    assert api(lin).post(url).status_code == 409
    # Nor a registration of another partner (404) nor one the partner manager submitted (403).
    assert api(lin).post("/api/v1/portal/registrations/999999/withdraw/").status_code == 404


def test_a_partner_user_uploads_documents_to_their_own_partner_only(
    api, partner, other_partner, lin
):
    url = "/api/v1/partner-qualifications/"
    body = {"kind": "business_licence", "valid_until": "2099-01-01", "file": pdf()}
    response = api(lin).post(url, {**body, "partner": partner.pk}, format="multipart")
    assert response.status_code == 201, response.content
    body["file"] = pdf()
    response = api(lin).post(url, {**body, "partner": other_partner.pk}, format="multipart")
    assert response.status_code == 400 and "partner" in response.json()["fields"]
    assert PartnerQualification.objects.filter(partner=other_partner).count() == 1  # its own
    # Reviewing a document is ours.
    doc = PartnerQualification.objects.filter(partner=partner).first()
    review = api(lin).post(f"{url}{doc.pk}/review/", {"status": "verified"}, format="json")
    assert review.status_code == 403


def test_me_tells_the_partner_its_standing(api, partner, lin, org):
    response = api(lin).get("/api/v1/portal/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["partner"]["id"] == partner.pk and body["username"] == "lin"
    assert [s["key"] for s in body["sections"]][:2] == ["home", "registrations"]
    assert api(org.rep).get("/api/v1/portal/me/").status_code == 403
