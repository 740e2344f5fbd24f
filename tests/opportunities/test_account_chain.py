"""The decision chain on the customer account (issue 17.6): people and relationships outlast
one deal, so the customer keeps a standing chain, shown on its page and its battle map, and a
new opportunity for the customer starts with a copy of it."""

import pytest

from accounts.models import AccountChainMember
from core.models import AuditEvent
from leads.models import Lead
from opportunities.models import DecisionChainMember
from tests.factories import ContactFactory, CustomerFactory, LeadFactory

pytestmark = pytest.mark.django_db


def put_on_chain(client, customer, contact, **data):
    form = {
        "chain-contact": contact.pk,
        "chain-role": "decision_maker",
        "chain-stance": "supporter",
        "chain-relationship": 3,
        "chain-coach_level": "sways",
        **{f"chain-{k}": v for k, v in data.items()},
    }
    return client.post(f"/customers/{customer.pk}/chain/add/", form)


@pytest.fixture
def customer(org):
    return CustomerFactory(owner=org.rep, org_unit=org.gd_carrier)


def test_the_account_chain_shows_on_the_customer_page_and_its_battle_map(org, client, customer):
    cio = ContactFactory(customer=customer, name="Wang Wei", title="CIO")
    client.force_login(org.rep)
    response = put_on_chain(client, customer, cio)
    assert response.status_code == 302 and response["Location"].endswith("#account-chain")
    member = AccountChainMember.objects.get()
    assert (member.role, member.stance, member.relationship) == ("decision_maker", "supporter", 3)
    event = AuditEvent.objects.get(target_id=customer.pk, action="account_chain.added")
    assert "Wang Wei" in event.comment
    page = client.get(customer.get_absolute_url()).content.decode()
    assert 'id="account-chain"' in page and "Wang Wei" in page and "Decision maker" in page
    battle = client.get(f"/collections/customers/{customer.pk}/battle-map/").content.decode()
    assert "Wang Wei" in battle and "Supporter" in battle


def test_bad_or_second_entries_are_refused_and_nothing_is_written(org, client, customer):
    client.force_login(org.rep)
    stranger = ContactFactory(customer=CustomerFactory(owner=org.rep))
    put_on_chain(client, customer, stranger)
    cfo = ContactFactory(customer=customer)
    put_on_chain(client, customer, cfo, relationship=9)
    assert not AccountChainMember.objects.exists()
    put_on_chain(client, customer, cfo)
    put_on_chain(client, customer, cfo, role="finance")
    assert AccountChainMember.objects.count() == 1


def test_only_who_may_change_the_customer_maps_its_people(org, client, customer):
    contact = ContactFactory(customer=customer)
    client.force_login(org.other_team_rep)
    assert put_on_chain(client, customer, contact).status_code == 404
    client.force_login(org.teammate)  # sees the customer, may not change it
    put_on_chain(client, customer, contact)
    assert not AccountChainMember.objects.exists()
    assert "chain/add/" not in client.get(customer.get_absolute_url()).content.decode()


def test_a_new_opportunity_starts_with_a_copy_of_the_account_chain(org, api, client, customer):
    boss = ContactFactory(customer=customer, name="Boss")
    engineer = ContactFactory(customer=customer, name="Engineer")
    client.force_login(org.rep)
    put_on_chain(client, customer, boss)
    head = AccountChainMember.objects.get()
    put_on_chain(
        client,
        customer,
        engineer,
        role="technical_gatekeeper",
        stance="opponent",
        reports_to=head.pk,
    )
    created = api(org.rep).post(
        "/api/v1/opportunities/",
        {"name": "Core network", "customer": customer.pk, "amount": "100.00"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    chain = {m.contact.name: m for m in DecisionChainMember.objects.select_related("contact")}
    assert set(chain) == {"Boss", "Engineer"}
    assert chain["Engineer"].stance == "opponent" and chain["Engineer"].reports_to == chain["Boss"]
    assert chain["Boss"].opportunity_id == created.json()["id"]
    assert AuditEvent.objects.filter(
        target_id=created.json()["id"], action="decision_chain.seeded"
    ).exists()
    # The deal's copy evolves on its own; the account keeps its chain.
    url = f"/api/v1/decision-chain/{chain['Engineer'].pk}/"
    assert api(org.rep).patch(url, {"stance": "supporter"}, format="json").status_code == 200
    assert AccountChainMember.objects.get(contact=engineer).stance == "opponent"


def test_a_lead_converted_onto_the_customer_gets_the_account_chain_too(org, api, client, customer):
    client.force_login(org.rep)
    put_on_chain(client, customer, ContactFactory(customer=customer))
    lead = LeadFactory(
        owner=org.rep,
        customer=customer,
        need_confirmed=True,
        budget_confirmed=True,
        authority_identified=True,
        timeline_confirmed=True,
    )
    Lead.objects.filter(pk=lead.pk).update(state="verified")
    converted = api(org.rep).post(
        "/api/v1/opportunities/from-lead/",
        {"lead": lead.pk, "customer": customer.pk, "sr": org.sr.pk},
        format="json",
    )
    assert converted.status_code == 201, converted.json()
    assert DecisionChainMember.objects.filter(opportunity_id=converted.json()["id"]).count() == 1


def test_taking_someone_off_the_account_chain(org, client, customer):
    client.force_login(org.rep)
    put_on_chain(client, customer, ContactFactory(customer=customer, name="Leaving"))
    member = AccountChainMember.objects.get()
    client.force_login(org.other_team_rep)
    assert client.post(f"/customers/chain/{member.pk}/remove/").status_code == 404
    client.force_login(org.rep)
    assert client.post(f"/customers/chain/{member.pk}/remove/").status_code == 302
    assert not AccountChainMember.objects.exists()
    assert AuditEvent.objects.filter(target_id=customer.pk, action="account_chain.removed").exists()
