"""The rollups' bookkeeping (issue 24.2): which keys changed since their last refresh, and when
each rollup was last refreshed. See docs/adr/0033-scoped-reads-and-incremental-rollups.md."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now


class RollupDirty(models.Model):
    """A key of a rollup (org unit × currency × product line) whose rows no longer match the
    records they sum. Written by database triggers on the summed tables, in the transaction of
    the change, whatever wrote it (a service, a bulk update, an import's COPY), once per key
    (a unique key, insert-or-ignore); taken and deleted by the rollup's incremental refresh.
    Derived bookkeeping: never edited by hand."""

    rollup = models.CharField(max_length=20)
    org_unit_id = models.IntegerField()
    currency = models.CharField(max_length=3)
    product_line = models.CharField(max_length=100, blank=True, default="")
    marked_at = models.DateTimeField(db_default=Now())

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rollup", "org_unit_id", "currency", "product_line"],
                name="rollup_dirty_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rollup} {self.org_unit_id} {self.currency} {self.product_line}"


class RollupRefresh(models.Model):
    """When a rollup was last brought up to date (fully or incrementally): the moment its
    figures are as of, and the day (ageing buckets count from it)."""

    rollup = models.CharField(max_length=20, unique=True)
    refreshed_at = models.DateTimeField()
    as_of = models.DateField()

    def __str__(self) -> str:
        return f"{self.rollup} {self.refreshed_at}"
