"""`manage.py funnel_rollup [--full]`: bring the funnel rollup up to date now (ADR 33)."""

from django.core.management.base import BaseCommand

from keyaccounts.services.rollups import refresh, refresh_dirty


class Command(BaseCommand):
    help = (
        "Recount the funnel rollup's keys changed since its last refresh, "
        "or rebuild it whole with --full."
    )

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="rebuild every key")

    def handle(self, *args, **options):
        if options["full"]:
            self.stdout.write(f"funnel rollup: {refresh()} rows rebuilt")
        else:
            self.stdout.write(f"funnel rollup: {refresh_dirty()} keys recounted")
