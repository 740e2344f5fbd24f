"""Operations on demand (issue 17.7, ADR 15): every periodic job can be run now by an
administrator, through `manage.py run_job` or `POST /api/v1/jobs/<name>/run/`; each run is a
recorded, audited `JobRun`; asking again while a run is queued or running answers that run;
and every job, run twice, changes nothing the second time."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.db.models import Sum

from core.audit import timeline
from core.jobs import job_registry, register_job
from core.models import AuditEvent, JobRun
from core.timeline import describe

pytestmark = pytest.mark.django_db

ROLES = ["rep", "manager", "director", "finance", "sr", "fr"]


def test_every_scheduled_job_can_be_run_on_demand():
    registered = {job.name: job.task for job in job_registry()}
    scheduled = {name: entry["task"] for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}
    assert registered == scheduled


def test_an_administrator_runs_a_job_through_the_api(org, api, django_capture_on_commit_callbacks):
    listed = api(org.admin).get("/api/v1/jobs/")
    assert listed.status_code == 200
    assert {row["name"] for row in listed.json()} == {job.name for job in job_registry()}
    with django_capture_on_commit_callbacks(execute=True):
        response = api(org.admin).post("/api/v1/jobs/leads-rescore-open/run/")
    assert response.status_code == 202, response.json()
    run = JobRun.objects.get(pk=response.json()["id"])
    assert (run.name, run.status, run.requested_by, run.result) == (
        "leads-rescore-open",
        "succeeded",
        org.admin,
        0,
    )
    assert run.started_at and run.finished_at
    events = list(timeline(run).order_by("id"))
    assert [e.action for e in events] == ["job.requested", "job.finished"]
    assert all(e.actor == org.admin for e in events)
    assert [e.via for e in events] == ["api", "task"]
    assert describe(events[1])["title"] == f"Job run finished by {org.admin}."
    assert "Status changed from Running to Succeeded" in describe(events[1])["lines"]

    runs = api(org.admin).get("/api/v1/job-runs/?name=leads-rescore-open").json()["results"]
    assert [r["id"] for r in runs] == [run.pk]
    again = api(org.admin).get("/api/v1/jobs/").json()
    row = next(r for r in again if r["name"] == "leads-rescore-open")
    assert (row["last_run"], row["last_status"]) == (run.pk, "succeeded")


@pytest.mark.parametrize("role", ROLES)
def test_everyone_but_administrators_is_refused(org, api, role):
    client = api(getattr(org, role))
    for response in (
        client.get("/api/v1/jobs/"),
        client.post("/api/v1/jobs/leads-rescore-open/run/"),
        client.get("/api/v1/job-runs/"),
    ):
        assert response.status_code == 403
        assert set(response.json()) == {"code", "message", "fields"}
    assert not JobRun.objects.exists()


def test_an_unknown_job_is_a_404_in_the_error_shape(org, api):
    response = api(org.admin).post("/api/v1/jobs/no-such-job/run/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not JobRun.objects.exists()


def test_asking_again_while_a_run_is_queued_answers_that_run(
    org, api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        first = api(org.admin).post("/api/v1/jobs/outbox-flush/run/")
        second = api(org.admin).post("/api/v1/jobs/outbox-flush/run/")
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["status"] == "queued"
    assert len(queued) == 1  # one task queued, not two
    assert JobRun.objects.count() == 1
    assert AuditEvent.objects.filter(action="job.requested").count() == 1
    for callback in queued:
        callback()
    assert JobRun.objects.get().status == "succeeded"
    with django_capture_on_commit_callbacks(execute=True):
        third = api(org.admin).post("/api/v1/jobs/outbox-flush/run/")
    assert third.json()["id"] != first.json()["id"]  # the first one finished: a new run


def test_the_database_holds_one_active_run_per_job(org):
    JobRun.objects.create(name="outbox-flush", status="running")
    with pytest.raises(IntegrityError), transaction.atomic():
        JobRun.objects.create(name="outbox-flush")
    JobRun.objects.create(name="outbox-flush", status="succeeded")  # finished ones: any number
    JobRun.objects.create(name="leads-rescore-open")  # another job: its own run


def test_a_run_queued_twice_is_run_once(org):
    """A redelivered message finds the run claimed and does nothing."""
    from core.tasks import run_job

    run = JobRun.objects.create(name="outbox-flush")
    assert run_job.delay(run.pk).get() == "succeeded"
    assert run_job.delay(run.pk).get() == "skipped"
    assert AuditEvent.objects.filter(action="job.finished").count() == 1


def test_a_run_left_behind_by_a_dead_worker_does_not_block_the_job(org, api):
    from django.utils import timezone

    from core.jobs import STALE_AFTER

    lost = JobRun.objects.create(name="outbox-flush", status="running")
    JobRun.objects.filter(pk=lost.pk).update(requested_at=timezone.now() - STALE_AFTER * 2)
    out = io.StringIO()
    call_command("run_job", "outbox-flush", stdout=out)
    lost.refresh_from_db()
    assert lost.status == "failed" and "Abandoned" in lost.error
    assert JobRun.objects.filter(status="succeeded").count() == 1


def test_a_failing_job_is_recorded_with_its_error(org):
    from celery import shared_task

    @shared_task(name="tests.failing_job")
    def failing_job():
        raise RuntimeError("the ledger is on fire")

    register_job(name="test-failing", task="tests.failing_job", label="x", description="x")
    try:
        with pytest.raises(CommandError, match="the ledger is on fire"):
            call_command("run_job", "test-failing", stdout=io.StringIO())
    finally:
        from core import jobs

        jobs._JOBS.pop("test-failing")
    run = JobRun.objects.get()
    assert run.status == "failed" and "RuntimeError: the ledger is on fire" in run.error
    event = timeline(run).first()
    assert event.action == "job.failed" and event.via == "command"


def test_the_command_lists_runs_and_reports_the_run_in_flight(org):
    out = io.StringIO()
    call_command("run_job", "--list", stdout=out)
    assert {line.split("\t")[0] for line in out.getvalue().splitlines()} == {
        job.name for job in job_registry()
    }
    out = io.StringIO()
    call_command("run_job", "contracts-late-delivery-reminders", stdout=out)
    assert "succeeded" in out.getvalue()
    assert timeline(JobRun.objects.get()).filter(via="command").count() == 2
    busy = JobRun.objects.create(name="contracts-late-delivery-reminders")
    out = io.StringIO()
    call_command("run_job", "contracts-late-delivery-reminders", stdout=out)
    assert f"run {busy.pk} is already queued" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("run_job", "no-such-job", stdout=io.StringIO())


# --- each job is idempotent ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", password="jobs-pass-12345", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def state() -> dict:
    """What a job could change: the rows of every model, the versions of versioned ones, the
    audit trail (but the job runs' own), notifications and mail sent. Logs of runs (job runs,
    the collections scan's own log) grow by one row a run; they are not the job's effect."""
    from receivables.models import ReminderScan

    runs = ContentType.objects.get_for_model(JobRun)
    figures = {"mail": len(mail.outbox)}
    for model in apps.get_models():
        if model in (JobRun, AuditEvent, ReminderScan):
            continue
        figures[model._meta.label] = model._base_manager.count()
        if any(f.name == "version" for f in model._meta.fields):
            figures[f"{model._meta.label}.version"] = model._base_manager.aggregate(
                v=Sum("version")
            )["v"]
    figures["audit"] = AuditEvent.objects.exclude(target_type=runs).count()
    return figures


@pytest.mark.parametrize("name", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_each_job_run_twice_changes_nothing_the_second_time(demo, db, name):
    call_command("run_job", name, stdout=io.StringIO())
    before = state()
    call_command("run_job", name, stdout=io.StringIO())
    assert state() == before
    assert JobRun.objects.filter(name=name, status="succeeded").count() == 2
