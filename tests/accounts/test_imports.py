"""Customer import through the API: upload → preview (errors and duplicates, nothing written)
→ commit all or only the valid rows → error report; CSV in UTF-8, UTF-8 with BOM and GB18030,
XLSX; bad files refused clearly; large files as a background job."""

import pytest
from django.core.files.base import ContentFile

from accounts.models import Customer, ImportIssue, ImportJob
from core.models import AuditEvent
from tests.factories import CustomerFactory

from .conftest import csv_bytes, read_csv, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = ["名称", "统一社会信用代码", "行业", "省份", "客户级别", "客户经理", "邮箱"]


def start(client, content: bytes, name: str = "customers.csv", kind: str = "customers"):
    return client.post(
        "/api/v1/imports/", {"kind": kind, "file": upload(name, content)}, format="multipart"
    )


def good_rows(n: int, prefix: str = "客户") -> list[list]:
    return [[f"{prefix}{i}有限公司", "", "电信运营商", "广东", "大客户", "", ""] for i in range(n)]


def test_a_clean_file_previews_then_imports_every_row(org, api):
    client = api(org.rep)
    response = start(client, csv_bytes([HEADER, *good_rows(3)]))
    assert response.status_code == 201, response.json()
    job = response.json()
    assert job["status"] == "validated"
    assert (job["rows_total"], job["rows_valid"], job["rows_error"]) == (3, 3, 0)
    assert Customer.objects.count() == 0  # the preview writes nothing

    done = client.post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "done" and done.json()["rows_created"] == 3
    created = Customer.objects.get(name="客户1有限公司")
    assert created.normalised_name == "客户1"
    assert (created.industry, created.tier, created.owner, created.org_unit) == (
        "telecom",
        "key",
        org.rep,
        org.gd_carrier,
    )
    event = AuditEvent.objects.get(target_id=created.pk, action="created", via="import")
    assert (event.actor, event.actor_name, event.comment, event.changes) == (
        org.rep,
        org.rep.username,
        "Imported from customers.csv, row 3",
        {},
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("utf8.csv", csv_bytes([HEADER, *good_rows(2)], "utf-8")),
        ("bom.csv", csv_bytes([HEADER, *good_rows(2)], "utf-8-sig")),
        ("excel.csv", csv_bytes([HEADER, *good_rows(2)], "gb18030")),
        ("sheet.xlsx", xlsx_bytes([HEADER, *good_rows(2)])),
    ],
)
def test_utf8_with_or_without_bom_gb18030_and_xlsx_are_read(org, api, name, content):
    job = start(api(org.rep), content, name).json()
    assert job["status"] == "validated", job
    assert job["rows_total"] == 2 and job["rows_error"] == 0
    issues = ImportIssue.objects.filter(job_id=job["id"])
    assert not issues.exists()


def test_tiers_may_be_written_as_common_synonyms(org, api):
    rows = [
        ["名称", "客户级别"],
        ["甲有限公司", "重点客户"],
        ["乙有限公司", "战略客户"],
        ["丙有限公司", "normal"],
    ]
    job = start(api(org.rep), csv_bytes(rows)).json()
    api(org.rep).post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"})
    assert dict(Customer.objects.values_list("name", "tier")) == {
        "甲有限公司": "key",
        "乙有限公司": "strategic",
        "丙有限公司": "normal",
    }


def test_xlsx_numbers_and_dates_become_text(org, api):
    rows = [["Name", "Phone", "Unified social credit code"], ["Acme Ltd", 13800138000, None]]
    job = start(api(org.rep), xlsx_bytes(rows), "a.xlsx").json()
    api(org.rep).post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"}, format="json")
    assert Customer.objects.get(name="Acme Ltd").phone == "+8613800138000"  # E.164


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("latin.csv", "名称\n".encode() + b"\xff\xfe\xfa\xfb\n", "encoding"),
        ("empty.csv", b"", "empty"),
        ("data.xls", b"\xd0\xcf\x11\xe0 old excel", ".xls"),
        ("fake.xlsx", b"not a zip at all", "xlsx"),
        ("notes.pdf", b"%PDF-1.4", ".csv"),
    ],
)
def test_bad_files_are_refused_with_a_clear_error(org, api, name, content, message):
    response = start(api(org.rep), content, name)
    assert response.status_code == 400, response.content
    assert message in response.json()["fields"]["file"][0]
    assert not ImportJob.objects.exists()


