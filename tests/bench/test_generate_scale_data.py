"""The scale data generator: counts as asked, and the invariants the services would keep.
It runs here at a tiny size on whatever database the suite uses (SQLite: bulk_create,
PostgreSQL: COPY); its speed is measured in bench/, not here."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from accounts.models import Customer, IronTriangle, OrgUnit, User
from accounts.normalise import normalise_company_name
from contracts.models import Contract
from core.gates import has_go
from core.models import GateReview
from leads.models import Lead
from opportunities.models import Opportunity
from receivables.models import PaymentMilestone, Receipt
from receivables.models.plan import settled_state
from receivables.selectors import reconciliation
from tests.factories import LeadFactory

COUNTS = dict(users=40, customers=60, leads=300, opportunities=90, contracts=25, milestones=100)
ARGS = [f"--{name}={n}" for name, n in COUNTS.items()] + ["--activities=50"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated():
    call_command("generate_scale_data", *ARGS, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_makes_the_counts_asked_for(generated):
    assert User.objects.filter(username__startswith="scale-").count() == COUNTS["users"]
    assert Customer.objects.count() == COUNTS["customers"]
    assert Lead.objects.count() == COUNTS["leads"]
    assert Opportunity.objects.count() == COUNTS["opportunities"]
    assert Contract.objects.count() == COUNTS["contracts"]
    assert PaymentMilestone.objects.count() == COUNTS["milestones"]
    assert set(Lead.objects.values_list("state", flat=True)) >= {"new", "converted"}
    assert Receipt.objects.exists()


def test_org_tree_paths_and_roles(generated):
    for unit in OrgUnit.objects.select_related("parent"):
        parent_path = unit.parent.path if unit.parent else "/"
        assert unit.path == f"{parent_path}{unit.pk}/"
    kinds = set(OrgUnit.objects.values_list("kind", flat=True))
    assert kinds == {"company", "region", "office", "team"}
    roles = set(User.objects.values_list("role", flat=True))
    assert {"sales_rep", "sales_manager", "finance", "solution_manager"} <= roles
    assert User.objects.get(username="scale-ceo").check_password("ltc-bench-2026")


def test_names_are_normalised_and_leads_keyed(generated):
    for customer in Customer.objects.all()[:50]:
        assert customer.normalised_name == normalise_company_name(customer.name)
    for lead in Lead.objects.select_related("customer")[:200]:
        assert lead.company_key == lead.company_key_now()


def test_states_follow_gates_owners_and_money(generated):
    for opportunity in Opportunity.objects.all():
        assert opportunity.team.is_complete
        assert opportunity.team.ar == opportunity.owner
        if opportunity.state not in ("identified", "lost", "abandoned"):
            assert has_go(opportunity, "ati")
        if opportunity.state == "won":
            assert has_go(opportunity, "atc") and opportunity.contract
    assert (
        not GateReview.objects.values("subject_id", "kind")
        .filter(state="open")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not Lead.objects.filter(
        Q(state__in=["distributed", "nurturing", "converted"], owner=None)
        | Q(state="converted", opportunity=None)
    )
    for milestone in PaymentMilestone.objects.all():
        assert milestone.state == settled_state(milestone)
    assert all(IronTriangle.objects.get(pk=c.team_id).is_complete for c in Contract.objects.all())
    assert reconciliation() == {"milestones": [], "receipts": [], "contracts": [], "customers": []}


def test_records_made_afterwards_get_fresh_ids(generated):
    highest = Lead.objects.order_by("-pk").first().pk
    rep = User.objects.filter(role="sales_rep").first()
    assert LeadFactory(owner=rep).pk > highest


def test_a_rep_sees_their_generated_leads_through_the_api(generated, client):
    rep = Lead.objects.exclude(owner=None).first().owner
    client.force_login(rep)
    response = client.get("/api/v1/leads/?page_size=200")
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert set(Lead.objects.filter(owner=rep).values_list("pk", flat=True)[:200]) <= ids


def test_refuses_to_generate_twice(generated):
    with pytest.raises(CommandError):
        call_command("generate_scale_data", *ARGS)


def test_the_channel_part_adds_partners_registrations_and_agreement_prices(generated):
    from accounts.models import CustomerRegistration
    from opportunities.agreements import agreement_price_for
    from opportunities.models import AgreementPrice
    from partners.models import Partner, PartnerAgreement, PartnerRegistration

    call_command(
        "generate_channel_data",
        "--partners=20",
        "--registrations=100",
        "--agreement-prices=300",
        "--products=10",
        stdout=open("/dev/null", "w"),  # noqa: SIM115
    )
    assert Partner.objects.count() == 20 == PartnerAgreement.objects.count()
    assert PartnerRegistration.objects.count() == 100
    approved = PartnerRegistration.objects.filter(state="approved")
    assert approved.count() == approved.exclude(protection=None).count() > 0
    protected = CustomerRegistration.objects.filter(state="protected")
    assert protected.count() == approved.count()
    assert all(r.channel == f"partner:{r.partner_registration.partner_id}" for r in protected)
    assert AgreementPrice.objects.count() == 300
    pairs = AgreementPrice.objects.values_list("customer", "partner", "product")
    assert len(set(pairs)) == 300  # one price per party and product: none overlaps
    price = AgreementPrice.objects.first()
    party = {"customer_id": price.customer_id, "partner_id": price.partner_id}
    assert agreement_price_for(price.product_id, **party) == price
    assert (
        Opportunity.objects.exclude(partner=None).count()
        == Opportunity.objects.filter(
            pk__in=[o.pk for o in Opportunity.objects.all() if o.pk % 10 == 0]
        ).count()
    )
    with pytest.raises(CommandError):
        call_command("generate_channel_data", "--partners=2", stdout=open("/dev/null", "w"))  # noqa: SIM115
