"""The contract pages: list, the contract page with every section, and the forms behind its
buttons (confirm, plan, reach with evidence, raise and take up a change, documents, close
review, evaluation), each going through the services; errors land on the form, never a 500."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import ChangeRequest, Contract, ContractDocument, DeliveryMilestone
from core.models import GateReview
from tests.factories import ContractFactory, CustomerFactory, team

from .conftest import days, pdf

pytestmark = pytest.mark.django_db


def post(client, url, data=None, expect=302):
    response = client.post(url, data or {})
    assert response.status_code == expect, response.content.decode()[:3000]
    return response


@pytest.fixture
def full(org, drive, contract):
    """A contract in delivery with a plan, a reached milestone, evidence, a change request and
    an amendment."""
    drive.sign_and_accept(contract)
    arrival = drive.milestone(contract, "arrival", days(-3), owner=org.fr.pk)
    drive.milestone(contract, "acceptance", days(20))
    drive.transition(org.fr, contract, "start_delivery")
    drive.reach(arrival["id"], actual_date=str(days(-1)))
    drive.post(
        org.fr, "/api/v1/deliverables/", {"contract": contract.pk, "name": "Edge nodes"}, 201
    )
    change = drive.post(
        org.rep,
        "/api/v1/change-requests/",
        {"contract": contract.pk, "title": "More nodes", "description": "x", "new_amount": "1.1e6"},
        201,
    )
    taken = drive.post(org.fr, f"/api/v1/change-requests/{change['id']}/transitions/take_up/")
    drive.assess_all(taken["review"], "change")
    drive.decide(org.director, taken["review"])
    return contract


@pytest.mark.parametrize("who", ["rep", "sr", "fr", "teammate", "manager", "director", "finance"])
def test_the_contract_page_shows_every_section(org, client, full, who):
    client.force_login(getattr(org, who))
    page = client.get(full.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    for text in (
        "Terms (as signed)",
        "Delivery milestones",
        "2 days late",
        "Deliverables",
        "Edge nodes",
        "Changes and amendments",
        "More nodes",
        "As signed",
        "v1",
        "Documents",
        "Acceptance certificate",
        "Before the contract can close:",
        "Timeline",
        "Delivery milestone reached",
    ):
        assert text in html, (who, text)


def test_outsiders_get_404_on_every_contract_page(org, client, full):
    change = ChangeRequest.objects.get()
    milestone = DeliveryMilestone.objects.filter(contract=full).first()
    client.force_login(org.other_region_rep)
    for url in (
        full.get_absolute_url(),
        f"/contracts/{full.pk}/edit/",
        f"/contracts/{full.pk}/milestones/new/",
        f"/contracts/milestones/{milestone.pk}/reach/",
        change.get_absolute_url(),
        f"/contracts/{full.pk}/changes/new/",
        f"/contracts/{full.pk}/documents/new/",
        f"/contracts/{full.pk}/evaluate/",
    ):
        assert client.get(url).status_code == 404, url


def test_create_a_contract_and_a_call_off_order_on_pages(org, client, rule):
    customer = CustomerFactory(owner=org.rep)
    client.force_login(org.rep)
    post(
        client,
        "/contracts/new/",
        {
            "title": "Spare parts framework",
            "kind": "framework",
            "direct_rule": rule("framework").pk,
            "customer": customer.pk,
            "amount": "500000",
            "currency": "CNY",
            "tax_rate_pct": "13",
            "sr": org.sr.pk,
            "fr": org.fr.pk,
        },
    )
    framework = Contract.objects.get(title="Spare parts framework")
    assert framework.kind == "framework" and framework.team.is_complete
    page = client.get(f"/contracts/new/?framework={framework.pk}")
    assert page.status_code == 200
    too_much = client.post(
        "/contracts/new/",
        {
            "title": "Call-off 1",
            "framework": framework.pk,
            "direct_rule": rule("call_off").pk,
            "amount": "600000",
            "currency": "CNY",
            "tax_rate_pct": "13",
        },
    )
    assert too_much.status_code == 200
    assert "left under its ceiling" in too_much.content.decode()
    post(
        client,
        "/contracts/new/",
        {
            "title": "Call-off 1",
            "framework": framework.pk,
            "direct_rule": rule("call_off").pk,
            "amount": "200000",
            "currency": "CNY",
            "tax_rate_pct": "13",
        },
    )
    order = Contract.objects.get(title="Call-off 1")
    assert (order.kind, order.framework, order.customer) == ("call_off", framework, customer)
    assert "Call-off 1" in client.get(framework.get_absolute_url()).content.decode()


def test_the_edit_page_keeps_signed_terms(org, client, full):
    client.force_login(org.rep)
    page = client.get(f"/contracts/{full.pk}/edit/").content.decode()
    assert "Signed: change it through a change request." in page
    post(
        client,
        f"/contracts/{full.pk}/edit/",
        {"title": "Renamed", "amount": "1", "customer_reference": "REF-1"},
    )
    full.refresh_from_db()
    assert full.title == "Renamed" and full.amount == Decimal("1100000.00")
    assert full.customer_reference == "REF-1"


def test_confirm_on_the_page(org, client, drive, contract):
    drive.transition(org.rep, contract, "sign")
    client.force_login(org.rep)
    assert (
        "Accept and confirm the contract content"
        in client.get(contract.get_absolute_url()).content.decode()
    )
    post(client, f"/contracts/{contract.pk}/confirm/", {"role": "ar"})
    client.force_login(org.fr)
    response = client.post(f"/contracts/{contract.pk}/confirm/", {"role": "fr"}, follow=True)
    assert "Confirmed: the contract is accepted." in response.content.decode()
    assert Contract.objects.get(pk=contract.pk).state == "accepted"
    client.force_login(org.sr)
    response = client.post(f"/contracts/{contract.pk}/confirm/", follow=True)
    assert response.status_code == 200  # refused as a message, not an error page


def test_plan_and_reach_a_milestone_with_evidence_on_pages(org, client, drive, contract):
    drive.sign_and_accept(contract)
    client.force_login(org.fr)
    post(
        client,
        f"/contracts/{contract.pk}/milestones/new/",
        {"kind": "arrival", "planned_date": str(days(-2)), "owner": org.fr.pk},
    )
    post(
        client,
        f"/contracts/{contract.pk}/deliverables/new/",
        {"name": "Nodes", "quantity": "4", "due_on": str(days(5))},
    )
    post(client, f"/contracts/{contract.pk}/transitions/start_delivery/")
    milestone = DeliveryMilestone.objects.get(contract=contract)
    no_evidence = client.post(
        f"/contracts/milestones/{milestone.pk}/reach/", {"actual_date": str(days(0))}
    )
    assert no_evidence.status_code == 200
    assert "Attach the evidence first" in no_evidence.content.decode()
    wrong_type = client.post(
        f"/contracts/milestones/{milestone.pk}/reach/",
        {
            "actual_date": str(days(0)),
            "document_kind": "arrival_certificate",
            "document": pdf("cert.png"),
        },
    )
    assert wrong_type.status_code == 200
    assert "does not match" in wrong_type.content.decode()
    post(
        client,
        f"/contracts/milestones/{milestone.pk}/reach/",
        {
            "actual_date": str(days(0)),
            "document_kind": "arrival_certificate",
            "document": pdf("arrival.pdf"),
        },
    )
    milestone.refresh_from_db()
    assert milestone.state == "reached" and milestone.documents.count() == 1
    deliverable = contract.deliverables.get()
    post(client, f"/contracts/deliverables/{deliverable.pk}/transitions/complete/")
    assert contract.deliverables.get().state == "done"


def test_raise_and_take_up_a_change_on_pages(org, client, drive, contract):
    drive.sign_and_accept(contract)
    acceptance = drive.milestone(contract, "acceptance", days(30))
    client.force_login(org.rep)
    post(
        client,
        f"/contracts/{contract.pk}/changes/new/",
        {
            "title": "Later acceptance",
            "description": "The customer moves its committee.",
            "requested_on": str(days(0)),
            f"replan_{acceptance['id']}": str(days(45)),
        },
    )
    change = ChangeRequest.objects.get()
    assert [(r.milestone_id, r.planned_date) for r in change.replans.all()] == [
        (acceptance["id"], days(45))
    ]
    client.force_login(org.fr)
    page = client.get(change.get_absolute_url()).content.decode()
    assert "Take up: open the change review" in page
    post(client, f"/contracts/changes/{change.pk}/transitions/take_up/")
    change.refresh_from_db()
    assert change.state == "in_review"
    page = client.get(change.get_absolute_url()).content.decode()
    assert change.review.get_absolute_url() in page
    review_page = client.get(change.review.get_absolute_url()).content.decode()
    assert "Contract change" in review_page and "escalated" in review_page
    drive.assess_all(change.review.pk, "change")
    drive.decide(org.director, change.review.pk)
    page = client.get(change.get_absolute_url()).content.decode()
    assert "Amendment version 1" in page
    assert f"<td>{days(30)}</td><td>{days(45)}</td>" in page  # the re-plan, before and after


def test_documents_upload_page_shows_type_errors_on_the_form(org, client, contract):
    client.force_login(org.rep)
    bad = client.post(
        f"/contracts/{contract.pk}/documents/new/",
        {"kind": "signed_contract", "file": pdf("virus.exe")},
    )
    assert bad.status_code == 200 and "Accepted: docx, jpeg" in bad.content.decode()
    post(
        client,
        f"/contracts/{contract.pk}/documents/new/",
        {"kind": "signed_contract", "title": "Signed", "file": pdf()},
    )
    document = ContractDocument.objects.get()
    assert client.get(document.get_absolute_url()).status_code == 200


def test_close_and_evaluate_on_pages(org, client, drive, contract):
    drive.deliver(contract)
    client.force_login(org.fr)
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "Nothing is missing: the close review may open." in page
    response = post(client, f"/contracts/{contract.pk}/close-review/")
    review = GateReview.objects.get(kind="close")
    assert response["Location"] == review.get_absolute_url()
    drive.assess_all(review.pk, "close")
    drive.decide(org.manager, review.pk)
    page = client.get(f"/contracts/{contract.pk}/evaluate/").content.decode()
    assert "What the records say" in page and "30.00" in page
    invalid = client.post(f"/contracts/{contract.pk}/evaluate/", {"acceptance_rating": "smooth"})
    assert invalid.status_code == 200 and "errorlist" in invalid.content.decode()
    post(
        client,
        f"/contracts/{contract.pk}/evaluate/",
        {"actual_cost": "720000", "acceptance_rating": "smooth", "lessons_learnt": "Good."},
    )
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "Lessons learnt" in page and "Good." in page
    assert Contract.objects.get(pk=contract.pk).state == "evaluated"


def test_the_team_page_changes_the_iron_triangle(org, client, contract):
    client.force_login(org.rep)
    post(
        client,
        f"/contracts/{contract.pk}/team/",
        {"ar": org.rep.pk, "sr": org.sr.pk, "fr": org.fr.pk},
    )
    assert contract.team.fr == org.fr
    client.force_login(org.sr)
    assert client.post(f"/contracts/{contract.pk}/team/", {"ar": org.sr.pk}).status_code == 200


def test_the_list_filters_by_kind_and_runs_few_queries(
    org, client, contract, django_assert_max_num_queries
):
    for _ in range(5):
        ContractFactory(owner=org.rep, team=team(ar=org.rep), kind="framework")
    client.force_login(org.rep)
    with django_assert_max_num_queries(14):
        page = client.get("/contracts/?kind=framework")
    html = page.content.decode()
    assert html.count("Framework agreement</span>") == 5
    assert contract.number not in html


def test_the_contract_page_runs_a_constant_number_of_queries(org, client, drive, contract):
    """Eight deliverables, milestones and change requests cost no more queries than one."""
    drive.sign_and_accept(contract)

    def add_rows(first, count):
        for n in range(first, first + count):
            drive.milestone(contract, "shipment", days(-n - 1))
            drive.post(
                org.fr, "/api/v1/deliverables/", {"contract": contract.pk, "name": f"D{n}"}, 201
            )
            drive.post(
                org.rep,
                "/api/v1/change-requests/",
                {"contract": contract.pk, "title": f"C{n}", "description": "x", "scope": "x"},
                201,
            )

    def queries_for_page():
        with CaptureQueriesContext(connection) as captured:
            page = client.get(contract.get_absolute_url())
        assert page.status_code == 200
        return len(captured), page

    add_rows(0, 1)
    drive.transition(org.fr, contract, "start_delivery")
    client.force_login(org.fr)
    queries_for_page()  # warm per-process caches (content types, permissions)
    with_one, _ = queries_for_page()
    add_rows(1, 7)
    with_eight, page = queries_for_page()
    assert with_eight == with_one
    assert page.content.decode().count('<tr id="deliverable-') == 8