def test_an_oversized_file_is_refused(org, api, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = start(api(org.rep), csv_bytes([HEADER, *good_rows(10)]))
    assert response.status_code == 400
    assert "too large" in response.json()["fields"]["file"][0]


def test_a_file_without_the_required_column_fails_its_preview(org, api):
    job = start(api(org.rep), csv_bytes([["Phone", "E-mail"], ["123", "a@b.cn"]])).json()
    assert job["status"] == "failed"
    assert "Name" in job["message"]


def test_too_many_rows_fail_the_preview(org, api, settings):
    settings.IMPORT_MAX_ROWS = 2
    job = start(api(org.rep), csv_bytes([HEADER, *good_rows(3)])).json()
    assert job["status"] == "failed" and "more than 2 rows" in job["message"]


def test_row_errors_are_listed_per_row_and_column(org, api):
    rows = [
        HEADER,
        ["", "", "", "广东", "", "", ""],  # no name
        ["Beta Co., Ltd.", "123", "", "", "", "", ""],  # bad credit code
        ["Gamma Inc", "", "Space mining", "", "platinum", "", ""],  # unknown choices
        ["Delta Ltd", "", "", "", "", "nobody", ""],  # unknown owner
        ["Epsilon Ltd", "", "", "", "", "teammate", ""],  # a rep may not assign others
        ["Zeta Ltd", "", "", "", "", "", "not-an-email"],
        ["Eta Ltd", "", "", "", "", "", ""],  # fine
    ]
    job = start(api(org.rep), csv_bytes(rows)).json()
    assert (job["rows_total"], job["rows_error"], job["rows_valid"]) == (7, 6, 1)
    issues = api(org.rep).get(f"/api/v1/imports/{job['id']}/issues/?level=error").json()
    by_row = {i["row"]: i["messages"] for i in issues["results"]}
    assert set(by_row[2]) == {"name"}
    assert set(by_row[3]) == {"credit_code"}
    assert set(by_row[4]) == {"industry", "tier"}
    assert "No such user" in by_row[5]["owner"][0]
    assert "may not assign" in by_row[6]["owner"][0]
    assert set(by_row[7]) == {"email"}


def test_duplicates_against_the_database_and_within_the_file(org, api):
    existing = CustomerFactory(name="中国移动通信集团广东有限公司", owner=org.other_region_rep)
    coded = CustomerFactory(name="Other", credit_code="91440000719275374C", owner=org.rep)
    rows = [
        HEADER,
        ["（中国移动通信集团广东）股份有限公司", "", "", "", "", "", ""],  # same as existing
        ["Acme Co., Ltd.", "", "", "", "", "", ""],
        ["ACME Inc", "", "", "", "", "", ""],  # same as the row before
        ["New Name Ltd", "91440000719275374C", "", "", "", "", ""],  # credit code taken
        ["Fresh Ltd", "", "", "", "", "", ""],
    ]
    job = start(api(org.rep), csv_bytes(rows)).json()
    assert (job["rows_duplicate"], job["rows_error"], job["rows_valid"]) == (2, 1, 2)
    issues = {i.row: i for i in ImportIssue.objects.filter(job_id=job["id"])}
    assert issues[2].level == "duplicate"
    assert issues[2].matches == [
        {"id": existing.pk, "name": existing.name, "owner": org.other_region_rep.username}
    ]
    assert issues[4].level == "duplicate" and "row 3" in issues[4].messages["duplicate"][0]
    assert issues[5].level == "error" and issues[5].matches[0]["id"] == coded.pk


def test_commit_all_is_refused_while_rows_have_errors(org, api):
    job = start(api(org.rep), csv_bytes([HEADER, ["", "", "", "广东", "", "", ""], *good_rows(1)]))
    job = job.json()
    refused = api(org.rep).post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"})
    assert refused.status_code == 400 and "mode" in refused.json()["fields"]
    assert Customer.objects.count() == 0


def test_commit_valid_skips_errors_and_duplicates(org, api):
    CustomerFactory(name="Known Ltd", owner=org.rep)
    rows = [HEADER, ["Known Co., Ltd.", *[""] * 6], ["", "", "", "广东", "", "", ""], *good_rows(2)]
    rows.append([""] * 7)  # blank rows are not rows
    job = start(api(org.rep), csv_bytes(rows)).json()
    done = api(org.rep).post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "valid"}).json()
    assert (done["rows_created"], done["rows_skipped"]) == (2, 2)
    assert Customer.objects.count() == 3


