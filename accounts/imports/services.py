"""Running an import: upload → preview (nothing written) → commit (all rows, or only the valid
ones) → error report. Large files run as Celery jobs; the page polls their progress.

The preview reads the file batch by batch, so memory stays flat however long the file is, and
keeps each batch as it cleaned it (`staging`); the commit reads those batches back instead of
parsing and cleaning the file again, checks every row against the database again (it may have
changed since the preview) and writes in one transaction: "all rows" is all or nothing. A job
without its staged rows (previewed before they were kept) is read from its file again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import policy
from core.audit import audit_record
from core.errors import Conflict, Forbidden, ValidationFailed
from core.exports import csv_lines
from core.jobs import enqueue

from ..choices import ImportMode, ImportStatus, IssueLevel
from ..models import ImportIssue, ImportJob, User
from . import readers, setbased, staging
from .base import Importer, Row, header_key, importer_for

logger = logging.getLogger(__name__)

#: Files up to this size are checked within the upload request; larger ones by a Celery job.
DEFAULT_INLINE_BYTES = 512 * 1024
#: Imports of up to this many rows are written within the request; more by a Celery job.
DEFAULT_INLINE_ROWS = 2000


def _inline_bytes() -> int:
    return int(getattr(settings, "IMPORT_INLINE_MAX_BYTES", DEFAULT_INLINE_BYTES))


def _inline_rows() -> int:
    return int(getattr(settings, "IMPORT_INLINE_MAX_ROWS", DEFAULT_INLINE_ROWS))


class _Abort(Exception):
    """A row failed while importing "all rows": nothing is written."""


class _Superseded(Exception):
    """Another run finished this import first (a redelivered task raced it): this run's
    writes roll back."""


def _importer(job: ImportJob) -> Importer:
    importer = importer_for(job.kind)
    if importer is None:
        raise ValidationFailed(_("Unknown import."), fields={"kind": [_("Unknown import.")]})
    return importer(job)


def import_start(*, by: User, kind: str, upload: UploadedFile) -> ImportJob:
    """Accept an uploaded file for import and start its preview check. The file's size, type
    and (for CSV) text encoding are checked first; nothing is imported yet."""
    importer = importer_for(kind)
    if importer is None:
        raise ValidationFailed(_("Unknown import."), fields={"kind": [_("Unknown import.")]})
    if not importer.allowed(by):
        raise Forbidden(_("You may not import these records."))
    if by.org_unit_id is None:
        raise Forbidden(_("You need an org unit to import records."))
    readers.check_size(upload.size or 0)
    head = upload.read(8)
    upload.seek(0)
    file_format = readers.detect_format(upload.name, head)
    encoding = readers.csv_encoding(upload) if file_format == "csv" else ""
    upload.seek(0)
    with transaction.atomic():
        job = ImportJob(
            kind=kind,
            file_name=upload.name[-255:],
            file_format=file_format,
            file_size=upload.size,
            encoding=encoding,
            created_by=by,
            org_unit=by.org_unit,
        )
        job.file.save(upload.name[-80:], upload, save=False)
        job.save()
        audit_record(target=job, action="created", actor=by, changes={"file": job.file_name})
    if upload.size <= _inline_bytes():
        import_validate(job=job)
    else:
        ImportJob.moves.move(job, ImportStatus.VALIDATING, source=ImportStatus.UPLOADED)
        enqueue("accounts.tasks.import_validate_task", job.pk)
    return job


def _header(importer: Importer, cells: list[str]) -> list[str | None]:
    """The column key of each cell of the header row (None: ignored); refuses a header that
    lacks a required column or names one twice."""
    lookup = {
        **importer.custom_headers(),
        **{h: c.key for c in importer.columns for h in c.headers()},
    }
    keys = [lookup.get(header_key(cell)) for cell in cells]
    taken = [k for k in keys if k]
    twice = {k for k in taken if taken.count(k) > 1}
    if twice:
        raise readers.file_error(
            _("These columns appear twice: %(names)s.") % {"names": ", ".join(sorted(twice))}
        )
    missing = [str(c.label) for c in importer.columns if c.required and c.key not in taken]
    if missing:
        raise readers.file_error(
            _("The first row must name the columns; missing: %(names)s.")
            % {"names": ", ".join(missing)}
        )
    return keys


def _read(job: ImportJob, importer: Importer) -> Iterator[list[Row]]:
    """The file's data rows, cleaned (not yet checked against the database), in batches."""
    with job.file.open("rb") as binary:
        rows = readers.iter_rows(binary, job.file_format, job.encoding)
        first = next(rows, None)
        if first is None:
            raise readers.file_error(_("The file has no rows."))
        keys = _header(importer, first[1])
        batch: list[Row] = []
        limit = readers.max_rows()
        for count, (number, cells) in enumerate(rows, start=1):
            if count > limit:
                raise readers.file_error(
                    _("The file has more than %(n)s rows; split it.") % {"n": limit}
                )
            raw = {k: (cells[i] if i < len(cells) else "") for i, k in enumerate(keys) if k}
            row = Row(number=number, raw=raw)
            importer.clean(row)
            importer.clean_custom(row)
            batch.append(row)
            if len(batch) >= importer.batch_size:
                yield batch
                batch = []
        if batch:
            yield batch


