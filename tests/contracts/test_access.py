"""Row-level access to contract execution, and constant query counts on every list: another
team or region neither reads nor changes a contract, its delivery plan, its changes, its
amendments, its documents or its evaluation."""

from decimal import Decimal

import pytest

from contracts.models import ContractAmendment, ContractEvaluation
from core.models import GateReview
from tests.factories import ContractFactory, team

from .conftest import days, pdf

pytestmark = pytest.mark.django_db

#: Every list endpoint and the most queries a page of it may take, whatever its length.
LISTS = {
    "/api/v1/contracts/": 7,
    "/api/v1/deliverables/": 4,
    "/api/v1/delivery-milestones/": 5,
    "/api/v1/change-requests/": 6,
    "/api/v1/contract-documents/": 2,
    "/api/v1/contract-amendments/": 2,
    "/api/v1/contract-evaluations/": 2,
}


def ids(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def populate(org, drive, contract) -> dict:
    """One of everything on `contract`: a milestone (reached, with evidence), a deliverable, a
    change request with its approved amendment, and an evaluation row."""
    drive.sign_and_accept(contract)
    milestone = drive.milestone(contract, "arrival", days(-1))
    drive.transition(org.fr, contract, "start_delivery")
    drive.reach(milestone["id"])
    deliverable = drive.post(
        org.fr, "/api/v1/deliverables/", {"contract": contract.pk, "name": "Nodes"}, expect=201
    )
    change = drive.post(
        org.rep,
        "/api/v1/change-requests/",
        {"contract": contract.pk, "title": "x", "description": "x", "new_amount": "1100000"},
        expect=201,
    )
    taken = drive.post(org.fr, f"/api/v1/change-requests/{change['id']}/transitions/take_up/")
    drive.assess_all(taken["review"], "change")
    drive.decide(org.director, taken["review"])
    evaluation = ContractEvaluation.objects.create(
        contract=contract,
        evaluated_by=org.fr,
        signed_amount=Decimal(1),
        final_amount=Decimal(1),
        acceptance_rating="smooth",
        score=Decimal(50),
        lessons_learnt="x",
    )
    return {
        "contracts": contract.pk,
        "delivery-milestones": milestone["id"],
        "deliverables": deliverable["id"],
        "change-requests": change["id"],
        "contract-documents": contract.documents.get().pk,
        "contract-amendments": ContractAmendment.objects.get(contract=contract).pk,
        "contract-evaluations": evaluation.pk,
    }


def test_another_team_or_region_neither_reads_nor_changes(org, api, drive, contract):
    records = populate(org, drive, contract)
    for outsider in (org.other_team_rep, org.other_region_rep, org.other_region_manager):
        client = api(outsider)
        for url in LISTS:
            assert ids(client.get(url)) == set(), (outsider, url)
        for resource, pk in records.items():
            url = f"/api/v1/{resource}/{pk}/"
            assert client.get(url).status_code == 404, (outsider, url)
            assert client.patch(url, {"title": "x"}, format="json").status_code in (404, 405)
        assert client.get(f"/api/v1/contracts/{contract.pk}/timeline/").status_code == 404
        assert client.get(f"/api/v1/contracts/{contract.pk}/close-checklist/").status_code == 404
        assert client.post(f"/api/v1/contracts/{contract.pk}/confirm/").status_code == 404
        assert (
            client.post(
                f"/api/v1/change-requests/{records['change-requests']}/transitions/withdraw/",
                {"reason": "x"},
                format="json",
            ).status_code
            == 404
        )
        review = GateReview.objects.get(kind="change")
        assert client.get(f"/api/v1/gate-reviews/{review.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("rep", True),
        ("teammate", True),
        ("manager", True),
        ("director", True),
        ("finance", True),
        ("other_team_rep", False),
        ("other_region_manager", False),
    ],
)
def test_who_sees_the_delivery_plan_and_changes(org, api, drive, contract, who, sees):
    records = populate(org, drive, contract)
    client = api(getattr(org, who))
    for resource in ("delivery-milestones", "deliverables", "change-requests"):
        assert ids(client.get(f"/api/v1/{resource}/")) == ({records[resource]} if sees else set())


def test_a_teammate_sees_but_may_not_change(org, api, drive, contract):
    records = populate(org, drive, contract)
    client = api(org.teammate)
    response = client.patch(
        f"/api/v1/deliverables/{records['deliverables']}/", {"name": "x"}, format="json"
    )
    assert response.status_code == 403
    assert (
        client.post(
            f"/api/v1/deliverables/{records['deliverables']}/transitions/complete/"
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/delivery-milestones/",
            {"contract": contract.pk, "kind": "acceptance", "planned_date": str(days(5))},
            format="json",
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/change-requests/",
            {"contract": contract.pk, "title": "x", "description": "x", "scope": "x"},
            format="json",
        ).status_code
        == 403
    )


def test_related_ids_are_scoped(org, api, contract):
    hidden = ContractFactory(owner=org.other_region_rep)
    client = api(org.rep)
    response = client.post(
        "/api/v1/delivery-milestones/",
        {"contract": hidden.pk, "kind": "arrival", "planned_date": str(days(5))},
        format="json",
    )
    assert response.status_code == 400 and "contract" in response.json()["fields"]
    response = client.post(
        "/api/v1/contracts/",
        {"title": "Call-off", "framework": hidden.pk, "amount": "1.00"},
        format="json",
    )
    assert response.status_code == 400 and "framework" in response.json()["fields"]
    response = client.post(
        "/api/v1/contract-evaluations/",
        {"contract": hidden.pk, "acceptance_rating": "smooth", "lessons_learnt": "x"},
        format="json",
    )
    assert response.status_code == 400 and "contract" in response.json()["fields"]


def test_lists_run_a_constant_number_of_queries(
    org, api, drive, contract, django_assert_max_num_queries
):
    populate(org, drive, contract)
    for n in range(6):
        other = ContractFactory(
            owner=org.rep,
            team=team(ar=org.rep, sr=org.sr, fr=org.fr),
            amount=Decimal("100000"),
            signed_on=days(-5),
        )
        drive.transition(org.rep, other, "sign")
        drive.milestone(other, "shipment", days(n))
        drive.post(
            org.fr, "/api/v1/deliverables/", {"contract": other.pk, "name": f"D{n}"}, expect=201
        )
        drive.post(
            org.rep,
            "/api/v1/change-requests/",
            {"contract": other.pk, "title": "x", "description": "x", "scope": "x"},
            expect=201,
        )
        api(org.rep).post(
            "/api/v1/contract-documents/",
            {"contract": other.pk, "kind": "signed_contract", "file": pdf()},
            format="multipart",
        )
    client = api(org.fr)
    for url, most in LISTS.items():
        with django_assert_max_num_queries(most):
            response = client.get(url)
        assert response.status_code == 200
        assert response.json()["results"], url
