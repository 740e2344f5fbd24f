"""Documents from the record (issue 22.6, ADR 27): PDFs whose text (Chinese included) reads
back and matches the record, the stored hash equals the file's, a regeneration is a new
version that leaves the first intact, and only those who may view the record download it."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from core.audit import timeline
from documents.models import GeneratedDocument

from .conftest import CUSTOMER, pdf_text

pytestmark = pytest.mark.django_db


def generate(api, user, kind, record, language="zh-hans"):
    return api(user).post(
        "/api/v1/documents/generate/",
        {"kind": kind, "record_id": record.pk, "language": language},
        format="json",
    )


def test_a_quote_reads_back_with_its_customer_amounts_and_number_and_regenerates_as_v2(
    org, api, quote
):
    first = generate(api, org.rep, "quote", quote)
    assert first.status_code == 201, first.content
    body = first.json()
    year = body["created_at"][:4]
    assert body["number"] == f"QT-{year}-000001" and body["version"] == 1
    document = GeneratedDocument.objects.get(pk=body["id"])
    text = pdf_text(document)
    assert CUSTOMER in text and "报价单" in text and body["number"] in text
    assert "¥123,456.78" in text and "¥418,518.48" in text  # the unit price; 3 × 1.13 with tax
    with document.file.open("rb") as handle:
        v1_bytes = handle.read()
    assert body["sha256"] == hashlib.sha256(v1_bytes).hexdigest() == document.sha256

    second = generate(api, org.rep, "quote", quote, language="en").json()
    assert (second["number"], second["version"]) == (body["number"], 2)
    assert "version 2" in pdf_text(GeneratedDocument.objects.get(pk=second["id"]))
    document.refresh_from_db()
    with document.file.open("rb") as handle:
        assert handle.read() == v1_bytes  # v1 intact: never overwritten
    assert second["sha256"] != body["sha256"]
    sentences = [e.action for e in timeline(quote)]
    assert sentences.count("document.generated") == 2

    # Only those who may view the record see or download the document.
    url = f"/api/v1/documents/{document.pk}/download/"
    got = api(org.teammate).get(url)
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    assert b"".join(got.streaming_content) == v1_bytes
    assert api(org.other_team_rep).get(url).status_code == 404
    assert api(org.other_region_rep).get(f"/api/v1/documents/{document.pk}/").status_code == 404
    assert api(org.other_team_rep).get("/api/v1/documents/").json()["results"] == []
    client = org.other_team_rep
    assert generate(api, client, "quote", quote).status_code == 404
    assert generate(api, org.teammate, "quote", quote).status_code == 403  # views, may not change


def test_a_payment_request_names_the_outstanding_amount_the_due_date_and_days_overdue(
    org, api, milestone
):
    answer = generate(api, org.finance, "payment_request", milestone)
    assert answer.status_code == 201, answer.content
    text = pdf_text(GeneratedDocument.objects.get(pk=answer.json()["id"]))
    assert "催款函" in text and CUSTOMER in text and "¥250,000.00" in text
    assert "已逾期12天" in "".join(text.split())
    assert answer.json()["number"].startswith("PR-")


@pytest.mark.parametrize("kind", ["bid_letter", "authorisation"])
def test_letters_are_made_from_the_opportunity(org, api, deal, kind):
    answer = generate(api, org.rep, kind, deal)
    assert answer.status_code == 201, answer.content
    text = pdf_text(GeneratedDocument.objects.get(pk=answer.json()["id"]))
    assert CUSTOMER in text and deal.name in text.replace("\n", "")
    deal.pk += 1000  # no such opportunity
    assert generate(api, org.rep, kind, deal).status_code == 404


def test_the_record_page_lists_documents_and_its_button_generates_one(org, client, milestone):
    client.force_login(org.rep)
    page = milestone.get_absolute_url()
    response = client.post(
        reverse("documents:generate"),
        {"kind": "payment_request", "record": milestone.pk, "language": "en"},
    )
    assert response.status_code == 302 and response["Location"] == page
    document = GeneratedDocument.objects.get()
    html = client.get(page).content.decode()
    assert document.number in html and reverse("documents:download", args=[document.pk]) in html
    assert "Payment request" in pdf_text(document)
    client.force_login(org.other_region_rep)
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404