def test_commit_all_imports_the_duplicates_the_user_has_seen(org, api):
    CustomerFactory(name="Known Ltd", owner=org.rep)
    job = start(api(org.rep), csv_bytes([HEADER, ["Known Co., Ltd.", *[""] * 6]])).json()
    done = api(org.rep).post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"}).json()
    assert done["rows_created"] == 1 and Customer.objects.count() == 2


def test_a_row_that_became_invalid_since_the_preview_stops_an_all_import(org, api):
    rows = [HEADER, ["A Ltd", "91440000719275374C", *[""] * 5], *good_rows(2)]
    job = start(api(org.rep), csv_bytes(rows)).json()
    CustomerFactory(name="Meanwhile", credit_code="91440000719275374C", owner=org.rep)
    done = api(org.rep).post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"}).json()
    assert done["status"] == "failed" and "Row 2" in done["message"]
    assert Customer.objects.count() == 1  # nothing of the file was written


def test_a_job_is_committed_once(org, api):
    job = start(api(org.rep), csv_bytes([HEADER, *good_rows(1)])).json()
    api(org.rep).post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"})
    again = api(org.rep).post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"})
    assert again.status_code == 409
    assert Customer.objects.count() == 1


def test_the_error_report_lists_the_problem_rows_with_their_cells(org, api):
    rows = [HEADER, ["", "x", *[""] * 5], ['=HYPERLINK("http://evil")', *[""] * 6], *good_rows(1)]
    job = start(api(org.rep), csv_bytes(rows)).json()
    assert job["error_report"] == f"/api/v1/imports/{job['id']}/error-report/"
    report = read_csv(api(org.rep).get(job["error_report"]))
    assert report[0][:3] == ["Row", "Problem", "Details"]
    assert [r[0] for r in report[1:]] == ["2"]
    assert "Name: Required." in report[1][2]
    assert report[1][4] == "x"


def test_owner_and_org_unit_columns_for_a_manager(org, api):
    rows = [["Name", "Account manager", "Org unit"], ["Kappa Ltd", "teammate", ""]]
    rows.append(["Lambda Ltd", "", "js-carrier"])  # outside the manager's subtree
    job = start(api(org.manager), csv_bytes(rows)).json()
    issues = {i.row: i.messages for i in ImportIssue.objects.filter(job_id=job["id"])}
    assert list(issues) == [3] and "org_unit" in issues[3]
    api(org.manager).post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "valid"})
    kappa = Customer.objects.get(name="Kappa Ltd")
    assert kappa.owner == org.teammate and kappa.org_unit == org.gd_carrier


