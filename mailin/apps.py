from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailinConfig(AppConfig):
    name = "mailin"
    verbose_name = _("E-mail in")

    def ready(self) -> None:
        from core.jobs import register_job  # the on-demand jobs (ADR 15)

        from . import rules  # noqa: F401

        register_job(
            name="mailin-poll",
            task="mailin.tasks.poll_mailboxes",
            label=_("Read the inbound mailboxes"),
            description=_(
                "Fetch unread messages from each inbound mailbox: new leads, and replies to "
                "notification e-mails as comments on their record (each message once)."
            ),
        )
