"""The delivery plan through the API: deliverables and delivery milestones with owners,
planned and actual dates, status and evidence; slippage visible; reaching a milestone is the
`delivery_milestone.reached` event collections make payments due from."""

import pytest
from django.utils import formats

from contracts.models import ContractDocument, DeliveryMilestone
from core.models import AuditEvent
from tests.factories import ContractFactory, team

from .conftest import days, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivering(org, drive, contract):
    drive.sign_and_accept(contract)
    milestones = {
        kind: drive.milestone(contract, kind, days(offset), owner=org.fr.pk)
        for kind, offset in (("shipment", -10), ("arrival", -3), ("acceptance", 30))
    }
    drive.transition(org.fr, contract, "start_delivery")
    return contract, milestones


def test_a_milestone_is_planned_with_its_baseline(org, drive, contract):
    created = drive.milestone(contract, "installation", days(20), owner=org.fr.pk)
    assert created["name"] == "Installation"
    assert created["baseline_date"] == created["planned_date"] == str(days(20))
    assert created["state"] == "planned" and created["owner"] == org.fr.pk
    moved = drive.api(org.fr).patch(
        f"/api/v1/delivery-milestones/{created['id']}/",
        {"planned_date": str(days(25))},
        format="json",
    )
    assert moved.status_code == 200
    # While the plan is being made, the baseline moves with it.
    assert moved.json()["baseline_date"] == str(days(25))


