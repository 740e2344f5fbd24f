"""The audit trail is append-only and every state change shows on its record's timeline."""

import pytest

from core.audit import audit_record
from core.models import AuditEvent
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_audit_events_cannot_be_changed_or_deleted(org):
    lead = LeadFactory(owner=org.rep)
    event = audit_record(target=lead, action="updated", actor=org.rep, changes={"a": [1, 2]})
    event.comment = "rewritten"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).comment == ""


def test_the_audit_admin_offers_no_change(client, org):
    lead = LeadFactory(owner=org.rep)
    event = audit_record(target=lead, action="updated", actor=org.rep)
    client.force_login(org.admin)
    assert client.get("/admin/ltc/auditevent/").status_code == 200
    page = client.get(f"/admin/ltc/auditevent/{event.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = client.post(f"/admin/ltc/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_edits_and_transitions_are_on_the_timeline_with_who_and_what(org, api, client):
    lead = LeadFactory(owner=org.rep, title="Old title")
    rep = api(org.rep)
    rep.patch(f"/api/v1/leads/{lead.pk}/", {"title": "New title"}, format="json")
    rep.post(
        f"/api/v1/leads/{lead.pk}/transitions/disqualify/", {"reason": "Duplicate"}, format="json"
    )
    events = rep.get(f"/api/v1/leads/{lead.pk}/timeline/").json()
    assert events[0]["transition"] == "disqualify" and events[0]["comment"] == "Duplicate"
    assert events[1]["changes"] == {"title": ["Old title", "New title"]}
    assert {e["actor"] for e in events} == {"rep"}
    client.force_login(org.rep)
    page = client.get(lead.get_absolute_url()).content.decode()
    assert f"{org.rep} moved the lead from New to Disqualified." in page
    assert "Title changed from Old title to New title" in page