def _batches(
    job: ImportJob, importer: Importer, source: Iterator[list[Row]] | None = None, stage=None
) -> Iterator[list[Row]]:
    """The file's data rows, cleaned, in checked batches (from `source`, else the file); each
    batch goes to `stage` as the preview cleaned it, before the database check."""
    for batch in _read(job, importer) if source is None else source:
        if stage is not None:
            stage.add(batch)
        importer.check(batch)
        yield batch


def _issue(job: ImportJob, row: Row) -> ImportIssue:
    return ImportIssue(
        job=job,
        row=row.number,
        level=IssueLevel.ERROR if not row.ok else IssueLevel.DUPLICATE,
        messages=row.messages(),
        matches=row.matches[:10],
        data=row.raw,
    )


def _counts(job: ImportJob, *names: str) -> dict[str, int]:
    return {name: getattr(job, name) for name in names}


def _fail(job: ImportJob, message: str, *, source: str, counts: dict | None = None) -> None:
    """The check or the import failed: the job says why, and its trail records it."""
    with transaction.atomic():
        if ImportJob.moves.move(
            job, ImportStatus.FAILED, source=source, message=message, finished_at=timezone.now()
        ):
            audit_record(
                target=job,
                action="import.failed",
                actor=job.created_by,
                from_state=source,
                to_state=ImportStatus.FAILED,
                comment=message,
                changes=counts or {},
            )


def import_validate(*, job: ImportJob) -> ImportJob:
    """The preview: check every row (errors, duplicates in the database and in the file) and
    keep the problem rows; nothing is imported. Runs in the request for small files and as a
    Celery job for large ones."""
    importer = _importer(job)
    started = ImportJob.moves.move(
        job,
        ImportStatus.VALIDATING,
        source=[ImportStatus.UPLOADED, ImportStatus.VALIDATING],
        started_at=timezone.now(),
        message="",
        rows_total=0,
        rows_valid=0,
        rows_error=0,
        rows_duplicate=0,
        progress=0,
    )
    if not started:  # cancelled, or checked already by an earlier run
        job.refresh_from_db()
        return job
    ImportIssue.objects.filter(job=job).delete()
    staging.drop(job)
    stage = staging.Writer(job)
    try:
        for batch in _batches(job, importer, stage=stage):
            issues = [_issue(job, r) for r in batch if not r.ok or r.duplicate]
            ImportIssue.objects.bulk_create(issues)
            job.rows_total += len(batch)
            job.rows_error += sum(1 for r in batch if not r.ok)
            job.rows_duplicate += sum(1 for r in batch if r.ok and r.duplicate)
            job.progress = job.rows_total
            ImportJob.objects.filter(pk=job.pk).update(progress=job.progress)
    except ValidationFailed as exc:
        stage.discard()
        ImportIssue.objects.filter(job=job).delete()
        _fail(job, exc.message, source=ImportStatus.VALIDATING)
        return job
    except Exception:
        stage.discard()
        logger.exception("import %s: preview failed", job.pk)
        _fail(
            job,
            _("The file could not be checked; the error was logged."),
            source=ImportStatus.VALIDATING,
        )
        return job
    if job.rows_total:
        stage.save(job.rows_total)
    else:
        stage.discard()
    job.rows_valid = job.rows_total - job.rows_error - job.rows_duplicate
    counts = _counts(job, "rows_total", "rows_valid", "rows_error", "rows_duplicate")
    if not job.rows_total:
        _fail(job, _("The file has no data rows."), source=ImportStatus.VALIDATING, counts=counts)
        return job
    with transaction.atomic():
        if ImportJob.moves.move(
            job,
            ImportStatus.VALIDATED,
            source=ImportStatus.VALIDATING,
            message="",
            finished_at=timezone.now(),
            progress=job.progress,
            **counts,
        ):
            audit_record(
                target=job,
                action="import.checked",
                actor=job.created_by,
                from_state=ImportStatus.VALIDATING,
                to_state=ImportStatus.VALIDATED,
                changes=counts,
            )
    return job


