from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = _("MO: manage opportunities")

    def ready(self) -> None:
        from core.jobs import register_job  # the on-demand jobs (ADR 15)
        from partners.conversion import register_converter

        from .services.partners import (
            opportunity_create_from_partner_registration,
            opportunity_of_registration,
        )

        def register_partner_conversion():
            register_converter(
                opportunity_create_from_partner_registration, opportunity_of_registration
            )

        from . import agreement_imports, approvals, configuration, demo, gates, hooks, rules  # noqa: F401

        configuration.register()  # stage norms and probabilities in the configuration file
        register_partner_conversion()

        register_job(
            name="opportunities-bid-reminders",
            task="opportunities.tasks.send_bid_reminders",
            label=_("Bid reminders"),
            description=_("Remind the people of bids whose deadline is near (once per window)."),
        )
