"""The audit trail and notifications partitioned by month on PostgreSQL (issue 24.4, ADR 37):
every partition append-only, later ones included; an insert never fails for want of a
partition; old months archived to a file a user keeps, and removed only once it is written."""

import datetime as dt
import gzip
import hashlib
import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from core.audit import timeline
from core.messages import message
from core.models import AuditEvent, Notification
from core.notifications import notify
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db
postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions are PostgreSQL's"
)


def partitions(table: str) -> dict[str, str]:
    """Each partition of `table` and its bounds, as PostgreSQL holds them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
            [table],
        )
        return dict(cursor.fetchall())


def where(event_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM ltc_auditevent WHERE id = %s", [event_id]
        )
        return cursor.fetchone()[0]


def made_in(lead, at: dt.datetime):
    """`lead` as if made at `at` (a record of a restored database, with its old trail)."""
    type(lead).objects.filter(pk=lead.pk).update(created_at=at)
    lead.refresh_from_db()
    return lead


def old_event(lead, at: dt.datetime, action: str = "updated") -> int:
    """An event written at `at` (as a restored or imported trail would have it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ltc_auditevent (target_type_id, target_id, at, actor_name, action, "
            "transition, from_state, to_state, comment, changes, via, api_key, user_agent) "
            "VALUES (%s, %s, %s, '', %s, '', '', '', 'old', '{}', 'system', '', '') RETURNING id",
            [ContentType.objects.get_for_model(lead).pk, lead.pk, at, action],
        )
        return cursor.fetchone()[0]


def new_event(lead) -> AuditEvent:
    return AuditEvent.objects.create(
        target_type=ContentType.objects.get_for_model(lead), target_id=lead.pk, action="created"
    )


def refused(table: str, event_id: int) -> None:
    for sql in (
        f"UPDATE {table} SET action = 'forged' WHERE id = %s",
        f"DELETE FROM {table} WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event_id])


@postgresql
def test_both_tables_are_partitioned_by_month_with_a_default(org):
    month = timezone.now().astimezone(dt.UTC).strftime("%Y%m")
    for table in ("ltc_auditevent", "ltc_notification"):
        found = partitions(table)
        assert found[f"{table}_default"] == "DEFAULT"
        assert f"{table}_p{month}" in found
    event = new_event(LeadFactory(owner=org.rep))
    assert where(event.pk) == f"ltc_auditevent_p{month}"
    assert AuditEvent.objects.get(pk=event.pk).action == event.action  # found by its id alone


@postgresql
def test_every_partition_refuses_update_and_delete_new_ones_included(org):
    lead = LeadFactory(owner=org.rep)
    current = new_event(lead)
    refused(where(current.pk), current.pk)
    # Beyond every partition: the insert lands in DEFAULT, which refuses changes too.
    far = old_event(lead, dt.datetime(2099, 5, 17, tzinfo=dt.UTC))
    assert where(far) == "ltc_auditevent_default"
    refused("ltc_auditevent_default", far)
    # The beat job makes partitions ahead and moves what DEFAULT caught into its month: the new
    # partitions, and DEFAULT attached again, refuse changes as the first ones do.
    call_command("run_job", "partitions-ahead", stdout=None)
    assert where(far) == "ltc_auditevent_p209905"
    refused("ltc_auditevent_p209905", far)
    later = old_event(lead, dt.datetime(2099, 9, 1, tzinfo=dt.UTC))
    assert where(later) == "ltc_auditevent_default"
    refused("ltc_auditevent_default", later)
    call_command("ensure_partitions", "--ahead", "6", stdout=None)
    ahead = (timezone.now().astimezone(dt.UTC) + dt.timedelta(days=6 * 31 - 20)).strftime("%Y%m")
    assert f"ltc_auditevent_p{ahead}" in partitions("ltc_auditevent")
    assert f"ltc_notification_p{ahead}" in partitions("ltc_notification")
    refused("ltc_auditevent_p209909", later)
    refused("ltc_auditevent", far)
    assert AuditEvent.objects.filter(pk__in=[far, later], action="updated").count() == 2


@postgresql
def test_notifications_are_read_and_changed_across_partitions(org, api):
    lead = LeadFactory(owner=org.rep)
    news = message("lead.assigned", lead="Partitioned")
    [note] = notify(recipients=[org.rep], kind="test", message=news, target=lead)
    month = timezone.now().astimezone(dt.UTC).strftime("%Y%m")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM ltc_notification WHERE id = %s", [note.pk]
        )
        assert cursor.fetchone()[0] == f"ltc_notification_p{month}"
    client = api(org.rep)
    listed = client.get("/api/v1/notifications/")
    assert listed.status_code == 200 and note.pk in {n["id"] for n in listed.json()["results"]}
    assert client.post(f"/api/v1/notifications/{note.pk}/read/").status_code == 200
    assert Notification.objects.get(pk=note.pk).read_at is not None


def archive(tmp_path, before: str, name: str = "audit-2024.jsonl.gz"):
    target = tmp_path / name
    call_command("archive_audit", "--before", before, "--to", str(target), stdout=None)
    return target


@postgresql
def test_old_months_are_archived_to_a_file_and_the_timeline_keeps_the_rest(org, api, tmp_path):
    lead = made_in(LeadFactory(owner=org.rep, title="Kept"), dt.datetime(2024, 1, 2, tzinfo=dt.UTC))
    january = [old_event(lead, dt.datetime(2024, 1, day, 9, tzinfo=dt.UTC)) for day in (3, 30)]
    february = old_event(lead, dt.datetime(2024, 2, 29, 23, 59, tzinfo=dt.UTC), "transition")
    march = old_event(lead, dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
    edit = {"title": "Kept, edited"}
    assert api(org.rep).patch(f"/api/v1/leads/{lead.pk}/", edit, format="json").status_code == 200
    since = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    recent = list(
        AuditEvent.objects.filter(target_id=lead.pk, at__gte=since).values_list("pk", flat=True)
    )
    assert recent

    target = archive(tmp_path, "2024-03")

    # The file: a header naming the months and their rows, then every row of them.
    with gzip.open(target, "rt", encoding="utf-8") as lines:
        header = json.loads(next(lines))
        rows = [json.loads(line) for line in lines]
    assert header["format"] == "ltc-audit-archive"
    assert [(p["partition"], p["rows"]) for p in header["partitions"]] == [
        ("ltc_auditevent_p202401", 2),
        ("ltc_auditevent_p202402", 1),
    ]
    assert [row["id"] for row in rows] == [*january, february]
    assert rows[-1]["action"] == "transition" and rows[-1]["target_id"] == lead.pk
    assert rows[-1]["at"].startswith("2024-02-29T23:59")
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    assert (tmp_path / f"{target.name}.sha256").read_text() == f"{digest}  {target.name}\n"

    # The database: those months gone, their partitions too; the rest as it was.
    assert not AuditEvent.objects.filter(pk__in=[*january, february]).exists()
    assert "ltc_auditevent_p202401" not in partitions("ltc_auditevent")
    assert "ltc_auditevent_p202402" not in partitions("ltc_auditevent")
    events = api(org.rep).get(f"/api/v1/leads/{lead.pk}/timeline/").json()
    assert {event["id"] for event in events} == {*recent, march}
    refused(where(march), march)


@postgresql
def test_the_record_page_timeline_after_archiving(org, client, tmp_path):
    lead = made_in(LeadFactory(owner=org.rep, title="Kept"), dt.datetime(2023, 6, 1, tzinfo=dt.UTC))
    old_event(lead, dt.datetime(2023, 6, 1, 8, tzinfo=dt.UTC), "comment")
    archive(tmp_path, "2023-07")
    client.force_login(org.rep)
    page = client.get(lead.get_absolute_url())
    assert page.status_code == 200
    assert "timeline" in page.content.decode()


@postgresql
def test_nothing_is_removed_without_a_successful_write(org, tmp_path, monkeypatch):
    lead = LeadFactory(owner=org.rep)
    kept = old_event(lead, dt.datetime(2024, 1, 5, tzinfo=dt.UTC))

    with pytest.raises(CommandError, match="could not be written"):
        archive(tmp_path / "missing-directory", "2024-02")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("core.archive.os.fsync", disk_full)
    with pytest.raises(CommandError, match="No space left"):
        archive(tmp_path, "2024-02")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []  # no half-written archive is left to be trusted

    (tmp_path / "taken.jsonl.gz").write_bytes(b"a user's earlier archive")
    with pytest.raises(CommandError, match="exists already"):
        archive(tmp_path, "2024-02", name="taken.jsonl.gz")
    assert (tmp_path / "taken.jsonl.gz").read_bytes() == b"a user's earlier archive"

    assert AuditEvent.objects.filter(pk=kept).exists()
    assert archive(tmp_path, "2024-02").exists()
    assert not AuditEvent.objects.filter(pk=kept).exists()


@pytest.mark.parametrize("before", ["2024", "2024-13", "24-01", "2024-1-1", ""])
def test_the_month_must_be_a_month(before, tmp_path):
    with pytest.raises(CommandError, match="YYYY-MM"):
        archive(tmp_path, before)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite's answer")
def test_sqlite_has_nothing_to_archive(org, tmp_path):
    LeadFactory(owner=org.rep)
    with pytest.raises(CommandError, match="only on PostgreSQL"):
        archive(tmp_path, "2024-02")
    assert list(tmp_path.iterdir()) == []
    call_command("ensure_partitions", stdout=None)  # nothing to do, nothing fails


@postgresql
def test_a_records_timeline_reads_only_the_months_since_it_was_made(org, api):
    """The trail's index on (record, at) in each month, and no month before the record was made:
    a record page does not probe five years of partitions."""
    ancient = made_in(LeadFactory(owner=org.rep), dt.datetime(2024, 1, 2, tzinfo=dt.UTC))
    old_event(ancient, dt.datetime(2024, 1, 3, tzinfo=dt.UTC))
    call_command("ensure_partitions", "--from", "2024-01", stdout=None)
    lead = LeadFactory(owner=org.rep)
    new_event(lead)
    sql, params = timeline(lead)[:21].query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test's tables are a page each
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    month = timezone.now().astimezone(dt.UTC).strftime("%Y%m")
    assert f"target_type_id_target_id_at_idx on ltc_auditevent_p{month}" in plan, plan
    assert "ltc_auditevent_p2024" not in plan, plan
    # An old record's timeline reaches back to its own months, and shows them.
    events = api(org.rep).get(f"/api/v1/leads/{ancient.pk}/timeline/").json()
    assert [event["at"][:7] for event in events] == ["2024-01"]
