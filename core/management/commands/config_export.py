"""`manage.py config_export [--output FILE]`: the configuration file (issue 20.6), as the
API's `GET /api/v1/configuration/export/` gives it, on standard output or into FILE."""

import json

from django.core.management.base import BaseCommand

from core.configuration import configuration_export


class Command(BaseCommand):
    help = "Write the configuration (roles, custom fields, approval chains) as a JSON file."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="the file to write (default: standard output)")

    def handle(self, *args, output=None, **options):
        text = json.dumps(configuration_export(), ensure_ascii=False, indent=2, default=str)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
        else:
            self.stdout.write(text)
