"""The company edits its document templates (issue 22.6, ADR 27): each save is a new version,
audited; a template that does not compile is a 400 (a form error on the page) with nothing
saved; a template reaches only the context it is given: no settings, no ORM, no files."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from core.audit import timeline
from documents.models import DocumentTemplate, GeneratedDocument
from documents.services import template_current

from .conftest import pdf_text

pytestmark = pytest.mark.django_db
URL = "/api/v1/document-templates/"


def post(api, user, body, kind="payment_request", language="en"):
    return api(user).post(URL, {"kind": kind, "language": language, "body": body}, format="json")


def test_a_saved_template_is_a_new_version_audited_and_used_by_the_next_document(
    org, api, milestone
):
    seeded = template_current("payment_request", "en")
    assert seeded.version == 1 and "{{ milestone.outstanding }}" in seeded.body
    answer = post(api, org.admin, "<h1>Pay {{ customer.name }}: {{ milestone.outstanding }}</h1>")
    assert answer.status_code == 201, answer.content
    assert answer.json()["version"] == 2
    template = DocumentTemplate.objects.get(pk=answer.json()["id"])
    assert [e.action for e in timeline(template)] == ["document_template.changed"]

    made = api(org.rep).post(
        "/api/v1/documents/generate/",
        {"kind": "payment_request", "record_id": milestone.pk, "language": "en"},
        format="json",
    )
    assert made.json()["template_version"] == 2
    assert "Pay 广东移动通信有限公司: ¥250,000.00" in pdf_text(GeneratedDocument.objects.get())
    assert post(api, org.manager, "<p>x</p>").status_code == 403
    assert DocumentTemplate.objects.filter(kind="payment_request", language="en").count() == 2


@pytest.mark.parametrize(
    "body",
    [
        "{% if %}",  # a syntax error
        "{% debug %}",  # would print the context and every loaded module
        "{% load static %}",  # would add code
        '{% include "base.html" %}',  # would read a file
        '{% extends "base.html" %}',
        "{% url 'admin:index' %}",
    ],
)
def test_a_bad_or_reaching_template_is_a_400_and_nothing_is_saved(org, api, body):
    before = DocumentTemplate.objects.count()
    answer = post(api, org.admin, body)
    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == "bad_template" and "body" in answer.json()["fields"]
    assert DocumentTemplate.objects.count() == before


def test_the_settings_page_shows_a_bad_template_as_a_form_error(org, client):
    client.force_login(org.admin)
    url = reverse("documents:template", args=["quote", "zh-hans"])
    assert client.get(url).status_code == 200
    page = client.post(url, {"body": "{% for %}"})
    assert page.status_code == 200 and "errorlist" in page.content.decode()
    assert DocumentTemplate.objects.filter(kind="quote").count() == 1  # the seeded one only
    assert client.post(url, {"body": "<p>{{ customer.name }}</p>"}).status_code == 302
    assert template_current("quote", "zh-hans").version == 2
    client.force_login(org.manager)
    assert client.get(url).status_code == 404
    assert client.get(reverse("documents:settings")).status_code == 404


def test_a_template_reaches_nothing_beyond_its_context(org, api, milestone, tmp_path):
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("TOP-SECRET-FILE")
    body = (
        "<p>[{{ settings.SECRET_KEY }}][{{ milestone.objects.all }}]"
        "[{{ request.user }}][{{ milestone.outstanding }}]</p>"
        f'<img src="file://{secret_file}"><iframe src="file://{secret_file}"></iframe>'
        '<img src="http://127.0.0.1:9/x.png">'
    )
    assert post(api, org.admin, body).status_code == 201
    made = api(org.rep).post(
        "/api/v1/documents/generate/",
        {"kind": "payment_request", "record_id": milestone.pk, "language": "en"},
        format="json",
    )
    assert made.status_code == 201, made.content
    text = pdf_text(GeneratedDocument.objects.get())
    assert "[][][][¥250,000.00]" in "".join(text.split())
    assert settings.SECRET_KEY not in text and "TOP-SECRET-FILE" not in text
