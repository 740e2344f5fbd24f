from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = _("ML: manage leads")

    def ready(self) -> None:
        from core.jobs import register_job  # the on-demand jobs (ADR 15)

        from . import demo, hooks, rules  # noqa: F401  (registers the demo seeder and home panel)

        register_job(
            name="leads-rescore-open",
            task="leads.tasks.leads_rescore_open",
            label=_("Lead rescore"),
            description=_("Recompute the score of every open lead."),
        )
