from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Channel partners")

    def ready(self) -> None:
        from core.jobs import register_job  # the on-demand jobs (ADR 15)

        from . import approvals, demo, hooks, imports, rules  # noqa: F401

        register_job(
            name="partners-qualification-reminders",
            task="partners.tasks.qualifications_remind",
            label=_("Partner qualification reminders"),
            description=_(
                "Tell partner managers about qualification documents about to expire (once each)."
            ),
        )
