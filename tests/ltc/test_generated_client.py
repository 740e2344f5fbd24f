"""A Python client generated from the OpenAPI document with a maintained generator
(openapi-python-client) has every operation and works against the running app.

The client is generated once per test run (a session fixture) into a temporary directory; the
generator runs as its own command, offline, from the project's dev dependencies."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from drf_spectacular.renderers import OpenApiJsonRenderer

from leads.models import Lead
from tests.factories import OrgUnitFactory, UserFactory
from tests.openapi import generated_schema

PACKAGE = "ltc_api_client"
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="session")
def document() -> dict:
    return json.loads(OpenApiJsonRenderer().render(generated_schema()))


@pytest.fixture(scope="session")
def generated(document, tmp_path_factory):
    """(the generator's output, the generated package's directory), made once a run."""
    root = tmp_path_factory.mktemp("client")
    (root / "openapi.json").write_text(json.dumps(document))
    # No post hooks: the generator would format its output with ruff, which is only slower.
    (root / "config.yaml").write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n")
    command = Path(sys.executable).parent / "openapi-python-client"
    run = subprocess.run(
        [
            str(command),
            "generate",
            "--path",
            str(root / "openapi.json"),
            "--output-path",
            str(root / PACKAGE),
            "--config",
            str(root / "config.yaml"),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout + run.stderr, root / PACKAGE


@pytest.fixture(scope="session")
def client_package(generated):
    _output, package_dir = generated
    sys.path.insert(0, str(package_dir.parent))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(package_dir.parent))


def test_the_generator_drops_no_operation(document, generated):
    output, package_dir = generated
    assert "will not be generated" not in output, output
    assert "Unable to process schema" not in output, output
    wanted = {
        re.sub(r"\W", "_", operation["operationId"]).lower()
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in METHODS
    }
    made = {path.stem for path in (package_dir / "api").glob("*/*.py") if path.stem != "__init__"}
    assert wanted - made == set(), "operations the generator dropped"
    assert "delivery_milestones_reach_create" in made  # was dropped: an enum default of ""


@pytest.mark.django_db(transaction=True)
def test_a_journey_with_the_generated_client(client_package, live_server, settings):
    """Sign in through the token endpoint, create a lead, take it through a transition and
    read it back, all through the generated code against a live server."""
    settings.ALLOWED_HOSTS = ["*"]
    team = OrgUnitFactory(name="GD carrier team", code="gd-carrier")
    rep = UserFactory(username="client.rep", role="sales_rep", org_unit=team)
    rep.set_password("journey-pass-2026")
    rep.save()
    auth_token_create = importlib.import_module(f"{PACKAGE}.api.auth.auth_token_create")
    leads_create = importlib.import_module(f"{PACKAGE}.api.leads.leads_create")
    leads_transition = importlib.import_module(f"{PACKAGE}.api.leads.leads_transitions_create")
    leads_retrieve = importlib.import_module(f"{PACKAGE}.api.leads.leads_retrieve")
    models = importlib.import_module(f"{PACKAGE}.models")

    with client_package.Client(base_url=live_server.url) as anonymous:
        signed_in = auth_token_create.sync(
            client=anonymous,
            body=models.TokenRequestRequest(username="client.rep", password="journey-pass-2026"),
        )
    assert isinstance(signed_in, models.TokenRequest), signed_in

    with client_package.AuthenticatedClient(
        base_url=live_server.url, token=signed_in.token, prefix="Token"
    ) as api:
        created = leads_create.sync(
            client=api,
            body=models.LeadRequest(title="Port 5G campus", company_name="Guangzhou Port Group"),
        )
        assert isinstance(created, models.Lead), created
        assert created.state == models.LeadStateEnum.NEW

        moved = leads_transition.sync(
            created.id,
            models.LeadsTransitionsCreateName.START_VERIFICATION,
            client=api,
            body=models.TransitionInputRequest(comment="Called the customer."),
        )
        assert isinstance(moved, models.Lead), moved

        read = leads_retrieve.sync(created.id, client=api)
        assert isinstance(read, models.Lead), read
        assert read.state == models.LeadStateEnum.VERIFYING
        assert (read.title, read.org_unit) == ("Port 5G campus", team.pk)
    assert Lead.objects.get(pk=created.id).state == "verifying"
