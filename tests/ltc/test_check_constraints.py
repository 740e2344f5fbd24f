"""A value a database CHECK constraint refuses is the client's bad input: a 400 naming the
field, checked before the write (core.records) and, should a write reach the database anyway,
turned into the same 400 by the API's exception handler. Only a real clash (a duplicate) is a
409."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError

from core.errors import ValidationFailed
from core.records import record_update
from opportunities.models import Opportunity
from tests.factories import CustomerFactory, OpportunityFactory, team

pytestmark = pytest.mark.django_db


def test_record_update_checks_the_constraints_before_writing(org):
    opportunity = OpportunityFactory(owner=org.rep, amount=Decimal("10.00"))
    with pytest.raises(ValidationFailed) as raised:
        record_update(opportunity, by=org.rep, data={"amount": Decimal("-1.00")})
    assert "amount" in raised.value.fields
    assert Opportunity.objects.get(pk=opportunity.pk).amount == Decimal("10.00")


def test_a_check_constraint_refused_by_the_database_is_a_400_naming_the_field(
    org, api, monkeypatch
):
    opportunity = OpportunityFactory(owner=org.rep, team=team(ar=org.rep, sr=org.sr, fr=org.fr))
    from opportunities.api import views

    def write_past_the_checks(self, instance, data, expected_version):
        Opportunity.objects.filter(pk=instance.pk).update(probability_pct=Decimal("150"))

    monkeypatch.setattr(views.OpportunityViewSet, "update_record", write_past_the_checks)
    response = api(org.rep).patch(f"/api/v1/opportunities/{opportunity.pk}/", {"name": "x"})
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert "probability_pct" in response.json()["fields"]


def test_a_duplicate_is_still_a_409_clash(org, api, monkeypatch):
    customer = CustomerFactory(owner=org.rep)
    from accounts.api import views

    def duplicate(self, data):
        raise IntegrityError("UNIQUE constraint failed: accounts_customer.credit_code")

    monkeypatch.setattr(views.CustomerViewSet, "create_record", duplicate)
    response = api(org.rep).post("/api/v1/customers/", {"name": customer.name}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
