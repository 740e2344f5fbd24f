"""Real responses match the published OpenAPI document: every list and detail operation (every
GET that answers JSON) is called on the demo company by several roles, and each answer is
validated against the schema the API serves for its status code.

An operation no role could call with an answer of 200 is a failure too, so a new endpoint is
checked as soon as it is routed (give the test the data or query it needs)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker

from accounts.models import Customer, User
from integrations.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from integrations.services import api_key_issue
from mailin.services import inbound_mail_process
from opportunities.models import DiscountTarget, Opportunity, StageNorm

pytestmark = pytest.mark.django_db

#: One user per kind of reader: a rep, a team manager, an office director, finance, an admin,
#: a partner user (ADR 21: the portal's fence answers 403 outside what is theirs).
READERS = ["ar.chen", "mgr.zhao", "dir.liu", "fin.sun", "admin", "partner.lin"]

#: Values for the query parameters an operation requires.
REQUIRED_QUERY = {"page": "leads:list", "from": "stage:identified", "to": "gate:ati"}

#: Where an id in a path comes from: the list of that collection.
PATH_IDS = {"customer_id": "/api/v1/customers/"}
#: Detail routes read by another collection's ids (a deal's learned win probability, ADR 31).
ID_OF = {"/api/v1/insights/win-predictions/": "/api/v1/opportunities/"}


@pytest.fixture
def demo_company(api, settings, tmp_path):
    """The demo company, and what it does not seed: an import with an issue, a stage
    probability, an API key, a webhook delivery, a saved view, a job run, a customer alias,
    a lead qualification policy, a delegation, a stage norm. The configuration export
    (`/api/v1/configuration/export/`, issue 20.6, admins only) answers from what is here: the
    demo's configured roles, custom fields and approval chains, and the stage probability and
    norm below."""
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", password="conformance-pass-1", stdout=io.StringIO())
    admin = User.objects.get(username="admin")
    rep = api(User.objects.get(username="ar.chen"))
    upload = SimpleUploadedFile("leads.csv", b"title,company_name\nPort,\n")
    started = rep.post("/api/v1/imports/", {"kind": "leads", "file": upload}, format="multipart")
    assert started.status_code == 201, started.json()
    created = api(admin).post(
        "/api/v1/stage-probabilities/", {"stage": "guiding", "probability_pct": "30"}
    )
    assert created.status_code == 201, created.json()
    saved = rep.post("/api/v1/saved-views/", {"page": "leads:list", "name": "Mine", "query": "q=a"})
    assert saved.status_code == 201, saved.json()
    api_key_issue(name="ERP", user=admin, scopes=["leads:read"], rate_limit="60/minute", by=admin)
    subscription = WebhookSubscription.objects.create(
        name="BI", url="https://bi.example/hook", events=["lead.converted"], user=admin
    )
    event = WebhookEvent.objects.create(
        name="lead.converted", payload={"id": "demo", "event": "lead.converted"}
    )
    WebhookDelivery.objects.create(event=event, subscription=subscription)
    # Chat apps (ADR 24): a channel (off: nothing is sent), an id, a choice, a failed delivery.
    from core.models import Notification
    from messaging.models import ChannelPreference, ChatChannel, ChatDelivery, ChatIdentity

    robot = ChatChannel.objects.create(
        kind="feishu_bot", name="Sales", endpoint="https://open.feishu.cn/x", enabled=False
    )
    chen = User.objects.get(username="ar.chen")
    ChatIdentity.objects.create(user=chen, vendor="feishu", external_id="ou_demo")
    ChannelPreference.objects.create(user=chen, kind="lead.assigned", channel=robot)
    note = Notification.objects.filter(recipient=chen).first() or Notification.objects.create(
        recipient=chen, kind="lead.assigned", title="Lead"
    )
    ChatDelivery.objects.create(
        notification=note, channel=robot, status="failed", errcode="19021", errmsg="sign"
    )
    call_command("run_job", "outbox-flush", stdout=io.StringIO())
    inbound_mail_process(  # the inbound log (issue 22.5): a message with no lead source
        raw=b"From: a@client.example\r\nSubject: Hi\r\n\r\nHello\r\n", channel="webhook"
    )
    customer = Customer.objects.filter(owner__username="ar.chen").first()
    alias = rep.post("/api/v1/customer-aliases/", {"customer": customer.pk, "alias": "演示简称"})
    assert alias.status_code == 201, alias.json()
    policy = api(admin).post(
        "/api/v1/lead-qualification-policies/",
        {"org_unit": customer.org_unit_id, "require_budget": False},
    )
    assert policy.status_code == 201, policy.json()
    # A stand-in while a manager is away (approval delegations).
    from django.utils import timezone

    delegation = api(User.objects.get(username="mgr.zhao")).post(
        "/api/v1/delegations/",
        {
            "to_user": User.objects.get(username="dir.liu").pk,
            "starts_on": timezone.localdate(),
            "ends_on": timezone.localdate(),
        },
    )
    assert delegation.status_code == 201, delegation.json()
    # Seeded by a migration, so gone after a test that flushed the database.
    StageNorm.objects.get_or_create(
        stage="guiding", defaults={"norm_days": 60, "gate_norm_days": 7}
    )
    DiscountTarget.objects.get_or_create(
        product_line="Network", year=2026, defaults={"max_discount_pct": 8}
    )
    # One generated document (ADR 27), and with it the template version it was made from.
    deal = Opportunity.objects.filter(owner__username="ar.chen").order_by("pk").first()
    made = rep.post(
        "/api/v1/documents/generate/",
        {"kind": "bid_letter", "record_id": deal.pk, "language": "zh-hans"},
    )
    assert made.status_code == 201, made.json()


def json_get_operations(schema: dict) -> list[tuple[str, dict]]:
    operations = []
    for path, item in schema["paths"].items():
        get = item.get("get")
        content = (get or {}).get("responses", {}).get("200", {}).get("content", {})
        if "application/json" in content:
            operations.append((path, get))
    return operations


def response_schema(schema: dict, operation: dict, status: int) -> dict | None:
    response = operation["responses"].get(str(status))
    if response is None:
        return None
    return response.get("content", {}).get("application/json", {}).get("schema", {})


def problems_of(validator_root: dict, body_schema: dict, body) -> list[str]:
    validator = OAS30ReadValidator(
        {**body_schema, "components": validator_root["components"]},
        format_checker=oas30_format_checker,
    )
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(body)'}: {error.message[:160]}"
        for error in validator.iter_errors(body)
    ]


def test_every_list_and_detail_answer_matches_the_schema(demo_company, api):
    admin = User.objects.get(username="admin")
    served = api(admin).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert served.status_code == 200
    schema = served.json()
    operations = json_get_operations(schema)
    assert len(operations) > 100

    problems: list[str] = []
    answered: set[str] = set()
    for username in READERS:
        client = api(User.objects.get(username=username))
        first_id: dict[str, int] = {}

        # Lists (and other GETs without a path parameter) first: they name the ids to read.
        for path, operation in sorted(operations, key=lambda op: "{" in op[0]):
            query = {}
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and parameter.get("required"):
                    assert parameter["name"] in REQUIRED_QUERY, (path, parameter["name"])
                    query[parameter["name"]] = REQUIRED_QUERY[parameter["name"]]
            url = path
            for name in re.findall(r"{(\w+)}", path):
                prefix = path.split("{")[0]
                collection = PATH_IDS.get(name, ID_OF.get(prefix, prefix))
                url = url.replace(f"{{{name}}}", str(first_id.get(collection, "")))
            if "{" in url or "//" in url.removeprefix("http://"):
                continue  # nothing of that collection is visible to this reader
            response = client.get(url, query)
            where = f"{username} GET {url}: {response.status_code}"
            body_schema = response_schema(schema, operation, response.status_code)
            if body_schema is None:
                problems.append(f"{where} is not a documented status")
                continue
            body = response.json()
            problems += [f"{where} {p}" for p in problems_of(schema, body_schema, body)]
            if response.status_code == 200:
                answered.add(path)
                results = body.get("results") if isinstance(body, dict) else body
                listed = "{" not in path and isinstance(results, list) and results
                if listed and isinstance(results[0], dict) and "id" in results[0]:
                    first_id[path] = results[0]["id"]

    unanswered = [path for path, _ in operations if path not in answered]
    assert not problems, "\n".join(problems)
    assert not unanswered, f"never answered 200 (give the test data): {unanswered}"
