from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncentivesConfig(AppConfig):
    name = "incentives"
    verbose_name = _("Credit sharing and incentives")

    def ready(self) -> None:
        from core.jobs import register_job  # the on-demand jobs (ADR 15)

        from . import approvals, configuration, demo, hooks, timeline  # noqa: F401

        register_job(
            name="incentives-credit",
            task="incentives.tasks.credit_pending",
            label=_("Credit bookings and collections"),
            description=_(
                "Credit signed contracts and allocated receipts to their people by their shares "
                "(each event once; a changed one re-credited with reversal lines)."
            ),
        )
