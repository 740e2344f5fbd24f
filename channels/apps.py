from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "channels"
    verbose_name = _("Rebates and channel reports")

    def ready(self) -> None:
        from core.jobs import register_job  # the on-demand jobs (ADR 15)

        from . import demo, hooks, rules  # noqa: F401

        register_job(
            name="channels-rebate-statements",
            task="channels.tasks.rebate_statements_close",
            label=_("Rebate statements"),
            description=_(
                "Make the rebate statement of every ended period and issue it (once each)."
            ),
        )
