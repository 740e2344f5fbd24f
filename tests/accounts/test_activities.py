"""Activities: customer interactions on any record (a lead here), their next steps, and the
daily flag of overdue next steps."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Activity
from accounts.tasks import activities_flag_overdue
from core.models import AuditEvent, Notification
from tests.factories import ContactFactory, CustomerFactory, LeadFactory

pytestmark = pytest.mark.django_db


def add(client, lead, **data):
    payload = {
        "subject_type": "leads.lead",
        "subject_id": lead.pk,
        "kind": "visit",
        "summary": "Met the CIO",
        **data,
    }
    return client.post("/api/v1/activities/", payload, format="json")


def test_recording_an_activity_on_a_lead(org, api):
    customer = CustomerFactory(owner=org.rep)
    contact = ContactFactory(customer=customer)
    lead = LeadFactory(owner=org.rep, customer=customer)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = add(
        api(org.rep),
        lead,
        contact=contact.pk,
        notes="Walked through the network plan",
        outcome="Interested in a pilot",
        next_step="Send the pilot proposal",
        next_step_date=tomorrow.isoformat(),
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["subject_type"] == "leads.lead" and body["subject_id"] == lead.pk
    assert body["customer"] == customer.pk and body["owner"] == org.rep.pk
    assert body["org_unit"] == org.gd_carrier.pk and body["is_overdue"] is False
    event = AuditEvent.objects.get(target_id=lead.pk, action="activity.logged")
    assert "Met the CIO" in event.comment  # on the lead's timeline


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"next_step_date": "2030-01-01"}, "next_step"),
        ({"kind": "telepathy"}, "kind"),
        ({"summary": ""}, "summary"),
        ({"subject_type": "ltc.notification"}, "subject_type"),
    ],
)
def test_bad_input_is_a_field_error(org, api, data, field):
    lead = LeadFactory(owner=org.rep)
    response = add(api(org.rep), lead, **data)
    assert response.status_code == 400 and field in response.json()["fields"]
    assert not Activity.objects.exists()


def test_the_contact_must_work_at_the_customer(org, api):
    lead = LeadFactory(owner=org.rep, customer=CustomerFactory(owner=org.rep))
    stranger = ContactFactory(customer=CustomerFactory(owner=org.rep))
    response = add(api(org.rep), lead, contact=stranger.pk)
    assert response.status_code == 400 and "contact" in response.json()["fields"]


def test_who_may_record_and_read_a_leads_activities(org, api):
    lead = LeadFactory(owner=org.rep)
    add(api(org.rep), lead)
    assert add(api(org.teammate), lead).status_code == 403  # sees it, may not change it
    assert add(api(org.other_team_rep), lead).status_code == 404
    url = f"/api/v1/activities/?subject_type=leads.lead&subject_id={lead.pk}"
    assert len(api(org.teammate).get(url).json()["results"]) == 1
    assert api(org.other_team_rep).get(url).status_code == 404
    assert api(org.other_region_manager).get("/api/v1/activities/").json()["results"] == []


def test_a_leads_new_team_sees_its_activities(org, api):
    lead = LeadFactory(owner=None, org_unit=org.gd_carrier)
    activity_id = add(api(org.rep), lead).json()["id"]
    api(org.director).post(
        f"/api/v1/leads/{lead.pk}/assign/", {"owner": org.other_team_rep.pk}, format="json"
    )
    assert api(org.other_team_rep).get(f"/api/v1/activities/{activity_id}/").status_code == 200


def test_overdue_next_steps_are_flagged_to_the_owner_once(org, api):
    lead = LeadFactory(owner=org.rep)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    overdue = add(api(org.rep), lead, next_step="Call back", next_step_date=yesterday.isoformat())
    overdue = overdue.json()
    add(api(org.rep), lead, next_step="Later", next_step_date="2099-01-01")
    listed = api(org.rep).get("/api/v1/activities/?overdue=true").json()["results"]
    assert [a["id"] for a in listed] == [overdue["id"]] and listed[0]["is_overdue"]

    assert activities_flag_overdue.delay().get() == 1
    assert activities_flag_overdue.delay().get() == 0  # idempotent
    note = Notification.objects.get(kind="activity.overdue")
    assert note.recipient == org.rep and "Call back" in note.title
    assert note.url == f"{lead.get_absolute_url()}#activity-{overdue['id']}"


def test_a_done_next_step_is_not_overdue_and_a_new_date_is_flagged_again(org, api):
    lead = LeadFactory(owner=org.rep)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    activity = add(api(org.rep), lead, next_step="Call", next_step_date=yesterday.isoformat())
    url = f"/api/v1/activities/{activity.json()['id']}/"
    done = api(org.rep).patch(url, {"next_step_done": True}, format="json").json()
    assert done["next_step_done_at"] and not done["is_overdue"]
    assert activities_flag_overdue.delay().get() == 0

    api(org.rep).patch(url, {"next_step_done": False}, format="json")
    assert activities_flag_overdue.delay().get() == 1
    earlier = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    api(org.rep).patch(url, {"next_step_date": earlier}, format="json")
    assert activities_flag_overdue.delay().get() == 1  # the new date is flagged once more


def test_the_activity_list_runs_a_constant_number_of_queries(
    org, api, django_assert_max_num_queries
):
    lead = LeadFactory(owner=org.rep, customer=CustomerFactory(owner=org.rep))
    for _ in range(5):
        add(api(org.rep), lead, contact=ContactFactory(customer=lead.customer).pk)
    client = api(org.rep)
    with django_assert_max_num_queries(2):
        assert len(client.get("/api/v1/activities/").json()["results"]) == 5
    with django_assert_max_num_queries(4):
        url = f"/api/v1/activities/?subject_type=lead&subject_id={lead.pk}"
        assert len(client.get(url).json()["results"]) == 5


def test_adding_an_activity_inline_on_the_lead_page(org, client):
    lead = LeadFactory(owner=org.rep)
    client.force_login(org.rep)
    page = client.get(lead.get_absolute_url()).content.decode()
    assert 'id="activities"' in page and f"/activities/add/leads.lead/{lead.pk}/" in page
    response = client.post(
        f"/activities/add/leads.lead/{lead.pk}/",
        {
            "activity-kind": "call",
            "activity-occurred_at": "2026-11-20T10:30",
            "activity-summary": "Budget call",
            "activity-next_step": "Send quote",
            "activity-next_step_date": "2026-11-25",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="activities"')
    assert "Budget call" in html and "Send quote" in html
    activity = Activity.objects.get()
    done = client.post(f"/activities/{activity.pk}/done/", {"done": "1"}, HTTP_HX_REQUEST="true")
    assert "Reopen" in done.content.decode()


def test_an_invalid_inline_activity_shows_the_form_errors(org, client):
    lead = LeadFactory(owner=org.rep)
    client.force_login(org.rep)
    response = client.post(
        f"/activities/add/leads.lead/{lead.pk}/",
        {"activity-kind": "call", "activity-summary": "", "activity-occurred_at": "x"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not Activity.objects.exists()
    client.force_login(org.other_team_rep)
    assert client.post(f"/activities/add/leads.lead/{lead.pk}/", {}).status_code == 404


def test_the_next_step_goes_to_the_recorder_or_the_records_owner(org, api):
    lead = LeadFactory(owner=org.rep)
    assert add(api(org.rep), lead, owner=org.other_region_rep.pk).status_code == 400
    pool = LeadFactory(owner=None, org_unit=org.gd_carrier)
    handed = add(api(org.manager), pool, owner=org.teammate.pk)
    assert handed.status_code == 201 and handed.json()["owner"] == org.teammate.pk
    mine = LeadFactory(owner=org.teammate)
    assert add(api(org.teammate), mine, owner=org.teammate.pk).status_code == 201
