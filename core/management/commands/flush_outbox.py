"""`manage.py flush_outbox`: publish the outbox's unsent tasks now (after a broker outage)."""

from django.core.management.base import BaseCommand

from core.jobs import flush_outbox


class Command(BaseCommand):
    help = "Publish the background tasks that could not be sent while the broker was down."

    def handle(self, *args, **options):
        sent = flush_outbox()
        self.stdout.write(f"outbox: {sent} sent")
