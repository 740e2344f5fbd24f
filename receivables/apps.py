from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceivablesConfig(AppConfig):
    name = "receivables"
    verbose_name = _("Cash: collections")

    def ready(self) -> None:
        from core.jobs import register_job  # the on-demand jobs (ADR 15)

        from . import approvals, demo, hooks, rules  # noqa: F401  (registers hooks, demo data)

        register_job(
            name="receivables-daily-scan",
            task="receivables.tasks.scan_payment_milestones",
            label=_("Payment reminder scan"),
            description=_(
                "Make fixed-date milestones due and send the day's payment reminders (once each)."
            ),
        )
        register_job(
            name="receivables-refresh-ageing-rollup",
            task="receivables.tasks.refresh_ageing_rollup",
            label=_("Ageing rollup refresh"),
            description=_("Recount the receivables ageing by org unit."),
        )
        register_job(
            name="receivables-refresh-cash-forecast",
            task="receivables.tasks.refresh_cash_forecast",
            label=_("Cash-in forecast refresh"),
            description=_("Predict every open milestone's payment date from payment history."),
        )
