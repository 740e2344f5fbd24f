"""On PostgreSQL the customer import's commit checks and writes the whole file in SQL (ADR 34).
It must choose and write exactly what the row-by-row commit does: the same customers, owners,
org units and approval state, the same rows skipped, the same "created" events, the same
refusal of an "all rows" commit; and a committed import stays committed once."""

import pytest
from django.db import connection, transaction

from accounts.imports.customers import CustomerImporter
from accounts.models import Customer, CustomerAlias
from core.models import AuditEvent
from tests.factories import CustomerFactory

from .conftest import csv_bytes, upload

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the set-based commit is PostgreSQL's"
    ),
]

HEADER = ["名称", "统一社会信用代码", "客户经理", "组织", "邮箱", "外部编号"]
CODE, OTHER, THIRD = "91440000719275374C", "91440300MA5DC0QH2Y", "91110000100000000L"


def start(client, content: bytes):
    response = client.post(
        "/api/v1/imports/",
        {"kind": "customers", "file": upload("c.csv", content)},
        format="multipart",
    )
    return response.json()


def messy_file(org) -> bytes:
    """Every kind of row the checks tell apart, several of each, across the whole file."""
    rows = [
        ["Known Co., Ltd.", "", "", "", "", ""],  # the name of a customer: duplicate
        ["广东移动", "", "", "", "", ""],  # an alias of a customer: duplicate
        ["Gone Inc", "", "", "", "", ""],  # a tombstone's name: new
        ["Taken Code Ltd", THIRD, "", "", "", ""],  # a customer's credit code: error
        ["Taken Ext Ltd", "", "", "", "", "X-1"],  # a customer's external id: error
        ["甲有限公司", CODE, "", "", "", "E-1"],
        ["乙有限公司", CODE, "", "", "", ""],  # same code as an earlier row: error
        ["丙有限公司", "", "", "", "", "E-1"],  # same external id as an earlier row: error
        ["戊有限公司", OTHER, "", "", "not-an-email", "E-2"],  # an error: claims nothing
        ["己有限公司", OTHER, "", "", "", "E-2"],  # so this row is the first
        ["甲股份有限公司", "", "", "", "", ""],  # same name as an earlier row: duplicate
        ["庚有限公司", "", org.teammate.username, "", "", ""],  # a teammate's
        ["辛有限公司", "", "nobody", "", "", ""],  # no such user: error
        ["壬有限公司", "", org.other_region_rep.username, "", "", ""],  # not the manager's
        ["癸有限公司", "", "", "js-carrier", "", ""],  # a unit the manager may not use
        ["子有限公司", "", "", "gd-gov", "", ""],  # a unit the manager may not use either
        ["子 有限公司", "", "", "", "", ""],  # the same company, typed with a gap
        ["", "", "", "", "", ""],  # blank: not a row
        ["丑有限公司", "", org.teammate.username, "gd-carrier", "", ""],
    ]
    return csv_bytes([HEADER, *rows])


def committed(org, api, mode: str) -> tuple:
    """Import the messy file as the manager; what was written (then rolled back)."""
    survivor = CustomerFactory(name="Survivor Ltd", owner=org.rep)
    CustomerFactory(name="Known Ltd", owner=org.rep)
    CustomerFactory(name="Gone Ltd", owner=org.rep, merged_into=survivor)
    CustomerFactory(name="Code Holder", credit_code=THIRD, owner=org.rep)
    CustomerFactory(name="Ext Holder", external_id="X-1", owner=org.rep)
    CustomerAlias.objects.create(
        customer=CustomerFactory(name="中国移动通信集团广东有限公司", owner=org.rep),
        alias="广东移动",
    )
    client = api(org.manager)
    job = start(client, messy_file(org))
    done = client.post(f"/api/v1/imports/{job['id']}/commit/", {"mode": mode}).json()
    new = Customer.objects.filter(created_at__gte=survivor.created_at).exclude(
        name__in=["Survivor Ltd", "Known Ltd", "Code Holder", "Ext Holder"]
    )
    customers = sorted(
        new.exclude(name="中国移动通信集团广东有限公司").values_list(
            "name",
            "normalised_name",
            "credit_code",
            "external_id",
            "owner__username",
            "org_unit__code",
            "state",
        )
    )
    names = dict(Customer.all_objects.values_list("pk", "name"))
    events = sorted(
        (names[e.target_id], e.actor_id, e.comment)
        for e in AuditEvent.objects.filter(action="created", via="import")
    )
    counts = {k: done.get(k) for k in ("status", "rows_created", "rows_skipped", "progress")}
    return job, counts, customers, events, done.get("message", "")


def both_ways(org, api, monkeypatch, mode: str) -> tuple:
    results = []
    for set_based in (True, False):
        monkeypatch.setattr(CustomerImporter, "set_based_commit", set_based)
        with transaction.atomic():
            results.append(committed(org, api, mode))
            transaction.set_rollback(True)
    return results


def test_the_set_based_commit_writes_what_the_row_by_row_commit_writes(org, api, monkeypatch):
    (job, counts, customers, events, _), (job2, *row_by_row) = both_ways(
        org, api, monkeypatch, "valid"
    )
    assert (job["rows_error"], job["rows_duplicate"]) == (
        job2["rows_error"],
        job2["rows_duplicate"],
    )
    assert [counts, customers, events] == row_by_row[:3]
    assert counts == {"status": "done", "rows_created": 6, "rows_skipped": 12, "progress": 18}
    by_name = {c[0]: c for c in customers}
    # the gd-gov row is not the manager's to file, so its twin typed with a gap is the first
    assert set(by_name) == {
        "Gone Inc",
        "甲有限公司",
        "己有限公司",
        "庚有限公司",
        "子 有限公司",
        "丑有限公司",
    }
    assert by_name["庚有限公司"][4:6] == (org.teammate.username, "gd-carrier")
    assert by_name["甲有限公司"][2:4] == (CODE, "E-1")
    assert len(events) == counts["rows_created"]
    assert all(comment.startswith("Imported from c.csv, row ") for _, _, comment in events)


def test_the_set_based_commit_refuses_all_rows_as_the_row_by_row_commit_does(org, api, monkeypatch):
    """An "all rows" commit of a file with errors is refused before it starts; one whose row
    went bad since the preview fails, writes nothing, and names the row and its problem."""
    for set_based in (True, False):
        monkeypatch.setattr(CustomerImporter, "set_based_commit", set_based)
        with transaction.atomic():
            rows = [HEADER, ["A Ltd", CODE, "", "", "", ""], ["B Ltd", "", "", "", "", ""]]
            job = start(api(org.rep), csv_bytes(rows))
            CustomerFactory(name="Meanwhile", credit_code=CODE, owner=org.rep)
            done = api(org.rep).post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"})
            done = done.json()
            assert done["status"] == "failed"
            assert "Row 2" in done["message"] and "already has this credit code" in done["message"]
            assert not Customer.objects.filter(name__in=["A Ltd", "B Ltd"]).exists()
            transaction.set_rollback(True)


def test_a_committed_import_committed_again_writes_nothing(org, api, monkeypatch):
    monkeypatch.setattr(CustomerImporter, "set_based_commit", True)
    client = api(org.rep)
    job = start(client, csv_bytes([HEADER, ["A Ltd", "", "", "", "", ""]]))
    first = client.post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"})
    again = client.post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"})
    assert first.json()["rows_created"] == 1 and again.status_code == 409
    assert Customer.objects.filter(name="A Ltd").count() == 1
