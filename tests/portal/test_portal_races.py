"""Partner portal races on PostgreSQL (ADR 12, 21): two withdrawals of one registration at
once give one withdrawal and one 409; two partner users made at once with one username give
one user and one 400."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from partners.models import PartnerRegistration
from tests.factories import CustomerFactory
from tests.trust.racing import race

from .conftest import PASSWORD

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_two_withdrawals_at_once_give_one(org, api, partner, lin):
    CustomerFactory(
        name="Guangdong Power Grid", owner=org.rep, org_unit=org.gd_carrier, region="广东"
    )
    body = {"customer_name": "Guangdong Power Grid", "project": "P", "product_line": "5G"}
    pk = api(lin).post("/api/v1/portal/registrations/", body, format="json").json()["id"]
    url = f"/api/v1/portal/registrations/{pk}/withdraw/"
    codes = race(*[lambda: api(lin).post(url).status_code] * 2)
    assert sorted(codes) == [200, 409]
    assert PartnerRegistration.objects.get(pk=pk).state == "withdrawn"


def test_two_partner_users_with_one_username_give_one(org, api, partner):
    body = {"partner": partner.pk, "username": "lin", "password": PASSWORD}

    def add():
        return api(org.rep).post("/api/v1/partner-members/", body, format="json").status_code

    assert sorted(race(add, add)) == [201, 400]
    assert get_user_model().objects.filter(username="lin").count() == 1
