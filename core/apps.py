from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The core keeps the label "ltc": tables (`ltc_auditevent`...), content types, permissions
    and migration names are unchanged by its move out of the project package."""

    name = "core"
    label = "ltc"
    verbose_name = _("LTC core")

    def ready(self) -> None:
        from . import rates_demo, rules  # noqa: F401  (the rates' demo seeder, the named permissions)
        from .approvals import rules as approval_rules  # noqa: F401
        from .configuration.sections import register as register_configuration_sections
        from .custom_fields import demo  # noqa: F401  (registers the demo seeder)
        from .custom_fields.display import register_panels
        from .fsm import fsm_fields_leave_migration_models_alone, fsm_refresh_is_thread_safe
        from .gates import services as gate_services  # noqa: F401  (the escalated gate's kind)
        from .jobs import register_job

        fsm_fields_leave_migration_models_alone()
        fsm_refresh_is_thread_safe()  # django-fsm-2 toggles a shared flag per refresh
        register_configuration_sections()  # custom fields and approval chains in the file
        register_panels()  # "Details": a record's custom fields on its page
        register_job(
            name="approvals-reminders-and-escalations",
            task="ltc.tasks.send_approval_reminders",
            label=_("Approval reminders and escalations"),
            description=_(
                "Remind approvers of steps half-way to their time limit and escalate those past "
                "it (once each)."
            ),
        )
        register_job(
            name="custom-field-indexes",
            task="ltc.tasks.ensure_custom_field_indexes",
            label=_("Custom field indexes"),
            description=_(
                "Make the index of each number, money and date custom field that lacks one "
                "(fast range filters)."
            ),
        )
        register_job(
            name="partitions-ahead",
            task="ltc.tasks.ensure_partitions",
            label=_("Monthly partitions"),
            description=_(
                "Make the audit trail's and notifications' partitions for the coming months "
                "(PostgreSQL)."
            ),
        )
        register_job(
            name="outbox-flush",
            task="ltc.tasks.flush_outbox",
            label=_("Outbox flush"),
            description=_("Publish the background tasks the broker could not take."),
        )
        register_job(
            name="notifications-email-digest",
            task="ltc.tasks.send_daily_digests",
            label=_("Notification digests"),
            description=_("E-mail the daily digest to the users who chose it."),
        )
