"""Numbers and versions under concurrency (issue 22.6, ADR 27): twenty generations at once,
two for each of ten deals, give ten distinct consecutive numbers and versions 1 and 2 of
each (the counter row and the record are locked until the generation commits)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from documents.models import GeneratedDocument
from documents.services import template_save
from tests.factories import OpportunityFactory
from tests.trust.racing import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency: PostgreSQL"),
]


def test_twenty_generations_at_once_get_consecutive_numbers_and_versions(org, api):
    template_save(
        by=org.admin, kind="authorisation", language="en", body="<p>{{ document.number }}</p>"
    )
    deals = [OpportunityFactory(owner=org.rep) for _ in range(10)]

    def make(deal):
        return lambda: api(org.rep).post(
            "/api/v1/documents/generate/",
            {"kind": "authorisation", "record_id": deal.pk, "language": "en"},
            format="json",
        )

    responses = race(*[make(deal) for deal in deals for _ in range(2)], timeout=120)

    assert Counter(r.status_code for r in responses) == {201: 20}, [r.json() for r in responses]
    year = timezone.localdate().year
    numbers = {r.json()["number"] for r in responses}
    assert numbers == {f"AU-{year}-{n:06d}" for n in range(1, 11)}
    for deal in deals:
        rows = GeneratedDocument.objects.filter(record_id=deal.pk, kind="authorisation")
        assert sorted(rows.values_list("version", flat=True)) == [1, 2]
        assert len(set(rows.values_list("number", flat=True))) == 1
