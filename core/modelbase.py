"""The abstract bases of business records (kept apart from `core.models` so that the models
the core keeps in its packages, such as `core.approvals.models`, build on them without an
import cycle; `core.models` re-exports them)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Base of every business record: when it was made and changed, and an edit version.

    `version` grows by one on every edit through a service; the API sends it as the ETag and
    refuses an edit made against an older version (409), so no update is silently lost.
    """

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


class NumberedModel(models.Model):
    """A record with a human number derived from its id: OPP-000042, CON-000007."""

    number_prefix = "REC"
    number = models.CharField(_("number"), max_length=20, blank=True, editable=False, db_index=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if not self.number:
            self.number = f"{self.number_prefix}-{self.pk:06d}"
            type(self)._default_manager.filter(pk=self.pk).update(number=self.number)
