"""The configuration as a file (issue 20.6): export, import into an emptied configuration,
a second import that changes nothing, the dry run, bad entries refused as a whole, admins only,
the page and the commands."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from accounts.models import RoleDefinition
from accounts.services import role_create
from core.approvals.chains import chain_define
from core.approvals.models import ApprovalChain, ApprovalStep
from core.custom_fields.models import CustomField
from core.custom_fields.services import custom_field_create
from core.models import AuditEvent
from opportunities.models import StageNorm, StageProbability

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/configuration/export/"
IMPORT = "/api/v1/configuration/import/"
SECTIONS = ("roles", "custom_fields", "approval_chains", "stage_norms", "stage_probabilities")


@pytest.fixture
def configured(org):
    role_create(
        by=org.admin,
        data={
            "code": "presales",
            "name_en": "Presales engineer",
            "name_zh": "售前工程师",
            "permissions": ["opportunities.view", "opportunities.change"],
        },
    )
    custom_field_create(
        by=org.admin,
        data={
            "target": "opportunities.opportunity",
            "key": "tender_no",
            "label_en": "Tender number",
            "label_zh": "招标编号",
            "type": "text",
            "required_in_states": ["*"],
        },
    )
    custom_field_create(
        by=org.admin,
        data={
            "target": "accounts.customer",
            "key": "segment",
            "label_en": "Segment",
            "label_zh": "细分",
            "type": "choice",
            "choices": [{"value": "gold", "label_en": "Gold", "label_zh": "金"}],
        },
    )
    chain_define(
        kind="special_price",
        name="Special price",
        steps=[
            {
                "name": "Manager",
                "approver": {"type": "role", "role": "sales_manager", "level": "nearest"},
                "condition": {"org_unit": org.gd.pk},
            },
            {"name": "Named", "approver": {"type": "user", "user": org.director.pk}},
        ],
        by=org.admin,
    )
    return org


def sections_of(document: dict) -> dict:
    return {name: document[name] for name in SECTIONS}


def counts() -> tuple[int, ...]:
    return (
        RoleDefinition.objects.filter(builtin=False).count(),
        CustomField.objects.count(),
        ApprovalChain.objects.count(),
        ApprovalStep.objects.count(),
        AuditEvent.objects.count(),
    )


def empty_configuration() -> None:
    RoleDefinition.objects.filter(builtin=False).delete()
    CustomField.objects.all().delete()
    ApprovalStep.objects.all().delete()
    ApprovalChain.objects.all().delete()


def export(api, user) -> dict:
    response = api(user).get(EXPORT)
    assert response.status_code == 200, response.content[:300]
    assert "attachment" in response["Content-Disposition"]
    return response.json()


def test_the_file_names_entries_by_natural_keys(configured, api):
    document = export(api, configured.admin)
    assert document["format"] == 1 and document["exported_at"]
    assert [r["code"] for r in document["roles"]] == ["presales"]  # built-in roles stay out
    chain = document["approval_chains"][0]
    assert chain["steps"][0]["condition"] == {"org_unit": "gd"}
    assert chain["steps"][1]["approver"] == {"type": "user", "user": "director"}
    for entries in sections_of(document).values():
        for entry in entries:
            assert "id" not in entry and "pk" not in entry


def test_export_then_import_into_an_emptied_configuration_gives_the_same(configured, api):
    document = export(api, configured.admin)
    empty_configuration()
    response = api(configured.admin).post(IMPORT, document, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["created"] == 4 and body["changed"] == 0 and not body["dry_run"]
    assert sections_of(export(api, configured.admin)) == sections_of(document)
    # Audited as normal changes by the importing administrator.
    chain = ApprovalChain.objects.get()
    assert AuditEvent.objects.filter(
        action="approval_chain.defined", actor=configured.admin, target_id=chain.pk
    ).exists()
    role = RoleDefinition.objects.get(code="presales")
    assert AuditEvent.objects.filter(target_id=role.pk, actor=configured.admin).exists()


def test_a_second_import_changes_nothing(configured, api):
    document = export(api, configured.admin)
    before = counts()
    response = api(configured.admin).post(IMPORT, document, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["unchanged"] >= 4
    assert response.json()["created"] == response.json()["changed"] == 0
    assert counts() == before


def test_an_import_changes_what_differs(configured, api):
    document = export(api, configured.admin)
    document["roles"][0]["name_en"] = "Presales"
    document["custom_fields"][0]["label_en"] = "Tender no."
    document["approval_chains"][0]["steps"][1]["approver"] = {"type": "user", "user": "manager"}
    response = api(configured.admin).post(IMPORT, document, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["changed"] == 3
    assert RoleDefinition.objects.get(code="presales").name_en == "Presales"
    chain = ApprovalChain.objects.get()
    assert list(chain.steps)[1].approver == {"type": "user", "user": configured.manager.pk}


def test_a_dry_run_writes_nothing(configured, api):
    document = export(api, configured.admin)
    empty_configuration()
    before = counts()
    response = api(configured.admin).post(IMPORT + "?dry_run=1", document, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["dry_run"] is True
    assert response.json()["created"] == 4
    assert counts() == before


def test_a_file_upload_is_imported(configured, api):
    document = export(api, configured.admin)
    empty_configuration()
    upload = SimpleUploadedFile("config.json", json.dumps(document).encode())
    response = api(configured.admin).post(IMPORT, {"file": upload}, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 4


BAD_ENTRIES = {
    "unknown permission": ("roles", {"permissions": ["nowhere.fly"]}, "roles[presales]"),
    "no possible approver": (
        "approval_chains",
        {"steps": [{"name": "Nobody", "approver": {"type": "user", "user": "nobody"}}]},
        "approval_chains[special_price:Special price]",
    ),
    "unknown type": (
        "custom_fields",
        {"type": "colour"},
        "custom_fields[accounts.customer:segment]",
    ),
}


@pytest.mark.parametrize("case", BAD_ENTRIES)
def test_a_bad_entry_is_a_400_naming_it_and_nothing_is_written(configured, api, case):
    document = export(api, configured.admin)
    empty_configuration()
    section, change, entry = BAD_ENTRIES[case]
    document[section][0].update(change)
    before = counts()
    response = api(configured.admin).post(IMPORT, document, format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "bad_configuration"
    assert list(body["fields"]) == [entry], body
    assert counts() == before


@pytest.mark.parametrize(
    "document, named",
    [
        ({"format": 2, "roles": []}, "format"),
        ({"format": 1, "webhooks": []}, "webhooks"),
        ({"format": 1, "roles": [{"name_en": "No code"}]}, "roles[0]"),
        ({"format": 1, "roles": "all"}, "roles"),
        ([1, 2], "format"),
    ],
)
def test_a_file_of_another_shape_is_refused(org, api, document, named):
    response = api(org.admin).post(IMPORT, document, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_configuration"
    assert named in response.json()["fields"]


def test_a_file_that_is_not_json_is_refused(org, api):
    upload = SimpleUploadedFile("config.json", b"\xff\xfe not json")
    response = api(org.admin).post(IMPORT, {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_configuration"


def test_a_built_in_role_is_not_imported(org, api):
    builtin = RoleDefinition.objects.filter(builtin=True).first()
    if builtin is None:
        pytest.skip("no built-in role seeded")
    entry = {"code": builtin.code, "name_en": "Mine", "permissions": []}
    response = api(org.admin).post(IMPORT, {"format": 1, "roles": [entry]}, format="json")
    assert response.status_code == 400
    assert f"roles[{builtin.code}]" in response.json()["fields"]


@pytest.mark.parametrize("who", ["rep", "manager", "director", "finance"])
def test_only_administrators_export_and_import(configured, api, browser_client, who):
    user = getattr(configured, who)
    assert api(user).get(EXPORT).status_code == 403
    before = counts()
    response = api(user).post(IMPORT, {"format": 1, "roles": []}, format="json")
    assert response.status_code == 403
    assert counts() == before
    assert browser_client(user).get("/settings/configuration/").status_code == 403


def test_the_page_previews_then_applies(configured, api, browser_client):
    document = export(api, configured.admin)
    empty_configuration()
    client = browser_client(configured.admin)
    page = client.get("/settings/configuration/")
    assert page.status_code == 200
    assert b"/api/v1/configuration/export/" in page.content
    upload = SimpleUploadedFile("config.json", json.dumps(document).encode())
    preview = client.post("/settings/configuration/", {"step": "preview", "file": upload})
    assert preview.status_code == 200
    assert b"presales" in preview.content and b"tender_no" in preview.content
    assert RoleDefinition.objects.filter(code="presales").count() == 0
    applied = client.post(
        "/settings/configuration/", {"step": "apply", "document": json.dumps(document)}
    )
    assert applied.status_code == 302
    assert RoleDefinition.objects.filter(code="presales").count() == 1
    assert CustomField.objects.count() == 2


def test_the_page_names_a_bad_entry_in_chinese(configured, api, browser_client):
    document = export(api, configured.admin)
    document["roles"][0]["permissions"] = ["nowhere.fly"]
    client = browser_client(configured.admin)
    client.cookies["django_language"] = "zh-hans"
    upload = SimpleUploadedFile("config.json", json.dumps(document).encode())
    response = client.post(
        "/settings/configuration/",
        {"step": "preview", "file": upload},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert b"roles[presales]" in response.content


def test_the_commands_export_and_import(configured, tmp_path):
    path = tmp_path / "config.json"
    call_command("config_export", output=str(path), stdout=io.StringIO())
    document = json.loads(path.read_text(encoding="utf-8"))
    assert [r["code"] for r in document["roles"]] == ["presales"]
    empty_configuration()
    out = io.StringIO()
    call_command("config_import", str(path), user="admin", dry_run=True, stdout=out)
    assert "4 created" in out.getvalue()
    assert CustomField.objects.count() == 0
    call_command("config_import", str(path), user="admin", stdout=io.StringIO())
    assert CustomField.objects.count() == 2


def test_stage_norms_and_probabilities_travel_by_stage_and_unit_code(org, api):
    entries = {
        "format": 1,
        "stage_norms": [{"stage": "guiding", "norm_days": 45, "gate_norm_days": 5}],
        "stage_probabilities": [
            {"stage": "guiding", "org_unit": "gd", "probability_pct": "35"},
            {"stage": "guiding", "org_unit": None, "probability_pct": "20.00"},
        ],
    }
    response = api(org.admin).post(IMPORT, entries, format="json")
    assert response.status_code == 200, response.json()
    assert StageNorm.objects.get(stage="guiding").norm_days == 45
    assert StageProbability.objects.get(stage="guiding", org_unit=org.gd).probability_pct == 35
    again = api(org.admin).post(IMPORT, entries, format="json").json()
    assert again["created"] == again["changed"] == 0
    document = export(api, org.admin)
    assert {"stage": "guiding", "org_unit": "gd", "probability_pct": "35.00"} in document[
        "stage_probabilities"
    ]
    entries["stage_probabilities"][0]["org_unit"] = "atlantis"
    entries["stage_norms"][0]["norm_days"] = 0
    refused = api(org.admin).post(IMPORT, entries, format="json")
    assert refused.status_code == 400
    assert set(refused.json()["fields"]) == {
        "stage_norms[guiding]",
        "stage_probabilities[guiding:atlantis]",
    }
    assert StageNorm.objects.get(stage="guiding").norm_days == 45