def test_once_delivering_dates_move_only_by_change(org, drive, delivering):
    _contract, milestones = delivering
    response = drive.api(org.fr).patch(
        f"/api/v1/delivery-milestones/{milestones['acceptance']['id']}/",
        {"planned_date": str(days(45)), "note": "Customer's committee meets monthly."},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "replan_by_change"
    assert "planned_date" in response.json()["fields"]
    note_only = drive.api(org.fr).patch(
        f"/api/v1/delivery-milestones/{milestones['acceptance']['id']}/",
        {"note": "Customer's committee meets monthly."},
        format="json",
    )
    assert note_only.status_code == 200
    assert note_only.json()["planned_date"] == str(days(30))


def test_reaching_a_milestone_emits_the_event_collections_listen_to(org, drive, delivering, events):
    contract, milestones = delivering
    reached = drive.reach(
        milestones["arrival"]["id"], actual_date=str(days(-1)), comment="All 8 sites"
    )
    assert reached["state"] == "reached" and reached["actual_date"] == str(days(-1))
    assert reached["slip_days"] == 2
    (payload,) = events["delivery_milestone.reached"]
    assert payload["contract"].pk == contract.pk and payload["by"] == org.fr
    assert payload["milestone"].kind == "arrival"
    assert payload["milestone"].actual_date == days(-1)
    document = ContractDocument.objects.get(milestone_id=milestones["arrival"]["id"])
    assert reached["documents"] == [document.pk]
    assert AuditEvent.objects.filter(
        target_id=contract.pk, action="delivery_milestone.reached"
    ).exists()
    twice = drive.reach(milestones["arrival"]["id"], expect=409)
    assert twice["code"] == "transition_not_allowed"
    assert len(events["delivery_milestone.reached"]) == 1


def test_arrival_and_acceptance_need_evidence(org, drive, delivering, events):
    _contract, milestones = delivering
    refused = drive.reach(milestones["arrival"]["id"], evidence=False, expect=409)
    assert refused["fields"] == {
        "evidence": ["Attach the evidence first (the arrival or acceptance certificate)."]
    }
    assert "delivery_milestone.reached" not in events
    shipment = drive.reach(milestones["shipment"]["id"], evidence=False)
    assert shipment["state"] == "reached"  # shipment needs no certificate
    upload = drive.api(org.fr).post(
        "/api/v1/contract-documents/",
        {
            "contract": _contract.pk,
            "milestone": milestones["arrival"]["id"],
            "kind": "arrival_certificate",
            "file": pdf("arrival.pdf"),
        },
        format="multipart",
    )
    assert upload.status_code == 201
    assert drive.reach(milestones["arrival"]["id"], evidence=False)["state"] == "reached"


def test_a_milestone_is_not_reached_in_the_future_or_before_signing(org, drive, delivering):
    contract, milestones = delivering
    future = drive.reach(milestones["shipment"]["id"], actual_date=str(days(1)), expect=400)
    assert "actual_date" in future["fields"]
    early = drive.reach(milestones["shipment"]["id"], actual_date=str(days(-400)), expect=400)
    assert early["fields"] == {"actual_date": ["Before the contract was signed."]}
    assert not ContractDocument.objects.exists()  # nothing half-written
    assert DeliveryMilestone.objects.get(pk=milestones["shipment"]["id"]).state == "planned"


def test_delivery_milestones_are_reached_only_in_delivery(org, drive, contract):
    drive.sign_and_accept(contract)
    planned = drive.milestone(contract, "shipment", days(-1))
    refused = drive.reach(planned["id"], evidence=False, expect=409)
    assert refused["fields"] == {"contract": ["The contract must be in delivery."]}


def test_reaching_is_internal_to_its_service(org, drive, delivering):
    _contract, milestones = delivering
    response = drive.post(
        org.fr,
        f"/api/v1/delivery-milestones/{milestones['shipment']['id']}/transitions/reach/",
        expect=409,
    )
    assert response["code"] == "transition_internal"


def test_slippage_and_overdue_are_visible(org, drive, delivering):
    contract, milestones = delivering
    client = drive.api(org.fr)
    overdue = client.get(f"/api/v1/delivery-milestones/?contract={contract.pk}&overdue=true")
    assert {m["kind"] for m in overdue.json()["results"]} == {"shipment", "arrival"}
    assert {m["slip_days"] for m in overdue.json()["results"]} == {10, 3}
    on_track = client.get(f"/api/v1/delivery-milestones/?contract={contract.pk}&overdue=false")
    assert [m["kind"] for m in on_track.json()["results"]] == ["acceptance"]
    assert on_track.json()["results"][0]["is_overdue"] is False


def test_a_cancelled_milestone_needs_a_reason(org, drive, delivering):
    _contract, milestones = delivering
    url = f"/api/v1/delivery-milestones/{milestones['shipment']['id']}/transitions/cancel/"
    assert drive.post(org.fr, url, expect=400)["fields"] == {"reason": ["Required."]}
    assert drive.post(org.fr, url, {"reason": "Delivered from local stock."})["state"] == (
        "cancelled"
    )


def test_deliverables_move_from_planned_to_done(org, drive, delivering):
    contract, _milestones = delivering
    created = drive.post(
        org.fr,
        "/api/v1/deliverables/",
        {
            "contract": contract.pk,
            "name": "Edge nodes",
            "quantity": "40",
            "unit": "units",
            "owner": org.fr.pk,
            "due_on": str(days(-2)),
        },
        expect=201,
    )
    assert created["state"] == "planned" and created["is_overdue"] is True
    url = f"/api/v1/deliverables/{created['id']}/transitions"
    assert drive.post(org.fr, f"{url}/start/")["state"] == "in_progress"
    done = drive.post(org.fr, f"{url}/complete/")
    assert done["state"] == "done" and done["completed_on"] == str(days(0))
    assert done["slip_days"] == 2 and done["is_overdue"] is False
    reopened = drive.post(org.fr, f"{url}/reopen/", {"reason": "Two nodes faulty."})
    assert reopened["state"] == "in_progress" and reopened["completed_on"] is None
    late = drive.api(org.fr).get(f"/api/v1/deliverables/?contract={contract.pk}&overdue=true")
    assert [d["id"] for d in late.json()["results"]] == [created["id"]]


def test_bad_plan_input_is_a_400(org, drive, contract):
    bad = drive.post(
        org.fr,
        "/api/v1/delivery-milestones/",
        {"contract": contract.pk, "kind": "teleport", "planned_date": "tomorrow"},
        expect=400,
    )
    assert {"kind", "planned_date"} <= set(bad["fields"])
    bad = drive.post(
        org.fr,
        "/api/v1/deliverables/",
        {"contract": contract.pk, "name": "x", "quantity": "0"},
        expect=400,
    )
    assert "quantity" in bad["fields"]


def test_the_plan_of_a_finished_contract_is_final(org, drive, contract):
    drive.transition(org.manager, contract, "terminate", reason="Cancelled by the customer.")
    refused = drive.milestone(contract, "arrival", days(5), expect=409)
    assert refused["code"] == "contract_finished"


def test_a_milestone_moves_to_another_contract_never(org, drive, delivering):
    _contract, milestones = delivering
    other = ContractFactory(owner=org.rep, team=team(ar=org.rep, sr=org.sr, fr=org.fr))
    response = drive.api(org.fr).patch(
        f"/api/v1/delivery-milestones/{milestones['acceptance']['id']}/",
        {"contract": other.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "contract" in response.json()["fields"]


def test_late_delivery_is_announced_once_per_planned_date(
    org, drive, delivering, mailoutbox, django_capture_on_commit_callbacks
):
    """The daily scan tells the owner and the FR of each milestone whose planned date passed
    unreached — once, however often it runs; a date moved later that passes again is told again."""
    from contracts.tasks import send_late_delivery_reminders
    from core.models import Notification

    contract, milestones = delivering
    drive.reach(milestones["shipment"]["id"], actual_date=str(days(-8)))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_late_delivery_reminders() == 1  # arrival; shipment was reached in time
    late = Notification.objects.filter(kind="delivery.late")
    assert [(n.recipient, n.target_id) for n in late] == [(org.fr, milestones["arrival"]["id"])]
    title = late[0].display_title
    assert "Arrival" in title and formats.date_format(days(-3), "DATE_FORMAT") in title
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [org.fr.email]
    assert "Action needed" in mailoutbox[0].subject  # it cannot wait

    assert send_late_delivery_reminders() == 0
    assert late.all().count() == 1

    # An approved amendment moved the date; when it passes too, the people hear again.
    DeliveryMilestone.objects.filter(pk=milestones["arrival"]["id"]).update(planned_date=days(-1))
    assert send_late_delivery_reminders() == 1
    assert late.all().count() == 2


def test_late_delivery_is_not_announced_for_a_suspended_contract(org, drive, delivering):
    from contracts.tasks import send_late_delivery_reminders

    contract, _milestones = delivering
    contract.refresh_from_db()
    type(contract).objects.filter(pk=contract.pk).update(state="suspended")
    assert send_late_delivery_reminders() == 0