def _check_may_run(job: ImportJob, by: User) -> None:
    if not policy.can(by, job, "change"):
        raise Forbidden(_("You may not change this import."))


def import_commit(*, job: ImportJob, by: User, mode: str) -> ImportJob:
    """Write the checked rows: `all` (refused while any row has an error; duplicates are
    imported too) or `valid` (rows with errors and duplicates are skipped). Large imports run
    as a Celery job; the job's status and progress say how far it is."""
    _check_may_run(job, by)
    if mode not in ImportMode.values:
        raise ValidationFailed(_("Choose which rows to import."), fields={"mode": [_("Required.")]})
    if job.status != ImportStatus.VALIDATED:
        raise Conflict(_("This import is not waiting to be committed."), code="import_state")
    if mode == ImportMode.ALL and job.rows_error:
        raise ValidationFailed(
            _("%(n)s rows have errors: fix the file, or import only the valid rows.")
            % {"n": job.rows_error},
            fields={"mode": [_("Some rows have errors.")]},
        )
    with transaction.atomic():
        claimed = ImportJob.moves.move(
            job,
            ImportStatus.IMPORTING,
            source=ImportStatus.VALIDATED,
            mode=mode,
            progress=0,
            message="",
        )
        if not claimed:
            raise Conflict(_("This import was started meanwhile."), code="import_state")
        job.refresh_from_db()
        audit_record(
            target=job,
            action="import.committed",
            actor=by,
            from_state=ImportStatus.VALIDATED,
            to_state=ImportStatus.IMPORTING,
            changes={"mode": mode, **_counts(job, "rows_total", "rows_valid")},
        )
    if job.rows_total <= _inline_rows():
        return import_run(job=job)
    enqueue("accounts.tasks.import_commit_task", job.pk)
    return job


def progress_key(job: ImportJob) -> str:
    return f"ltc:import-progress:{job.pk}"


def job_progress(job: ImportJob) -> int:
    """Rows processed so far: a running commit reports through the cache (its writes are not
    visible until its one transaction commits)."""
    if job.status == ImportStatus.IMPORTING:
        return int(cache.get(progress_key(job)) or 0)
    return job.progress


def import_run(*, job: ImportJob) -> ImportJob:
    """Write an import claimed by `import_commit` (in the request or the Celery job). One
    transaction: on any failure nothing is written and the job says why."""
    job = ImportJob.objects.select_related("created_by__org_unit").get(pk=job.pk)
    if job.status != ImportStatus.IMPORTING:
        return job  # done already (a redelivered task) or cancelled
    importer = _importer(job)
    created = skipped = processed = 0
    try:
        with transaction.atomic():
            importer.lock()
            if setbased.available(importer):
                created, skipped, processed = _run_set_based(job, importer)
            for batch in _set_aside(job, importer):
                if job.mode == ImportMode.ALL:
                    bad = next((r for r in batch if not r.ok), None)
                    if bad is not None:
                        raise _abort(
                            bad.number, "; ".join(m for ms in bad.errors.values() for m in ms)
                        )
                    chosen = batch
                else:
                    chosen = [r for r in batch if r.ok and not r.duplicate]
                if chosen:
                    created += len(importer.save(chosen))
                skipped += len(batch) - len(chosen)
                processed += len(batch)
                cache.set(progress_key(job), processed, timeout=24 * 3600)
            finished = ImportJob.moves.move(
                job,
                ImportStatus.DONE,
                source=ImportStatus.IMPORTING,
                rows_created=created,
                rows_skipped=skipped,
                progress=processed,
                finished_at=timezone.now(),
            )
            if not finished:
                raise _Superseded
            audit_record(
                target=job,
                action="import.done",
                actor=job.created_by,
                from_state=ImportStatus.IMPORTING,
                to_state=ImportStatus.DONE,
                changes=_counts(job, "rows_created", "rows_skipped"),
            )
    except _Superseded:
        job.refresh_from_db()
    except _Abort as exc:
        _fail(job, str(exc), source=ImportStatus.IMPORTING)
    except ValidationFailed as exc:
        _fail(job, exc.message, source=ImportStatus.IMPORTING)
    except Exception:
        logger.exception("import %s: commit failed", job.pk)
        _fail(
            job,
            _("The import failed and nothing was written; the error was logged."),
            source=ImportStatus.IMPORTING,
        )
    finally:
        cache.delete(progress_key(job))
    if job.status == ImportStatus.DONE:
        staging.drop(job)
    if job.status == ImportStatus.DONE and job.file:
        _drop_file(job)  # the rows are in; problem rows stay as issues
    return job


