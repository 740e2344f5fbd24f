"""Lead import: customers matched by normalised name, 客户报备, duplicates against open leads
and within the file, routing only when written, one notification per owner."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import ImportIssue
from core.models import Notification
from leads.models import DistributionRule, Lead
from tests.factories import CustomerFactory, LeadFactory

pytestmark = pytest.mark.django_db

HEADER = [
    "标题",
    "客户名称",
    "联系人",
    "预计金额",
    "币种",
    "预计时间",
    "来源",
    "负责人",
    "预算已确认",
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def start(client, rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    file = SimpleUploadedFile("leads.csv", buffer.getvalue().encode("gb18030"))
    response = client.post("/api/v1/imports/", {"kind": "leads", "file": file}, format="multipart")
    assert response.status_code == 201, response.json()
    return response.json()


def commit(client, job, mode="valid"):
    return client.post(f"/api/v1/imports/{job['id']}/commit/", {"mode": mode}).json()


def test_rows_become_leads_with_their_fields_and_scores(org, api):
    job = start(
        api(org.rep),
        [
            HEADER,
            [
                "5G port",
                "Port Ltd",
                "李工",
                "1,200,000",
                "人民币",
                "2027/3/31",
                "市场活动",
                "rep",
                "是",
            ],
        ],
    )
    assert job["rows_valid"] == 1, ImportIssue.objects.values_list("messages", flat=True)
    assert commit(api(org.rep), job)["rows_created"] == 1
    lead = Lead.objects.get()
    assert (lead.title, lead.company_name, lead.contact_name) == ("5G port", "Port Ltd", "李工")
    assert str(lead.estimated_amount) == "1200000.00" and lead.currency == "CNY"
    assert lead.expected_close_date.isoformat() == "2027-03-31"
    assert (lead.source, lead.owner, lead.budget_confirmed) == ("marketing_event", org.rep, True)
    assert lead.company_key == "port" and lead.state == "new"
    assert lead.score == 10 + 8 + 9  # budget, marketing event, 1.2M


def test_bad_values_are_row_errors(org, api):
    job = start(
        api(org.rep),
        [
            HEADER,
            ["", "Port Ltd", "", "", "", "", "", "", ""],
            ["x", "", "", "", "", "", "", "", ""],
            ["x", "A Ltd", "", "-5", "", "", "", "", ""],
            ["x", "B Ltd", "", "", "DOGE", "", "", "", ""],
            ["x", "C Ltd", "", "", "", "31/31/2027", "", "", ""],
            ["x", "D Ltd", "", "", "", "", "telepathy", "", ""],
            ["x", "E Ltd", "", "", "", "", "", "teammate", ""],
            ["x", "F Ltd", "", "", "", "", "", "", "maybe"],
        ],
    )
    assert job["rows_error"] == 8
    fields = [set(i.messages) for i in ImportIssue.objects.filter(job_id=job["id"]).order_by("row")]
    assert fields == [
        {"title"},
        {"company"},
        {"estimated_amount"},
        {"currency"},
        {"expected_close_date"},
        {"source"},
        {"owner"},
        {"budget_confirmed"},
    ]


def test_a_registered_customers_rows_go_to_its_account_manager(org, api):
    customer = CustomerFactory(name="佛山市自来水有限公司", owner=org.other_team_rep, tier="key")
    job = start(
        api(org.rep),
        [HEADER, ["Meters", "佛山市自来水 有限公司", "", "", "", "", "", "rep", ""]],
    )
    commit(api(org.rep), job)
    lead = Lead.objects.get()
    assert (lead.customer, lead.owner, lead.org_unit) == (customer, org.other_team_rep, org.gd_gov)
    assert lead.score_breakdown["tier"]["points"] == 10
    note = Notification.objects.get(recipient=org.other_team_rep)
    assert "1 imported leads" in note.title


def test_duplicates_of_open_leads_and_within_the_file(org, api):
    existing = LeadFactory(owner=org.rep, title="Meters", company_name="Water Co., Ltd.")
    closed = LeadFactory(owner=org.rep, title="Pumps", company_name="Water Co., Ltd.")
    Lead.objects.filter(pk=closed.pk).update(state="disqualified")
    job = start(
        api(org.rep),
        [
            HEADER,
            ["meters", "WATER LTD", "", "", "", "", "", "", ""],  # open lead exists
            ["Pumps", "Water Ltd", "", "", "", "", "", "", ""],  # only a closed one: fine
            ["Valves", "Water Ltd", "", "", "", "", "", "", ""],
            ["VALVES", "water limited", "", "", "", "", "", "", ""],  # same as the row above
        ],
    )
    assert (job["rows_duplicate"], job["rows_valid"]) == (2, 2)
    issues = {i.row: i for i in ImportIssue.objects.filter(job_id=job["id"])}
    assert issues[2].matches[0]["id"] == existing.pk
    assert "row 4" in issues[5].messages["duplicate"][0]
    assert commit(api(org.rep), job)["rows_created"] == 2


def test_rules_route_rows_only_when_written(org, api):
    rule = DistributionRule.objects.create(name="all", org_unit=org.gd, team=org.gd_carrier)
    rule.assignees.set([org.rep, org.teammate])
    rows = [HEADER, *[[f"L{i}", f"Co {i} Ltd", "", "", "", "", "", "", ""] for i in range(4)]]
    job = start(api(org.manager), rows)
    rule.refresh_from_db()
    assert rule.last_assigned is None  # the preview took nobody's turn
    commit(api(org.manager), job)
    owners = list(Lead.objects.order_by("pk").values_list("owner__username", flat=True))
    assert owners == ["rep", "teammate", "rep", "teammate"]
    notes = Notification.objects.filter(kind="lead.assigned")
    assert sorted(n.recipient.username for n in notes) == ["rep", "teammate"]
    assert all("2 imported leads" in n.title for n in notes)


def test_routing_many_leads_at_once_takes_the_same_turns_as_one_at_a_time(org, api, monkeypatch):
    """The import routes its leads in bulk (each rule locked and read once, its turn written
    once a batch); the owners, and the turn the next lead starts from, are those of routing
    each lead alone in file order — across batches, and with a registered customer's lead
    (客户报备) in between that takes no turn."""
    from leads.imports import LeadImporter

    monkeypatch.setattr(LeadImporter, "batch_size", 2)
    rule = DistributionRule.objects.create(name="all", org_unit=org.gd, team=org.gd_carrier)
    rule.assignees.set([org.rep, org.teammate])
    DistributionRule.objects.filter(pk=rule.pk).update(last_assigned=org.rep)
    CustomerFactory(name="Registered Ltd", owner=org.manager, org_unit=org.gd_carrier)
    names = ["Co 0 Ltd", "Co 1 Ltd", "Registered Ltd", "Co 3 Ltd", "Co 4 Ltd", "Co 5 Ltd"]
    rows = [HEADER, *[[f"L{i}", name, "", "", "", "", "", "", ""] for i, name in enumerate(names)]]
    job = start(api(org.manager), rows)
    assert commit(api(org.manager), job)["rows_created"] == 6
    owners = list(Lead.objects.order_by("pk").values_list("owner__username", flat=True))
    assert owners == ["teammate", "rep", "manager", "teammate", "rep", "teammate"]
    rule.refresh_from_db()
    assert rule.last_assigned == org.teammate  # the next lead routed alone goes to rep


def test_copy_writes_the_same_leads_and_audit_as_bulk_create(org, api, monkeypatch):
    """On PostgreSQL the routed and scored leads are written with COPY; the rows and their
    "created" events are exactly those bulk_create writes: amounts, dates, yes/no, JSON
    (score breakdown, custom values), routed owners and registered customers, and cells with
    quotes, commas, tabs, newlines and backslashes."""
    from django.db import connection, transaction

    from accounts.imports import base
    from accounts.imports.base import copy_insert
    from core.models import AuditEvent
    from leads.imports import LeadImporter

    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's; elsewhere bulk_create writes the batch")
    rule = DistributionRule.objects.create(name="all", org_unit=org.gd, team=org.gd_carrier)
    rule.assignees.set([org.rep, org.teammate])
    CustomerFactory(name="Registered Ltd", owner=org.manager, org_unit=org.gd_carrier)
    rows = [
        HEADER,
        ['Quote "Q", port', "Port Ltd", "李工", "1,200,000.50", "人民币", "2027/3/31", "市场活动"]
        + ["rep", "是"],
        ["Line 1\nLine 2, \\ back\tslash", "逗号,公司有限公司", "", "", "", "", "", "", ""],
        ["Routed", "Co 1 Ltd", "", "", "", "", "", "", "否"],
        ["Registered", "Registered Ltd", "", "99", "USD", "", "", "", ""],
    ]
    exclude = {"id", "created_at", "updated_at", "state_changed_at"}
    fields = [f.attname for f in Lead._meta.concrete_fields if f.attname not in exclude]

    def imported() -> tuple[list, list]:
        with transaction.atomic():
            DistributionRule.objects.filter(pk=rule.pk).update(last_assigned=None)
            job = start(api(org.manager), rows)
            assert commit(api(org.manager), job, mode="all")["rows_created"] == 4
            leads = list(Lead.objects.order_by("title").values(*fields))
            stamps = list(Lead.objects.values_list("created_at", "updated_at", "state_changed_at"))
            assert all(all(stamp) for stamp in stamps)
            titles = dict(Lead.objects.values_list("pk", "title"))
            events = sorted(
                (titles[e.target_id], e.target_type_id, e.actor_id, e.comment, e.changes)
                for e in AuditEvent.objects.filter(action="created", via="import")
            )
            transaction.set_rollback(True)
        return leads, events

    copies = []
    monkeypatch.setattr(
        base, "copy_insert", lambda *a, **k: copies.append(a[0]) or copy_insert(*a, **k)
    )
    copied = imported()
    assert copies[0] is Lead  # the batch went through COPY
    monkeypatch.setattr(LeadImporter, "copy_built", False)  # bulk_create
    assert imported() == copied
    by_title = {lead["title"]: lead for lead in copied[0]}
    assert str(by_title['Quote "Q", port']["estimated_amount"]) == "1200000.50"
    assert by_title["Routed"]["owner_id"] == org.teammate.pk  # the row above took rep's turn
    assert by_title["Registered"]["owner_id"] == org.manager.pk
    assert by_title['Quote "Q", port']["score_breakdown"]  # JSON as JSON, not text
    assert len(copied[1]) == 4


def test_the_lead_export_imports_back(org, api):
    LeadFactory(owner=org.rep, title="Round trip", company_name="Trip Ltd", estimated_amount=None)
    content = b"".join(api(org.rep).get("/api/v1/leads/export/").streaming_content)
    file = SimpleUploadedFile("back.csv", content)
    job = api(org.rep).post("/api/v1/imports/", {"kind": "leads", "file": file}, format="multipart")
    assert job.json()["rows_total"] == 1 and job.json()["rows_duplicate"] == 1
