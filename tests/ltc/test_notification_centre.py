"""The notifications centre: unread count in the header, unread filter, mark read in place
(htmx) or with a plain form, never someone else's."""

import pytest

from core.messages import message
from core.models import Notification
from core.notifications import notify
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def notes(org):
    lead = LeadFactory(owner=org.rep, title="Port cranes")
    news = message("lead.assigned", lead="First news")
    notify(recipients=[org.rep], kind="test", message=news, target=lead)
    news = message("lead.assigned", lead="Second news")
    notify(recipients=[org.rep], kind="test", message=news, target=lead)
    news = message("lead.assigned", lead="Not yours")
    notify(recipients=[org.teammate], kind="test", message=news, target=lead)
    return list(Notification.objects.filter(recipient=org.rep).order_by("pk"))


def test_marking_read_in_place_answers_the_row_and_refreshes_the_badge(org, client, notes):
    client.force_login(org.rep)
    page = client.get("/notifications/").content.decode()
    assert "First news" in page and "Not yours" not in page
    assert f'hx-post="/notifications/{notes[0].pk}/read/"' in page
    response = client.post(f"/notifications/{notes[0].pk}/read/", HTTP_HX_REQUEST="true")
    row = response.content.decode()
    assert row.lstrip().startswith(f'<tr id="notification-{notes[0].pk}"')
    assert "/read/" not in row and "badge info" not in row  # read: no button, no "new"
    assert response["HX-Trigger"] == "notifications-changed"
    badge = client.get("/notifications/badge/").content.decode()
    assert 'class="count">1<' in badge and "<html" not in badge


def test_marking_read_without_javascript_comes_back_to_the_list(org, client, notes):
    client.force_login(org.rep)
    response = client.post(f"/notifications/{notes[1].pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    unread = client.get("/notifications/?unread=1").content.decode()
    assert "First news" in unread and "Second news" not in unread
    assert client.get(f"/notifications/{notes[1].pk}/read/").status_code == 405


def test_no_one_marks_someone_elses_notification(org, client, notes):
    theirs = Notification.objects.get(recipient=org.teammate)
    client.force_login(org.rep)
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_header_counts_unread_and_links_the_centre(org, client, notes):
    client.force_login(org.rep)
    page = client.get("/").content.decode()
    assert 'id="unread-badge"' in page and 'class="count">2<' in page
    assert 'hx-get="/notifications/badge/"' in page
    client.post("/notifications/read-all/")
    assert 'class="count"' not in client.get("/notifications/badge/").content.decode()