def test_large_files_run_as_background_jobs_with_progress(
    org, api, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_INLINE_MAX_BYTES = 10
    settings.IMPORT_INLINE_MAX_ROWS = 1
    client = api(org.rep)
    with django_capture_on_commit_callbacks() as callbacks:
        job = start(client, csv_bytes([HEADER, *good_rows(5)])).json()
    assert job["status"] == "validating" and len(callbacks) == 1
    callbacks[0]()  # the Celery job runs (eagerly here)
    job = client.get(f"/api/v1/imports/{job['id']}/").json()
    assert job["status"] == "validated" and job["progress"] == 5

    with django_capture_on_commit_callbacks() as callbacks:
        started = client.post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"}).json()
    assert started["status"] == "importing" and started["progress"] == 0
    callbacks[0]()
    job = client.get(f"/api/v1/imports/{job['id']}/").json()
    assert job["status"] == "done" and job["rows_created"] == 5 and job["progress"] == 5


def test_cancel_drops_an_uncommitted_import(org, api):
    job = start(api(org.rep), csv_bytes([HEADER, *good_rows(1)])).json()
    response = api(org.rep).post(f"/api/v1/imports/{job['id']}/cancel/")
    assert response.json()["status"] == "cancelled"
    again = api(org.rep).post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"})
    assert again.status_code == 409
    assert Customer.objects.count() == 0


def test_imports_follow_the_access_policy(org, api):
    job = start(api(org.rep), csv_bytes([HEADER, *good_rows(1)])).json()
    url = f"/api/v1/imports/{job['id']}/"
    assert api(org.other_team_rep).get(url).status_code == 404
    assert api(org.other_region_manager).get(f"{url}error-report/").status_code == 404
    assert api(org.teammate).get(url).status_code == 200  # the team sees it
    assert api(org.teammate).post(f"{url}commit/", {"mode": "all"}).status_code == 403
    assert api(org.manager).post(f"{url}commit/", {"mode": "all"}).status_code == 200
    listed = api(org.other_team_rep).get("/api/v1/imports/").json()["results"]
    assert listed == []


def test_unknown_kind_and_missing_file_are_field_errors(org, api):
    response = api(org.rep).post("/api/v1/imports/", {"kind": "planets"}, format="multipart")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"kind", "file"}


def test_the_template_lists_the_columns(org, api):
    response = api(org.rep).get("/api/v1/imports/template/?kind=customers")
    assert read_csv(response)[0][:2] == ["Name", "Unified social credit code"]


