from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    name = "calendars"
    verbose_name = _("Calendar feeds")

    def ready(self) -> None:
        from core.settings_page import Entry, register_entry

        from . import timeline  # noqa: F401

        register_entry(
            Entry(
                "calendars:settings",
                _("My calendar feed"),
                _("Your follow-ups, bid deadlines, gates and milestones in Outlook or a phone."),
                lambda user: True,
            ),
            personal=True,
        )
