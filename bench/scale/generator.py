"""One generation run of the scale data set: the writers, the ids handed out, and the order
in which the parts are written."""

from __future__ import annotations

import datetime as dt
import random
import time

from django.utils import timezone

from accounts.models import IronTriangle, IronTriangleMember
from bench.bulk import BulkWriter
from leads.models import Lead

from .money import Money
from .parties import Parties
from .pipeline import Pipeline


class ScaleData(Parties, Pipeline, Money):
    """One generation run: the writers, the ids handed out and what later rows point at."""

    def __init__(self, counts: dict, rng: random.Random, out):
        self.counts, self.rng, self.out = counts, rng, out
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.written: dict[str, int] = {}
        self.pay_habits: dict[int, tuple[float, float]] = {}
        self.started = time.monotonic()

    def log(self, what: str) -> None:
        self.out.write(f"  {time.monotonic() - self.started:6.1f}s {what} …")

    def close(self, *writers: BulkWriter) -> None:
        for writer in writers:
            self.written[writer.model.__name__] = writer.close()

    def days_ago(self, low: int, high: int) -> dt.datetime:
        return self.now - dt.timedelta(days=self.rng.randint(low, high), minutes=self.rng.random())

    def run(self) -> dict[str, int]:
        self.log("org tree and users")
        self.org_and_users()
        self.log("customers and contacts")
        self.customers_and_contacts()
        self.triangles = BulkWriter(IronTriangle)
        self.members = BulkWriter(IronTriangleMember)
        self.leads = BulkWriter(Lead)
        self.log("opportunities, gate reviews, decision chains")
        self.opportunities()
        self.log("leads")
        self.other_leads()
        self.log("contracts and payment plans")
        self.contracts_and_money()
        self.close(self.triangles, self.members, self.leads)
        self.log("activities")
        self.activities()
        return self.written
