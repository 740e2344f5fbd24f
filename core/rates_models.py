"""The exchange-rate table (ADR 30), kept apart from `core.rates` (its services and reads) so
that `core.models` registers it without importing the audit code (an import cycle)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .modelbase import TimeStampedModel
from .money import CurrencyField

RATE_DIGITS, RATE_PLACES = 18, 8


class RateSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    IMPORT = "import", _("Imported from a file")
    API = "api", _("Sent through the API")


class ExchangeRate(TimeStampedModel):
    """How many units of `quote` one unit of `base` buys on `date` (USD→CNY 7.1). One per day
    and pair, held by a unique constraint; `source` says where it came from."""

    date = models.DateField(_("date"))
    base = CurrencyField(_("base currency"))
    quote = CurrencyField(_("quote currency"))
    rate = models.DecimalField(_("rate"), max_digits=RATE_DIGITS, decimal_places=RATE_PLACES)
    source = models.CharField(
        _("source"),
        max_length=40,
        blank=True,
        default=RateSource.MANUAL,
        help_text=_("manual, import, or the name of the system that sent it"),
    )

    class Meta:
        app_label = "ltc"
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["-date", "base", "quote"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "base", "quote"], name="exchange_rate_once_per_day_and_pair"
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(condition=~Q(base=models.F("quote")), name="exchange_rate_pair"),
        ]
        indexes = [models.Index(fields=["base", "quote", "-date"], name="exchange_rate_lookup")]

    def __str__(self) -> str:
        return f"{self.date} {self.base}/{self.quote} {self.rate}"

    @property
    def source_label(self) -> str:
        """The source in the reader's language, or the sending system's name as given."""
        if self.source in RateSource.values:
            return str(RateSource(self.source).label)
        return self.source
