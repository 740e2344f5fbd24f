from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("MCE: manage contract execution")

    def ready(self) -> None:
        from core.jobs import register_job  # the on-demand jobs (ADR 15)

        from . import approvals, demo, gates, hooks, rules  # noqa: F401  (gates, hooks, demo data)

        register_job(
            name="contracts-late-delivery-reminders",
            task="contracts.tasks.send_late_delivery_reminders",
            label=_("Late-delivery scan"),
            description=_(
                "Tell owners and FRs of delivery milestones past their planned date (once each)."
            ),
        )
