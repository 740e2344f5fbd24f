from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Chat apps")

    def ready(self) -> None:
        from core.jobs import register_job
        from core.notifications import register_channel

        from . import rules  # noqa: F401
        from .services import dispatch

        register_channel(dispatch)
        register_job(
            name="messaging-send-due",
            task="messaging.tasks.send_due_chat_deliveries",
            label=_("Chat messages due"),
            description=_(
                "Send the chat messages whose retry is due; mark those a stopped sender left."
            ),
        )
