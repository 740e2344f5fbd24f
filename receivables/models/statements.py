"""Bank statement lines already recorded as receipts: the natural key that makes recording
a statement twice harmless."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .receipts import Receipt


class StatementLine(models.Model):
    """One line of a bank statement, recorded as `receipt`. A bank reference is unique within
    its account, so the same line sent again (a re-run import, a retried call) is recognised
    and never becomes a second receipt, even when the receipt was reversed since."""

    account = models.CharField(
        _("bank account"),
        max_length=64,
        help_text=_("The account the statement is for (e.g. its number or IBAN)."),
    )
    bank_reference = models.CharField(_("bank reference"), max_length=100)
    receipt = models.OneToOneField(
        Receipt,
        verbose_name=_("receipt"),
        on_delete=models.PROTECT,
        related_name="statement_line",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "bank_reference"], name="statement_line_once_per_account"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.bank_reference}"
