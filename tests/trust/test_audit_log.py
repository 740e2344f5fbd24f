"""The audit trail finance relies on: append-only in the database itself, read-only in the
admin and the API, recording money, state, ownership, authority rules and permissions with
before, after and where the change came from."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from core.models import AuditEvent, AuthorityRule
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def an_event(org) -> AuditEvent:
    lead = LeadFactory(owner=org.rep)
    return AuditEvent.objects.create(
        target_type=ContentType.objects.get_for_model(lead), target_id=lead.pk, action="created"
    )


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ltc_auditevent SET action = 'forged' WHERE id = %s",
        "DELETE FROM ltc_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_to_change_or_delete_audit_rows(org, sql):
    event = an_event(org)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "created"


def test_a_queryset_update_is_refused_too(org):
    event = an_event(org)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(comment="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).comment == ""


def test_a_bulk_rewrite_of_the_whole_trail_is_refused(org):
    an_event(org)
    rows = AuditEvent.objects.values_list("pk", "action", "actor_name").order_by("pk")
    trail = list(rows)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.update(action="forged", actor_name="nobody")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert list(rows) == trail


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_trail_and_leaves_it_append_only(org):
    """`manage.py flush` (the test runner between tests, an operator before a restore)
    empties the audit table on both databases; the table stays append-only afterwards."""
    an_event(org)
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    ContentType.objects.clear_cache()  # flush made the content types anew
    event = AuditEvent.objects.create(
        target_type=ContentType.objects.get_for_model(AuditEvent), target_id=1, action="created"
    )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(comment="rewritten")


def test_the_admin_can_search_but_not_add_change_or_delete(client, org):
    event = an_event(org)
    client.force_login(org.admin)
    assert client.get("/admin/ltc/auditevent/?q=created").status_code == 200
    page = client.get(f"/admin/ltc/auditevent/{event.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    response = client.post(f"/admin/ltc/auditevent/{event.pk}/change/", {"action": "forged"})
    assert response.status_code == 403
    assert client.post(
        f"/admin/ltc/auditevent/{event.pk}/delete/", {"post": "yes"}
    ).status_code in (
        403,
        302,
    )
    assert client.get("/admin/ltc/auditevent/add/").status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk, action="created").exists()


def test_no_api_route_writes_the_audit_trail(org, api):
    lead = LeadFactory(owner=org.rep)
    client = api(org.admin)
    url = f"/api/v1/leads/{lead.pk}/timeline/"
    assert client.get(url).status_code == 200
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(url, {}, format="json").status_code == 405


def test_an_api_change_records_before_after_and_where_from(org, api):
    lead = LeadFactory(owner=org.rep, title="Old title")
    client = api(org.rep)
    response = client.patch(
        f"/api/v1/leads/{lead.pk}/",
        {"title": "New title"},
        format="json",
        REMOTE_ADDR="203.0.113.7",
        HTTP_USER_AGENT="erp-sync/2.1",
    )
    assert response.status_code == 200
    event = AuditEvent.objects.filter(target_id=lead.pk, action="updated").latest("id")
    assert event.changes["title"] == ["Old title", "New title"]
    assert (event.ip, event.user_agent, event.via) == ("203.0.113.7", "erp-sync/2.1", "api")
    assert event.actor == org.rep


def test_authority_rule_changes_are_audited_with_before_and_after(org, api):
    rule = AuthorityRule.objects.create(org_unit=org.gd, max_amount=Decimal("5000000"))
    response = api(org.admin).patch(
        f"/api/v1/authority-rules/{rule.pk}/", {"max_amount": "3000000.00"}, format="json"
    )
    assert response.status_code == 200
    event = AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(AuthorityRule), target_id=rule.pk
    ).latest("id")
    old, new = event.changes["max_amount"]
    assert Decimal(old) == Decimal("5000000") and Decimal(new) == Decimal("3000000")


def test_permission_changes_in_the_admin_are_audited(client, org):
    user = org.rep
    client.force_login(org.admin)
    page = client.get(f"/admin/accounts/user/{user.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        {
            "username": user.username,
            "role": "sales_manager",
            "org_unit": user.org_unit_id,
            "is_active": "on",
            "is_staff": "on",
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            "language": user.language or "",
            "_save": "Save",
        }
    )
    data.pop("password", None)
    data.pop("last_login", None)
    response = client.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.filter(target_id=user.pk, action="permissions.changed").latest("id")
    assert event.changes["role"] == ["sales_rep", "sales_manager"]
    assert event.changes["is_staff"] == [False, True]
    assert event.actor == org.admin and event.via == "web"