def test_a_running_job_is_polled_on_its_page(
    org, client, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_INLINE_MAX_BYTES = 10
    client.force_login(org.rep)
    with django_capture_on_commit_callbacks():  # the Celery job is not run
        response = client.post(
            "/imports/new/?kind=customers",
            {"kind": "customers", "file": upload("c.csv", csv_bytes([HEADER, *good_rows(3)]))},
        )
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page and "Checking rows" in page
    partial = client.get(f"{response['Location']}progress/", HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in partial and "every 1s" in partial.content.decode()


def test_queries_grow_per_batch_not_per_row(org, api, monkeypatch):
    """The preview and the commit cost a constant number of queries per batch: twice the rows
    (twice the batches) add a few queries per batch, whatever the batch holds."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.imports.customers import CustomerImporter

    monkeypatch.setattr(CustomerImporter, "batch_size", 10)
    CustomerFactory(
        name="客户数据库有限公司",
        credit_code="91440000719275374C",
        external_id="X-1",
        owner=org.rep,
    )

    def queries(n: int, prefix: str) -> int:
        rows = [[*HEADER, "外部编号"]]
        for i in range(n):
            rows.append([f"{prefix}{i}有限公司", "", "", "广东", "", "", "", ""])
        rows[1][0] = "客户数据库股份有限公司"  # a name, a code and an external id already taken
        rows[2][1], rows[3][-1] = "91440000719275374C", "X-1"
        client = api(org.rep)
        with CaptureQueriesContext(connection) as captured:
            job = start(client, csv_bytes(rows)).json()
            done = client.post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "valid"})
        assert (job["rows_duplicate"], job["rows_error"]) == (1, 2)
        assert done.json()["rows_created"] == n - 3
        return len(captured)

    one_batch, two_batches = queries(10, "甲"), queries(20, "乙")
    # per batch: dedupe and aliases, issues, progress; dedupe and aliases, 2 inserts
    assert two_batches - one_batch <= 8


def staged(job_id: int):
    """The job's upload and the preview's staged rows next to it."""
    from accounts.imports import staging

    job = ImportJob.objects.get(pk=job_id)
    return job, job.file.storage, staging.staged_name(job)


def test_the_commit_writes_what_the_preview_cleaned_without_reading_the_file_again(org, api):
    job = start(api(org.rep), csv_bytes([HEADER, *good_rows(3)])).json()
    record, storage, name = staged(job["id"])
    assert storage.exists(name)
    with storage.open(record.file.name, "wb") as upload_file:  # the upload is not read again
        upload_file.write(b"this is not the file that was previewed")
    done = api(org.rep).post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"}).json()
    assert done["status"] == "done" and done["rows_created"] == 3
    assert sorted(Customer.objects.values_list("name", "normalised_name", "tier")) == [
        (f"客户{i}有限公司", f"客户{i}", "key") for i in range(3)
    ]
    assert not storage.exists(name)  # the staged rows go with the upload


def test_a_job_without_staged_rows_is_committed_from_its_file(org, api):
    job = start(api(org.rep), csv_bytes([HEADER, *good_rows(2)])).json()
    _record, storage, name = staged(job["id"])
    storage.delete(name)  # e.g. previewed before the rows were staged
    done = api(org.rep).post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"}).json()
    assert done["status"] == "done" and done["rows_created"] == 2


def test_staged_rows_that_end_early_fail_the_commit_and_write_nothing(org, api):
    job = start(api(org.rep), csv_bytes([HEADER, *good_rows(2)])).json()
    _record, storage, name = staged(job["id"])
    with storage.open(name, "rb") as handle:
        header = handle.readline()
    storage.delete(name)
    storage.save(name, ContentFile(header))  # the header without its rows
    done = api(org.rep).post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"}).json()
    assert done["status"] == "failed" and Customer.objects.count() == 0


def test_a_duplicate_created_since_the_preview_is_skipped_by_a_valid_commit(org, api):
    """The commit reuses the preview's cleaned rows but checks them against the database
    again: a customer created meanwhile is still caught, by name, credit code or external id."""
    rows = [[*HEADER, "外部编号"]]
    rows += [[f"客户{i}有限公司", "", "", "广东", "", "", "", ""] for i in range(5)]
    rows[2][1], rows[3][-1] = "91440000719275374C", "X-9"
    job = start(api(org.rep), csv_bytes(rows)).json()
    assert (job["rows_valid"], job["rows_duplicate"], job["rows_error"]) == (5, 0, 0)
    CustomerFactory(name="客户0股份有限公司", owner=org.rep)  # row 2 by name
    CustomerFactory(name="Meanwhile", credit_code="91440000719275374C", owner=org.rep)  # row 3
    CustomerFactory(name="Other", external_id="X-9", owner=org.rep)  # row 4
    done = api(org.rep).post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "valid"}).json()
    assert (done["status"], done["rows_created"], done["rows_skipped"]) == ("done", 2, 3)
    assert set(Customer.objects.filter(name__startswith="客户").values_list("name", flat=True)) == {
        "客户0股份有限公司",
        "客户3有限公司",
        "客户4有限公司",
    }


def test_staged_rows_keep_decimals_and_dates():
    import datetime as dt
    from decimal import Decimal

    from accounts.imports import staging

    values = {"amount": Decimal("1200000.00"), "on": dt.date(2027, 3, 31), "yes": True, "x": ""}
    line = staging.json.dumps([values], default=staging._encode)
    assert staging.json.loads(line, object_hook=staging._decode) == [values]


def test_copy_writes_the_same_customers_and_audit_as_bulk_create(org, api, monkeypatch):
    """On PostgreSQL the file is written in SQL (INSERT ... SELECT) or a batch with COPY; the
    rows and their "created" events are exactly those bulk_create writes (cells with quotes,
    commas, tabs, newlines, backslashes)."""
    from django.db import connection, transaction

    from accounts.imports import base
    from accounts.imports.base import copy_insert
    from accounts.imports.customers import CustomerImporter

    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's; elsewhere bulk_create writes the batch")
    rows = [[*HEADER, "外部编号", "电话", "地址", "网址"]]
    rows += [
        ['Quote "Q" Ltd', "91440000719275374C", "电信运营商", "广东", "大客户", org.rep.username]
        + [
            "a@example.com",
            "X-1",
            "+86 20 1234 5678",
            "Line 1\nLine 2, \\ back\tslash",
            "q.example",
        ],
        ["逗号,公司有限公司", "", "", "", "战略客户", "", "", "", "", "", ""],
        ["Plain Ltd", "", "", "", "", "", "", "", "", "", ""],
    ]
    exclude = {"id", "created_at", "updated_at"}
    fields = [f.attname for f in Customer._meta.concrete_fields if f.attname not in exclude]

    def imported() -> tuple[list, list]:
        with transaction.atomic():
            job = start(api(org.rep), csv_bytes(rows), name="c.csv").json()
            done = api(org.rep).post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"})
            assert done.json()["rows_created"] == 3
            customers = list(Customer.objects.order_by("name").values(*fields))
            stamps = list(Customer.objects.values_list("created_at", "updated_at", "version"))
            assert all(made and changed and version == 1 for made, changed, version in stamps)
            names = dict(Customer.objects.values_list("pk", "name"))
            events = sorted(
                (names[e.target_id], e.target_type_id, e.actor_id, e.actor_name, e.comment, e.ip)
                for e in AuditEvent.objects.filter(action="created", via="import")
            )
            blank = list(
                AuditEvent.objects.filter(via="import").values_list(
                    "transition", "from_state", "to_state", "changes", "user_agent", "api_key"
                )
            )
            assert blank == [("", "", "", {}, "", "")] * 3
            transaction.set_rollback(True)
        return customers, events

    copies = []
    monkeypatch.setattr(
        base, "copy_insert", lambda *a, **k: copies.append(a[0]) or copy_insert(*a, **k)
    )
    monkeypatch.setattr(CustomerImporter, "set_based_commit", True)
    set_based = imported()  # the whole file in SQL (ADR 34): no batch COPY
    assert copies == []
    monkeypatch.setattr(CustomerImporter, "set_based_commit", False)  # batch by batch
    copied = imported()
    assert copies == [Customer, AuditEvent]  # the batch and its events went through COPY
    assert set_based == copied
    monkeypatch.setattr(CustomerImporter, "copy_fields", ())  # bulk_create
    assert imported() == copied
    quoted = next(c for c in copied[0] if c["name"] == 'Quote "Q" Ltd')
    assert quoted["address"] == "Line 1\nLine 2, \\ back\tslash"
    assert (quoted["owner_id"], quoted["website"]) == (org.rep.pk, "https://q.example")
    assert len(copied[1]) == 3


def test_a_merged_customers_tombstone_is_no_duplicate(org, api):
    survivor = CustomerFactory(name="Survivor Ltd", owner=org.rep)
    CustomerFactory(name="Gone Ltd", owner=org.rep, merged_into=survivor)
    rows = [HEADER, ["Gone Co., Ltd.", *[""] * 6], ["Survivor Inc", *[""] * 6]]
    job = start(api(org.rep), csv_bytes(rows)).json()
    issues = {i.row: i for i in ImportIssue.objects.filter(job_id=job["id"])}
    assert list(issues) == [3] and issues[3].matches[0]["id"] == survivor.pk


def test_a_credit_code_or_external_id_twice_in_the_file_is_an_error_on_the_later_row(org, api):
    code, other = "91440000719275374C", "91440300MA5DC0QH2Y"
    rows = [[*HEADER, "外部编号"]]
    rows += [
        ["甲有限公司", code, "", "", "", "", "", ""],
        ["乙有限公司", code, "", "", "", "", "", ""],  # same code as row 2
        ["丙有限公司", "", "", "", "", "", "", "E-1"],
        ["丁有限公司", "", "", "", "", "", "", "E-1"],  # same external id as row 4
        ["戊有限公司", other, "", "", "", "", "not-an-email", "E-2"],  # an error: keeps neither
        ["己有限公司", other, "", "", "", "", "", "E-2"],  # so this row is the first
    ]
    job = start(api(org.rep), csv_bytes(rows)).json()
    issues = {i.row: i.messages for i in ImportIssue.objects.filter(job_id=job["id"])}
    assert set(issues) == {3, 5, 6}
    assert issues[3] == {"credit_code": ["Same credit code as row 2."]}
    assert issues[5] == {"external_id": ["Same external id as row 4."]}
    assert set(issues[6]) == {"email"}
