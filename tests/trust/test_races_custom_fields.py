"""A custom field's key is taken once per record type, also when twenty administrators ask
for it at the same instant (ADR 12: the unique constraint decides, the losers hear what a
later, lone repeat hears: a 400 on `key`)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from core.custom_fields import CustomField
from tests.trust.racing import stampede

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency: PostgreSQL"),
]


def test_a_custom_field_created_twenty_times_at_once_exists_once(org, api):
    body = {
        "target": "opportunities.opportunity",
        "key": "tender_no",
        "label_en": "Tender number",
        "label_zh": "招标编号",
        "type": "text",
    }

    responses = stampede(lambda: api(org.admin).post("/api/v1/custom-fields/", body, format="json"))

    assert Counter(
        (r.status_code, next(iter(r.json().get("fields") or {}), None)) for r in responses
    ) == {(201, None): 1, (400, "key"): 19}
    assert CustomField.objects.count() == 1
