from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from core.jobs import register_job  # the on-demand jobs (ADR 15)

        from . import demo, rules  # noqa: F401

        register_job(
            name="reports-send-scheduled",
            task="reports.tasks.send_scheduled_reports",
            label=_("Scheduled reports"),
            description=_(
                "E-mail every saved report whose daily, weekly or monthly schedule is due, as "
                "an Excel file, each once per period."
            ),
        )
