"""`manage.py generate_channel_data`: the channel part of the scale data set (partners,
registrations, agreement prices; issue 21's speed) on top of `generate_scale_data`."""

from __future__ import annotations

import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from bench.scale.channels import CHANNEL_DEFAULTS, generate_channels
from partners.models import Partner


class Command(BaseCommand):
    help = "Add partners, registrations and agreement prices to the scale data set."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0)
        for name, default in CHANNEL_DEFAULTS.items():
            flag = name.replace("_", "-")
            parser.add_argument(
                f"--{flag}", dest=name, type=int, help=f"default {default:,} × scale"
            )
        parser.add_argument("--seed", type=int, default=2027)

    def handle(self, *args, scale: float, seed: int, **options):
        counts = {
            name: options[name] if options[name] is not None else max(1, round(d * scale))
            for name, d in CHANNEL_DEFAULTS.items()
        }
        if Partner.objects.filter(name__startswith="渠道伙伴 ").exists():
            raise CommandError("The channel data set is already here.")
        started = time.monotonic()

        def log(what: str) -> None:
            self.stdout.write(f"  {time.monotonic() - started:6.1f}s {what} …")

        try:
            with transaction.atomic():
                written = generate_channels(counts, random.Random(seed), log)  # noqa: S311
        except ValueError as error:
            raise CommandError(str(error)) from error
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(
            f"{sum(written.values()):,} rows in {time.monotonic() - started:.1f}s: "
            + ", ".join(f"{model} {n:,}" for model, n in written.items())
        )
