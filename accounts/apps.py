from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Parties: people, organisation and customers")

    def ready(self) -> None:
        from core.jobs import register_job  # the on-demand jobs (ADR 15)

        # Registers the demo seeder, the audit action labels and the customer importer.
        from . import approvals, configuration, demo, hooks, imports, rules  # noqa: F401
        from .activities import register_subject
        from .imports import customers, exchange_rates  # noqa: F401
        from .models import Customer

        register_subject(Customer)
        configuration.register()  # the configured roles in the configuration file

        register_job(
            name="activities-flag-overdue-next-steps",
            task="accounts.tasks.activities_flag_overdue",
            label=_("Overdue next steps"),
            description=_("Tell owners about next steps past their date (once each)."),
        )
        register_job(
            name="accounts-expire-registrations",
            task="accounts.tasks.registrations_expire",
            label=_("Customer registrations"),
            description=_(
                "End the protections past their date: renewed where the account was worked, "
                "else expired (once each)."
            ),
        )
