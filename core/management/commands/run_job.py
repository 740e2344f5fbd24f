"""`manage.py run_job <name>`: run one of the periodic jobs now, here (ADR 15).

`--list` names every job. The run is recorded and audited like one asked for through the API
(`core.jobs.job_request`); while a run of the job is queued or running elsewhere, that run is
reported and nothing else is done. Each job is idempotent: running it again changes nothing
that the first run did.
"""

from django.core.management.base import BaseCommand, CommandError

from core.context import RequestContext, reset, set_current
from core.errors import ApplicationError
from core.jobs import job_registry, job_request


class Command(BaseCommand):
    help = "Run a periodic job now (see --list), recorded as a job run and audited."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="the job to run")
        parser.add_argument("--list", action="store_true", help="list the jobs and exit")

    def handle(self, *args, name=None, list=False, **options):
        if list or not name:
            for job in job_registry():
                self.stdout.write(f"{job.name}\t{job.label}: {job.description}")
            if not list:
                raise CommandError("name a job to run (see --list)")
            return
        token = set_current(RequestContext(via="command"))
        try:
            run, created = job_request(name=name, by=None, run_now=True)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        finally:
            reset(token)
        if not created:
            self.stdout.write(f"{name}: run {run.pk} is already {run.status}; nothing started")
            return
        if run.status != "succeeded":
            raise CommandError(f"{name}: run {run.pk} {run.status}: {run.error}")
        self.stdout.write(f"{name}: run {run.pk} {run.status}: {run.result}")