def _abort(row: int, problems: str) -> _Abort:
    return _Abort(
        _("Row %(row)s is no longer valid (%(problems)s); nothing was imported.")
        % {"row": row, "problems": problems}
    )


def _set_aside(job: ImportJob, importer: Importer) -> Iterator[list[Row]]:
    """The batches the row-by-row commit writes: none when the set-based one wrote them."""
    if setbased.available(importer):
        return iter(())
    return _batches(job, importer, staging.read(job, importer))


def _run_set_based(job: ImportJob, importer: Importer) -> tuple[int, int, int]:
    """The whole file checked and written in SQL (PostgreSQL; ADR 34): created, skipped and
    processed rows."""
    source = staging.read(job, importer)
    outcome = setbased.commit(
        importer,
        _read(job, importer) if source is None else source,
        mode_all=job.mode == ImportMode.ALL,
        progress=lambda n: cache.set(progress_key(job), n, timeout=24 * 3600),
    )
    if outcome.bad is not None:
        raise _abort(*outcome.bad)
    importer.finished(outcome.ids)
    return len(outcome.ids), outcome.skipped, outcome.processed


def _drop_file(job: ImportJob) -> None:
    """Delete the job's uploaded file, writing only its file column (never its status)."""
    job.file.delete(save=False)
    ImportJob.objects.filter(pk=job.pk).update(file="")


def import_cancel(*, job: ImportJob, by: User) -> ImportJob:
    """Drop an import that was not committed (its file and problem rows go)."""
    _check_may_run(job, by)
    source = job.status
    with transaction.atomic():
        cancelled = ImportJob.moves.allowed(source, ImportStatus.CANCELLED) and (
            ImportJob.moves.move(
                job, ImportStatus.CANCELLED, source=source, finished_at=timezone.now()
            )
        )
        if not cancelled:
            raise Conflict(_("This import can no longer be cancelled."), code="import_state")
        job.refresh_from_db()
        audit_record(
            target=job,
            action="import.cancelled",
            actor=by,
            from_state=source,
            to_state=ImportStatus.CANCELLED,
        )
    staging.drop(job)
    if job.file:
        _drop_file(job)
    return job


def error_report_lines(*, job: ImportJob) -> Iterator[str]:
    """The problem rows as CSV: row number, level, what is wrong, then the row's own cells, so
    the file can be fixed and imported again."""
    importer = _importer(job)
    keys = [c.key for c in importer.columns]
    labels = {c.key: str(c.label) for c in importer.columns}
    header = [_("Row"), _("Problem"), _("Details"), *[str(c.label) for c in importer.columns]]

    def rows():
        for issue in job.issues.order_by("row").iterator(chunk_size=2000):
            details = [
                f"{labels[key]}: {message}" if key in labels else message
                for key, messages in issue.messages.items()
                for message in messages
            ]
            details += [f"#{m['id']} {m['name']}" for m in issue.matches]
            yield [
                issue.row,
                issue.get_level_display(),
                "; ".join(details),
                *[issue.data.get(k, "") for k in keys],
            ]

    return csv_lines(header, rows())


def template_lines(*, kind: str) -> Iterator[str]:
    """An empty CSV with the import's columns, to fill in."""
    importer = importer_for(kind)
    if importer is None:
        raise ValidationFailed(_("Unknown import."), fields={"kind": [_("Unknown import.")]})
    return csv_lines([str(c.label) for c in importer.columns], [])
