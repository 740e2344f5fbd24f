"""An import job's lifecycle (issue 18.3, ADR 3): its status moves are declared once
(`ImportJob.moves`) and made by guarded updates; undeclared moves are refused, a redelivered
task changes nothing, and every move a person cares about is on the job's audit trail with its
counts."""

import pytest
from django.utils import translation

from accounts.models import Customer, ImportJob
from accounts.tasks import import_commit_task, import_validate_task
from core.audit import timeline
from core.errors import TransitionNotAllowed
from core.timeline import describe
from tests.factories import CustomerFactory

from .conftest import csv_bytes, upload

pytestmark = pytest.mark.django_db

HEADER = ["名称", "统一社会信用代码", "行业", "省份", "客户级别", "客户经理", "邮箱"]
DECLARED = {
    "uploaded": {"validating", "cancelled"},
    "validating": {"validating", "validated", "failed"},
    "validated": {"importing", "cancelled"},
    "importing": {"done", "failed"},
    "failed": {"cancelled"},
}


def rows(n: int) -> list[list]:
    return [[f"客户{i}有限公司", "", "电信运营商", "广东", "大客户", "", ""] for i in range(n)]


def start(client, content: bytes):
    response = client.post(
        "/api/v1/imports/",
        {"kind": "customers", "file": upload("customers.csv", content)},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def trail(job_id: int) -> list:
    job = ImportJob.objects.get(pk=job_id)
    return list(timeline(job).order_by("id"))


def assert_error_shape(response, status: int, code: str):
    assert response.status_code == status, response.json()
    assert set(response.json()) == {"code", "message", "fields"}
    assert response.json()["code"] == code


def test_the_moves_are_declared_once_and_terminal_states_have_none():
    assert {s: set(t) for s, t in ImportJob.moves.moves.items()} == DECLARED
    assert not ImportJob.moves.allowed("done", "importing")
    assert not ImportJob.moves.allowed("cancelled", "validating")


def test_each_move_of_a_clean_import_is_audited_with_its_counts(org, api):
    client = api(org.rep)
    job = start(client, csv_bytes([HEADER, *rows(3)]))
    assert job["status"] == "validated"
    done = client.post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"}, format="json")
    assert done.json()["status"] == "done"

    events = trail(job["id"])
    assert [e.action for e in events] == [
        "created",
        "import.checked",
        "import.committed",
        "import.done",
    ]
    checked, committed, finished = events[1:]
    assert (checked.from_state, checked.to_state) == ("validating", "validated")
    assert checked.changes == {
        "rows_total": 3,
        "rows_valid": 3,
        "rows_error": 0,
        "rows_duplicate": 0,
    }
    assert (committed.from_state, committed.to_state, committed.actor) == (
        "validated",
        "importing",
        org.rep,
    )
    assert committed.changes == {"mode": "all", "rows_total": 3, "rows_valid": 3}
    assert (finished.from_state, finished.to_state) == ("importing", "done")
    assert finished.changes == {"rows_created": 3, "rows_skipped": 0}
    assert describe(finished) == {
        "title": f"Import finished by {org.rep}.",
        "lines": ["Records created: 3", "Rows skipped: 0"],
    }
    with translation.override("zh-hans"):
        assert describe(checked)["title"] == f"{org.rep}：导入已检查。"
        assert describe(finished)["title"] == f"{org.rep}：导入已完成。"


def test_a_failed_check_is_audited_with_its_reason(org, api):
    job = start(api(org.rep), csv_bytes([HEADER]))
    assert job["status"] == "failed"
    failed = trail(job["id"])[-1]
    assert (failed.action, failed.from_state, failed.to_state) == (
        "import.failed",
        "validating",
        "failed",
    )
    assert failed.comment == "The file has no data rows."
    assert describe(failed)["title"] == f"Import failed by {org.rep}."
    with translation.override("zh-hans"):
        assert describe(failed)["title"] == f"{org.rep}：导入失败。"


def test_a_failed_import_is_audited_and_writes_nothing(org, api):
    data = [HEADER, ["A Ltd", "91440000719275374C", *[""] * 5], *rows(2)]
    job = start(api(org.rep), csv_bytes(data))
    CustomerFactory(name="Meanwhile", credit_code="91440000719275374C", owner=org.rep)
    done = api(org.rep).post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"}).json()
    assert done["status"] == "failed"
    failed = trail(job["id"])[-1]
    assert (failed.action, failed.from_state, failed.to_state) == (
        "import.failed",
        "importing",
        "failed",
    )
    assert "Row 2" in failed.comment
    assert Customer.objects.count() == 1
    assert not [e for e in trail(job["id"]) if e.action == "import.done"]


def test_cancelling_is_audited_and_an_illegal_move_is_refused(org, api):
    client = api(org.rep)
    job = start(client, csv_bytes([HEADER, *rows(1)]))
    cancelled = client.post(f"/api/v1/imports/{job['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    event = trail(job["id"])[-1]
    assert (event.action, event.from_state, event.to_state, event.actor) == (
        "import.cancelled",
        "validated",
        "cancelled",
        org.rep,
    )
    # cancelled → cancelled and cancelled → importing are not declared: refused, nothing moves
    assert_error_shape(client.post(f"/api/v1/imports/{job['id']}/cancel/"), 409, "import_state")
    assert_error_shape(
        client.post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"}, format="json"),
        409,
        "import_state",
    )
    assert ImportJob.objects.get(pk=job["id"]).status == "cancelled"
    assert [e.action for e in trail(job["id"])].count("import.cancelled") == 1


def test_a_done_import_cannot_be_cancelled(org, api):
    client = api(org.rep)
    job = start(client, csv_bytes([HEADER, *rows(1)]))
    client.post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"}, format="json")
    assert_error_shape(client.post(f"/api/v1/imports/{job['id']}/cancel/"), 409, "import_state")
    assert ImportJob.objects.get(pk=job["id"]).status == "done"


def test_an_undeclared_move_is_refused_before_any_query(org, api, django_assert_num_queries):
    job = ImportJob.objects.get(pk=start(api(org.rep), csv_bytes([HEADER, *rows(1)]))["id"])
    with django_assert_num_queries(0), pytest.raises(TransitionNotAllowed):
        ImportJob.moves.move(job, "done", source="validated")
    with django_assert_num_queries(0), pytest.raises(TransitionNotAllowed):
        ImportJob.moves.move(job, "uploaded")  # nothing leads back to uploaded
    # A declared move from a state the row is no longer in does not happen.
    assert ImportJob.moves.move(job, "validated", source="validating") is False
    assert ImportJob.objects.get(pk=job.pk).status == "validated"


def test_redelivered_tasks_change_nothing(org, api, settings, django_capture_on_commit_callbacks):
    settings.IMPORT_INLINE_MAX_BYTES = 10
    settings.IMPORT_INLINE_MAX_ROWS = 1
    client = api(org.rep)
    with django_capture_on_commit_callbacks() as callbacks:
        job = start(client, csv_bytes([HEADER, *rows(3)]))
    assert job["status"] == "validating"
    callbacks[0]()
    assert import_validate_task(job["id"]) == "skipped"  # checked already
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"}, format="json")
    callbacks[0]()
    assert import_commit_task(job["id"]) == "done"  # a redelivered message: done already
    assert Customer.objects.count() == 3
    actions = [e.action for e in trail(job["id"])]
    assert actions == ["created", "import.checked", "import.committed", "import.done"]
