"""The web app's frame: sign-in, navigation per role, every main page renders, notifications,
the language switch."""

import pytest
from django.urls import reverse

from core.messages import message
from core.models import Notification
from core.notifications import notify
from tests.factories import ContractFactory, LeadFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/leads/",
    "/leads/new/",
    "/opportunities/",
    "/opportunities/new/",
    "/gates/",
    "/contracts/",
    "/contracts/new/",
    "/collections/",
    "/collections/receipts/",
    "/customers/",
    "/customers/new/",
    "/notifications/",
]


def test_pages_need_a_signed_in_user(client):
    response = client.get("/leads/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_sign_in_with_a_password(client, org):
    response = client.post("/login/", {"username": "rep", "password": "pass-1234-word"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "Welcome" in client.get("/").content.decode()


def test_a_wrong_password_shows_an_error_on_the_form(client, org):
    response = client.post("/login/", {"username": "rep", "password": "nope"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode() or "form-errors" in response.content.decode()


@pytest.mark.parametrize("who", ["rep", "sr", "fr", "manager", "director", "finance", "admin"])
def test_every_main_page_renders_for_every_role(client, org, who):
    client.force_login(getattr(org, who))
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 200, (page, response.status_code)


def test_record_pages_render(client, org):
    lead = LeadFactory(owner=org.rep)
    opportunity = OpportunityFactory(owner=org.rep)
    contract = ContractFactory(owner=org.rep)
    client.force_login(org.rep)
    for record in (lead, opportunity, contract, opportunity.customer):
        assert client.get(record.get_absolute_url()).status_code == 200


def test_navigation_follows_the_role(client, org):
    client.force_login(org.finance)
    page = client.get("/").content.decode()
    assert reverse("receivables:milestones") in page
    assert 'href="/leads/"' not in page
    client.force_login(org.rep)
    assert 'href="/leads/"' in client.get("/").content.decode()


def test_notifications_show_an_unread_count_and_link_to_the_record(client, org):
    lead = LeadFactory(owner=org.rep)
    look = message("lead.assigned", lead="Look at this lead")
    notify(recipients=[org.rep], kind="test", message=look, target=lead)
    client.force_login(org.rep)
    assert 'class="count">1<' in client.get("/").content.decode()
    note = Notification.objects.get(recipient=org.rep)
    response = client.post(f"/notifications/{note.pk}/open/")
    assert response["Location"] == lead.get_absolute_url()
    note.refresh_from_db()
    assert note.read_at is not None
    other = client.post(f"/notifications/{note.pk + 999}/open/")
    assert other.status_code == 404


def test_the_language_switch_is_kept_on_the_user(client, org):
    client.force_login(org.rep)
    response = client.post("/language/", {"language": "zh-hans", "next": "/leads/"})
    assert response["Location"] == "/leads/"
    org.rep.refresh_from_db()
    assert org.rep.language == "zh-hans"
    assert client.get("/leads/")["Content-Language"] == "zh-hans"
    unsafe = client.post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert unsafe["Location"] == "/"


def _form_data(form) -> dict:
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or value is False:
            continue
        data[name] = value.pk if hasattr(value, "pk") else value
    return data


def test_an_edit_page_saves_and_audits_the_change(client, org):
    from accounts.forms import CustomerForm
    from core.models import AuditEvent
    from tests.factories import CustomerFactory

    customer = CustomerFactory(owner=org.rep, name="Old Name Ltd")
    data = _form_data(CustomerForm(instance=customer, user=org.rep))
    data["name"] = "New Name Ltd"
    client.force_login(org.rep)
    response = client.post(f"/customers/{customer.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:1000]
    customer.refresh_from_db()
    assert customer.name == "New Name Ltd"
    event = AuditEvent.objects.filter(action="updated", target_id=customer.pk).latest("at")
    assert event.changes["name"] == ["Old Name Ltd", "New Name Ltd"]


def test_date_pickers_hold_an_iso_date_in_every_language(client, org):
    """A localised value (2026/11/23 in Chinese) would leave the browser's date picker empty."""
    from django.utils import timezone, translation

    org.finance.language = "zh-hans"
    org.finance.save(update_fields=["language"])
    client.force_login(org.finance)
    try:
        page = client.get("/collections/receipts/new/").content.decode()
    finally:
        translation.activate("en")  # the middleware leaves this thread speaking Chinese
    assert f'type="date" name="received_on" value="{timezone.localdate().isoformat()}"' in page
