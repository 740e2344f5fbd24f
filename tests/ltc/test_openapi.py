"""The OpenAPI 3 contract is generated without errors, validates, and its docs page is served
from local assets only."""

import json
import re

import pytest
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.validation import validate_schema
from openapi_spec_validator import OpenAPIV30SpecValidator

from core.api import schema_view
from core.choices import GateKind
from integrations.services import api_key_issue
from tests.openapi import generated_schema


def test_the_schema_validates_and_covers_the_resources():
    schema = generated_schema()
    validate_schema(schema)
    paths = schema["paths"]
    for path in (
        "/api/v1/leads/",
        "/api/v1/leads/{id}/transitions/{name}/",
        "/api/v1/opportunities/from-lead/",
        "/api/v1/gate-reviews/{id}/decision/",
        "/api/v1/contracts/{id}/transitions/{name}/",
        "/api/v1/payment-plans/",
        "/api/v1/receipts/",
        "/api/v1/customers/duplicates/",
    ):
        assert path in paths, path
    states = schema["components"]["schemas"]["LeadStateEnum"]["enum"]
    assert "converted" in states
    assert "Error" in schema["components"]["schemas"]


def test_the_document_passes_a_standard_openapi_validator():
    """openapi-spec-validator checks more than drf-spectacular's own check: a `default` that its
    schema refuses (`""` with `minLength: 1`, a value outside its enum) fails it, and client
    generators drop such operations."""
    schema = generated_schema()
    document = json.loads(OpenApiJsonRenderer().render(schema))
    errors = [error.message for error in OpenAPIV30SpecValidator(document).iter_errors()]
    assert not errors, "\n".join(errors)


@pytest.mark.django_db
def test_the_docs_page_uses_no_cdn(client, org):
    client.force_login(org.rep)
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    assert not re.search(r'(src|href)="(https?:)?//', page), "an asset loads from elsewhere"
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200


@pytest.fixture
def generations(monkeypatch, settings):
    """The languages the document was generated in, one entry per generation, from cold: with
    a shared cache of this test's own (parallel test processes share Redis, and some clear it)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "openapi-generations",
        }
    }
    schema_view.schema_cache_clear()
    made = []
    generate = SchemaGenerator.get_schema

    def counting(self, *args, **kwargs):
        made.append(translation.get_language())
        return generate(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counting)
    yield made
    schema_view.schema_cache_clear()


@pytest.mark.django_db
def test_the_schema_is_generated_once_per_language_and_format(api, org, generations):
    first = api(org.rep).get("/api/v1/schema/?format=json")
    second = api(org.admin).get("/api/v1/schema/?format=json")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert generations == ["en"]

    org.manager.language = "zh-hans"
    org.manager.save(update_fields=["language"])
    chinese = api(org.manager).get("/api/v1/schema/?format=json")
    assert api(org.rep).get("/api/v1/schema/?format=json&lang=zh-hans").content == chinese.content
    assert chinese["Content-Language"] == "zh-hans"
    assert generations == ["en", "zh-hans"]

    # The languages differ where the text is translated: the gate kinds' labels.
    with translation.override("zh-hans"):
        ati = str(GateKind.ATI.label)
    assert ati != str(GateKind.ATI.label)
    describe = "GateKindEnum"
    assert ati in chinese.json()["components"]["schemas"][describe]["description"]
    assert ati not in first.json()["components"]["schemas"][describe]["description"]
    # An unknown language is the default one, not a new document.
    assert api(org.rep).get("/api/v1/schema/?format=json&lang=xx").content == first.content

    yaml = api(org.rep).get("/api/v1/schema/")
    assert yaml["Content-Type"].startswith("application/vnd.oai.openapi")
    assert generations == ["en", "zh-hans", "en"]  # YAML is rendered once too
    api(org.rep).get("/api/v1/schema/")
    assert len(generations) == 3


@pytest.mark.django_db
def test_another_worker_takes_the_schema_from_the_shared_cache(api, org, generations):
    api(org.rep).get("/api/v1/schema/?format=json")
    schema_view._documents.clear()  # as in a worker that has not served it yet
    assert api(org.rep).get("/api/v1/schema/?format=json").status_code == 200
    assert generations == ["en"]


@pytest.mark.django_db
def test_a_deploy_with_other_code_makes_a_new_document(api, org, generations, monkeypatch):
    """The cache key holds a digest of the code and of the generating libraries' versions: a
    release that changes either is served a document made by it, with nothing to purge."""
    api(org.rep).get("/api/v1/schema/?format=json")
    version = schema_view.metadata.version
    upgraded = {"drf-spectacular": "99.0"}
    monkeypatch.setattr(
        schema_view.metadata, "version", lambda name: upgraded.get(name) or version(name)
    )
    schema_view.code_version.cache_clear()  # a new process
    try:
        api(org.rep).get("/api/v1/schema/?format=json")
        api(org.rep).get("/api/v1/schema/?format=json")
    finally:
        monkeypatch.setattr(schema_view.metadata, "version", version)
        schema_view.code_version.cache_clear()
    assert generations == ["en", "en"]


@pytest.mark.django_db
def test_the_schema_and_docs_need_a_signed_in_user(api, client, org):
    """Decision (README, security): the document maps the internal structure; it is for
    people and systems that use the API, who sign in anyway."""
    anonymous = api(None).get("/api/v1/schema/?format=json")
    assert anonymous.status_code == 401
    assert anonymous.json()["code"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith("/login/")
    assert client.get("/api/docs/?script").status_code == 302

    issued = api_key_issue(
        name="BI", user=org.rep, scopes=["leads:read"], rate_limit="60/minute", by=org.admin
    )
    keyed = api(None)
    keyed.credentials(HTTP_AUTHORIZATION=f"Api-Key {issued.token}")
    assert keyed.get("/api/v1/schema/?format=json").status_code == 200

    client.force_login(org.rep)
    script = client.get("/api/docs/?script")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
